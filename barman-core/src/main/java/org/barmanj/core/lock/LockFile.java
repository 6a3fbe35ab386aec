package org.barmanj.core.lock;

import org.barmanj.core.fs.IoReason;
import org.barmanj.core.process.ChildProcesses;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Barman's lock files ({@code .<server>-<task>.lock} in {@code barman_lock_directory}), held for the life of
 * the task. They are flock(2) locks, as Barman's are, so that a Python Barman working on the same catalog and
 * this one exclude each other. Java itself only takes POSIX record locks, which flock locks do not see on Linux,
 * so the lock is held by a child, util-linux's {@code flock} command, until this process closes the child's
 * input: on {@link #close()}, or when this process ends in any way, kill -9 included.
 */
public final class LockFile implements AutoCloseable {
    /** flock's exit code when {@code --nonblock} finds the lock taken. */
    private static final int BUSY = 75;

    private final Process holder;

    private LockFile(Process holder) {
        this.holder = holder;
    }

    /** Takes the lock if it is free; returns null when another process holds it. */
    public static LockFile tryAcquire(Path file) throws IOException {
        return take(file, true, true);
    }

    /**
     * The pid written in a lock file that some process holds, as Barman's {@code get_owner_pid} finds it (the
     * lock is tried without writing a pid); null when the file is absent or nobody holds it.
     */
    public static Long ownerPid(Path file) throws IOException {
        if (!Files.exists(file)) {
            return null;
        }
        LockFile free = take(file, true, false);
        if (free != null) {
            free.close();
            return null;
        }
        String first = Files.readAllLines(file, StandardCharsets.US_ASCII).stream().findFirst().orElse("").strip();
        try {
            return Long.parseLong(first);
        } catch (NumberFormatException e) {
            throw new IOException(file + ": no pid in the lock file ('" + first + "')", e);
        }
    }

    /** Waits for the lock. */
    public static LockFile acquire(Path file) throws IOException {
        return take(file, false, true);
    }

    /** The lock file of a server task, e.g. {@code .demo-archive-wal.lock}. */
    public static Path of(String lockDirectory, String server, String task) {
        return Path.of(lockDirectory, "." + server + "-" + task + ".lock");
    }

    private static LockFile take(Path file, boolean nonBlocking, boolean withPid) throws IOException {
        Files.createDirectories(file.getParent());
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            // Someone's lock file, in use or not: flock decides.
        }
        List<String> cmd = new ArrayList<>(List.of("flock"));
        if (nonBlocking) {
            cmd.add("--nonblock");
        }
        // sh named here: flock's own -c would run the user's $SHELL, which may be nologin.
        cmd.addAll(List.of("--conflict-exit-code", String.valueOf(BUSY), file.toString(),
                "sh", "-c", "echo locked && exec cat >/dev/null"));
        Process holder;
        try {
            holder = ChildProcesses.start(new ProcessBuilder(cmd));
        } catch (IOException e) {
            throw new IOException("cannot run flock (util-linux) to lock " + file + ": " + e.getMessage(), e);
        }
        String first = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        if ("locked".equals(first)) {
            LockFile lock = new LockFile(holder);
            try {
                if (withPid) {
                    writePid(file);
                }
            } catch (IOException e) {
                lock.close();
                throw new IOException("cannot lock " + file + ": " + IoReason.of(e), e);
            }
            return lock;
        }
        try {
            int code = holder.waitFor();
            if (code == BUSY && nonBlocking) {
                return null;
            }
            String error = new String(holder.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            throw new IOException("cannot lock " + file + ": "
                    + (error.isEmpty() ? "flock exited with code " + code : error.lines().findFirst().orElse("")));
        } catch (InterruptedException e) {
            holder.getOutputStream().close();
            holder.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while locking " + file, e);
        }
    }

    /** Like Barman, the holder writes its pid (for people looking at the file). */
    private static void writePid(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
        }
    }

    /** Releases the lock: the holder ends once its input is closed; this returns when it has. */
    @Override
    public void close() throws IOException {
        holder.getOutputStream().close();
        try {
            holder.waitFor();
        } catch (InterruptedException e) {
            holder.destroy();
            Thread.currentThread().interrupt();
        }
    }
}
