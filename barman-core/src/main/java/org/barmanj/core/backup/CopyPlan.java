package org.barmanj.core.backup;

import org.barmanj.core.remote.FileListing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * How the files of one folder are dealt to rsync processes.
 *
 * <p>With a previous backup to reuse, a file whose modification time is before that backup's start (the safe
 * horizon) is unchanged since that backup copied it when its size and time match, so rsync's quick check is
 * enough; a newer file may have changed within the same second as the earlier copy, so it is compared by
 * checksum. Times in the listing are whole seconds, so "before" means a whole second before.
 *
 * <p>Each pass is split into {@code jobs} lists of about equal bytes (largest file first, each to the lightest
 * list), so that all jobs end about together. Folders go into the first list: they create the empty ones
 * (rsync creates a file's parent folders by itself). So does the top folder itself ({@code .}): without it, the
 * destination keeps the mode it was created with instead of the source's (PostgreSQL refuses a data directory
 * that others may read).
 */
public final class CopyPlan {
    /** One rsync process: its files (relative paths) and whether it compares them by checksum. */
    public record Job(boolean checksum, List<String> paths, long bytes) {
    }

    private CopyPlan() {
    }

    /** {@code horizonSeconds} null when there is no previous backup to reuse. */
    public static List<Job> plan(List<FileListing> entries, int jobs, Long horizonSeconds) {
        List<String> folders = new ArrayList<>(List.of("."));
        List<FileListing> quick = new ArrayList<>();
        List<FileListing> checksum = new ArrayList<>();
        for (FileListing e : entries) {
            if (e.directory()) {
                folders.add(e.path());
            } else if (horizonSeconds == null || e.mtimeSeconds() < horizonSeconds) {
                quick.add(e);
            } else {
                checksum.add(e);
            }
        }
        List<Job> result = new ArrayList<>();
        result.addAll(split(quick, jobs, false));
        result.addAll(split(checksum, jobs, true));
        if (result.isEmpty()) {
            result.add(new Job(false, folders, 0));
        } else {
            Job first = result.get(0);
            List<String> paths = new ArrayList<>(folders);
            paths.addAll(first.paths());
            result.set(0, new Job(first.checksum(), paths, first.bytes()));
        }
        return result;
    }

    private static List<Job> split(List<FileListing> files, int jobs, boolean checksum) {
        if (files.isEmpty()) {
            return List.of();
        }
        int n = Math.max(1, Math.min(jobs, files.size()));
        List<List<String>> lists = new ArrayList<>();
        long[] bytes = new long[n];
        PriorityQueue<Integer> lightest = new PriorityQueue<>(Comparator.<Integer>comparingLong(i -> bytes[i])
                .thenComparingInt(i -> i));
        for (int i = 0; i < n; i++) {
            lists.add(new ArrayList<>());
            lightest.add(i);
        }
        List<FileListing> bySize = new ArrayList<>(files);
        bySize.sort(Comparator.comparingLong(FileListing::size).reversed().thenComparing(FileListing::path));
        for (FileListing f : bySize) {
            int i = lightest.poll();
            lists.get(i).add(f.path());
            bytes[i] += f.size();
            lightest.add(i);
        }
        List<Job> result = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            result.add(new Job(checksum, lists.get(i), bytes[i]));
        }
        result.sort(Comparator.comparingLong(Job::bytes).reversed());
        return result;
    }
}
