package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.remote.FileListing;
import org.barmanj.core.remote.Rsync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Copies of folders and files with rsync, {@code jobs} processes at a time, in either direction (a backup pulls
 * from the PostgreSQL host, a recovery pushes to it), recording Barman's copy statistics (seconds per item:
 * listing, copy wall time, and copy time summed over the processes).
 */
public final class RsyncCopy {
    private static final List<String> FLAGS = List.of("-rLKpts", "--inplace", "--ignore-missing-args");

    private final Rsync rsync;
    private final int jobs;
    private final int retryTimes;
    private final int retrySleepSeconds;
    private final EarlySync earlySync;
    final Map<String, Double> analysisTime = new LinkedHashMap<>();
    final Map<String, Double> copyTime = new LinkedHashMap<>();
    final Map<String, Double> serializedCopyTime = new LinkedHashMap<>();

    /** {@code earlySync} null when the destination is not on this host. */
    public RsyncCopy(Rsync rsync, int jobs, int retryTimes, int retrySleepSeconds, EarlySync earlySync) {
        this.rsync = rsync;
        this.jobs = Math.max(1, jobs);
        this.retryTimes = Math.max(0, retryTimes);
        this.retrySleepSeconds = Math.max(0, retrySleepSeconds);
        this.earlySync = earlySync;
    }

    /**
     * Copies the folder {@code source} into {@code destination} (both as rsync takes them, {@code :path/} when
     * remote, with the trailing slash); {@code localDest} is the destination when it is on this host (its finished
     * files are fsync'd early), else null. {@code reference} is the same folder in the backup to reuse
     * ({@code --link-dest} or {@code --copy-dest}, per {@code reuse}) and {@code horizonSeconds} that backup's
     * start; both null for a plain copy. One job and nothing to reuse is a single rsync; otherwise the folder is
     * listed first and its files dealt to the jobs ({@link CopyPlan}).
     */
    public void folder(String label, String source, String destination, Path localDest, List<String> filters,
                       Integer bwlimit, Path reference, String reuse, Long horizonSeconds)
            throws IOException, InterruptedException {
        if (localDest != null) {
            Files.createDirectories(localDest);
        }
        long start = System.nanoTime();
        if (jobs == 1 && reference == null && horizonSeconds == null) {
            List<String> cmd = options(rsync.bulkCommand(bwlimit), filters, reference, reuse);
            cmd.add("--out-format=%n");
            cmd.add(source);
            cmd.add(destination);
            analysisTime.put(label, 0.0);
            double seconds = runWithRetries(cmd, localDest);
            copyTime.put(label, seconds);
            serializedCopyTime.put(label, seconds);
            return;
        }
        List<FileListing> listing = list(source, options(rsync.command(null), filters, null, reuse));
        analysisTime.put(label, seconds(start));
        List<CopyPlan.Job> plan = CopyPlan.plan(listing, jobs, horizonSeconds);
        List<String> base = options(rsync.bulkCommand(bwlimit), filters, reference, reuse);
        long copyStart = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(jobs, plan.size()));
        List<Future<Double>> results = new ArrayList<>();
        try {
            for (CopyPlan.Job job : plan) {
                results.add(pool.submit(() -> runJob(base, job, source, destination, localDest)));
            }
            double serialized = 0;
            for (Future<Double> f : results) {
                serialized += f.get();
            }
            copyTime.put(label, seconds(copyStart));
            serializedCopyTime.put(label, Math.round(serialized * 1e6) / 1e6);
        } catch (ExecutionException e) {
            rsync.killAll();
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof InterruptedException ie) {
                throw ie;
            }
            if (cause instanceof BarmanException be) {
                throw be;
            }
            throw new IOException(cause.getMessage(), cause);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Copies single remote files ({@code pg_control}, configuration files) into the local folder {@code dest}. */
    void files(String label, List<String> sources, Path dest, Integer bwlimit) throws IOException, InterruptedException {
        Files.createDirectories(dest);
        List<String> cmd = rsync.command(bwlimit);
        cmd.addAll(List.of("-LKpts", "--inplace", "--out-format=%n"));
        for (String s : sources) {
            cmd.add(rsync.remote(s));
        }
        cmd.add(Rsync.into(dest));
        double seconds = runWithRetries(cmd, dest);
        copyTime.put(label, seconds);
        serializedCopyTime.put(label, seconds);
    }

    /** A file whose content is already here (pg_control read over the PostgreSQL session), written as rsync would. */
    void write(String label, Path file, byte[] content) throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(file.getParent());
        Files.write(file, content);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        copyTime.put(label, seconds(start));
        serializedCopyTime.put(label, seconds(start));
    }

    private static List<String> options(List<String> command, List<String> filters, Path reference, String reuse) {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(FLAGS);
        cmd.addAll(filters);
        if (reference != null) {
            cmd.add((reuse.equals("copy") ? "--copy-dest=" : "--link-dest=") + reference);
        }
        return cmd;
    }

    private List<FileListing> list(String source, List<String> command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(command);
        cmd.add("--list-only");
        cmd.add(source);
        List<FileListing> entries = new ArrayList<>();
        rsync.run(cmd, Map.of("TZ", "UTC"), line -> {
            FileListing e = FileListing.parse(line);
            if (e != null) {
                entries.add(e);
            }
        });
        return entries;
    }

    private double runJob(List<String> base, CopyPlan.Job job, String source, String destination, Path localDest)
            throws IOException, InterruptedException {
        Path list = Files.createTempFile("barman-", ".files");
        try {
            Files.write(list, Rsync.fileList(job.paths()));
            List<String> cmd = new ArrayList<>(base);
            // Without -r: the listed folders are created, not copied again whole (--files-from implies --dirs).
            cmd.set(cmd.indexOf("-rLKpts"), "-LKpts");
            if (job.checksum()) {
                cmd.add("--checksum");
            }
            cmd.add("--from0");
            cmd.add("--files-from=" + list);
            cmd.add("--out-format=%n");
            cmd.add(source);
            cmd.add(destination);
            return runWithRetries(cmd, localDest);
        } finally {
            Files.deleteIfExists(list);
        }
    }

    private double runWithRetries(List<String> cmd, Path localDest) throws IOException, InterruptedException {
        long start = System.nanoTime();
        for (int attempt = 0; ; attempt++) {
            EarlySync.Follower follower = earlySync == null || localDest == null ? null : earlySync.follow(localDest);
            try {
                rsync.run(cmd, Map.of(), follower == null ? line -> { } : follower::line);
                if (follower != null) {
                    follower.finished();
                }
                return seconds(start);
            } catch (BarmanException e) {
                if (e.code() != ErrorCode.RSYNC || attempt >= retryTimes) {
                    throw e;
                }
                Thread.sleep(retrySleepSeconds * 1000L);
            }
        }
    }

    private static double seconds(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1000.0) / 1e6;
    }
}
