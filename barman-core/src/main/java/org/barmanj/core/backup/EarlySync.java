package org.barmanj.core.backup;

import org.barmanj.core.fs.Durable;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * fsyncs the files rsync has finished while the copy goes on, so the disk writes them during the copy instead
 * of all at the end. rsync's receiver prints a file's name as it starts on it, so the name before is finished.
 * This only saves time: the backup's final pass still fsyncs every file and folder before the backup counts.
 */
public final class EarlySync implements AutoCloseable {

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "early-fsync");
        t.setDaemon(true);
        return t;
    });

    /** Follows one rsync process's {@code --out-format=%n} lines, relative to {@code root}. */
    final class Follower {
        private final Path root;
        private String previous;

        private Follower(Path root) {
            this.root = root;
        }

        void line(String name) {
            finished();
            previous = name;
        }

        /** The rsync ended: its last file is finished too. */
        void finished() {
            if (previous != null && !previous.endsWith("/")) {
                Path file = root.resolve(previous);
                worker.execute(() -> sync(file));
            }
            previous = null;
        }
    }

    Follower follow(Path root) {
        return new Follower(root);
    }

    private static void sync(Path file) {
        try {
            Durable.syncFile(file);
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
