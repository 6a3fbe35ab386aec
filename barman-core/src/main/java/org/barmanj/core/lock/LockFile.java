package org.barmanj.core.lock;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Barman's lock files ({@code .<server>-<task>.lock} in {@code barman_lock_directory}), held for the life of
 * the task and released on close or process exit. They exclude other barmanj processes; note that they are
 * POSIX record locks, which do not exclude a Python Barman (it uses flock) running on the same catalog.
 */
public final class LockFile implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private LockFile(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock if it is free; returns null when another process holds it. */
    public static LockFile tryAcquire(Path file) throws IOException {
        FileChannel ch = open(file);
        FileLock lock = ch.tryLock();
        if (lock == null) {
            ch.close();
            return null;
        }
        return held(ch, lock);
    }

    /** Waits for the lock. */
    public static LockFile acquire(Path file) throws IOException {
        FileChannel ch = open(file);
        return held(ch, ch.lock());
    }

    /** The lock file of a server task, e.g. {@code .demo-archive-wal.lock}. */
    public static Path of(String lockDirectory, String server, String task) {
        return Path.of(lockDirectory, "." + server + "-" + task + ".lock");
    }

    private static FileChannel open(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    private static LockFile held(FileChannel ch, FileLock lock) throws IOException {
        // Like Barman, the holder writes its pid (for people looking at the file).
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
        return new LockFile(ch, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
