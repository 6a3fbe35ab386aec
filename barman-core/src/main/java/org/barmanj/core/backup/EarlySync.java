package org.barmanj.core.backup;

import org.barmanj.core.fs.Durable;
import org.barmanj.core.fs.PageCache;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Writes the backup's files to disk while rsync goes on, and then drops them from the page cache
 * ({@link PageCache}), so the disk works during the copy instead of all at the end and the copy keeps reusing the
 * same memory. rsync's receiver prints a file's name as it starts on it, so the name before is finished (fsync'd,
 * then dropped); the file being written is flushed and dropped whenever {@link #CHUNK} more bytes of it have
 * arrived. This only saves time: the backup's final pass still fsyncs every file and folder before the backup
 * counts.
 */
public final class EarlySync implements AutoCloseable {
    /** How much of the file being written may stay in memory. */
    static final long CHUNK = 32L << 20;
    /** Smaller finished files are not worth a {@code dd} each. */
    static final long DROP_MIN = 1L << 20;
    private static final long POLL_MILLIS = 200;

    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "early-fsync");
        t.setDaemon(true);
        return t;
    });
    private final Set<Follower> followers = ConcurrentHashMap.newKeySet();

    public EarlySync() {
        worker.scheduleWithFixedDelay(this::flushGrowing, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Follows one rsync process's {@code --out-format=%n} lines, relative to {@code root}. */
    final class Follower {
        private final Path root;
        private volatile Writing current;

        private Follower(Path root) {
            this.root = root;
        }

        void line(String name) {
            finished();
            current = name.endsWith("/") ? null : new Writing(root.resolve(name));
            followers.add(this);
        }

        /** The rsync ended: its last file is finished too. */
        void finished() {
            Writing w = current;
            current = null;
            followers.remove(this);
            if (w != null) {
                worker.execute(() -> syncAndDrop(w.file));
            }
        }
    }

    /** The file a follower's rsync is writing; {@code flushedUpTo} is only used on the worker. */
    private static final class Writing {
        final Path file;
        long flushedUpTo;

        Writing(Path file) {
            this.file = file;
        }
    }

    Follower follow(Path root) {
        return new Follower(root);
    }

    /** Runs on the worker, so it never overlaps a finished file's sync. */
    private void flushGrowing() {
        for (Follower f : followers) {
            Writing w = f.current;
            if (w == null) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(w.file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size - w.flushedUpTo >= CHUNK) {
                    ch.force(false);
                    PageCache.drop(w.file);
                    w.flushedUpTo = size;
                }
            } catch (IOException e) {
                // Not created yet, or vanished: the final pass syncs or reports it.
            }
        }
    }

    private static void syncAndDrop(Path file) {
        try {
            Durable.syncFile(file);
            if (Files.size(file) >= DROP_MIN) {
                PageCache.drop(file);
            }
        } catch (IOException e) {
            // Vanished or unreadable here: the final pass syncs or reports it.
        }
    }

    @Override
    public void close() throws InterruptedException {
        worker.shutdown();
        worker.awaitTermination(1, TimeUnit.HOURS);
    }
}
