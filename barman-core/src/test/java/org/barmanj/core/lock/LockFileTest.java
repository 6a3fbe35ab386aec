package org.barmanj.core.lock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our locks are flock(2) locks, as Python Barman's are: util-linux's flock command stands for the other Barman
 * here (LockInteropIT uses Barman 3.4's own lock classes).
 */
class LockFileTest {
    @TempDir
    Path dir;

    @Test
    void excludesOtherHoldersUntilClosed() throws Exception {
        Path file = LockFile.of(dir.toString(), "demo", "archive-wal");
        assertEquals(dir.resolve(".demo-archive-wal.lock"), file);
        try (LockFile held = LockFile.tryAcquire(file)) {
            assertNotNull(held);
            assertNull(LockFile.tryAcquire(file));
            assertEquals(1, flockNonBlocking(file), "another flock user sees the lock taken");
            assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(file));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        assertEquals(0, flockNonBlocking(file), "released on close");
        try (LockFile again = LockFile.tryAcquire(file)) {
            assertNotNull(again);
        }
    }

    @Test
    void seesALockTakenWithFlockAndWaitsForIt() throws Exception {
        Path file = dir.resolve(".demo-xlogdb.lock");
        Process other = new ProcessBuilder("flock", file.toString(), "-c", "echo held && exec cat >/dev/null").start();
        assertEquals('h', other.getInputStream().read(), "the other holder has the lock");
        assertNull(LockFile.tryAcquire(file));
        CompletableFuture<LockFile> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return LockFile.acquire(file);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertFalse(waiting.isDone(), "acquire waits while the other holds the lock");
        other.getOutputStream().close();
        try (LockFile mine = waiting.get(10, TimeUnit.SECONDS)) {
            assertNotNull(mine);
        }
    }

    /** Whatever $SHELL says: a system user's may be nologin. */
    @Test
    void doesNotDependOnTheUsersShell() throws Exception {
        Path file = dir.resolve(".demo-cron.lock");
        Process child = new ProcessBuilder("env", "SHELL=/usr/sbin/nologin",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LockFileTest.class.getName(), file.toString())
                .redirectErrorStream(true).start();
        String out = new String(child.getInputStream().readAllBytes()).strip();
        assertEquals(0, child.waitFor(), out);
        assertEquals("held", out);
    }

    /** For {@link #doesNotDependOnTheUsersShell}: takes the lock given as argument in a fresh JVM. */
    public static void main(String[] args) throws IOException {
        try (LockFile lock = LockFile.tryAcquire(Path.of(args[0]))) {
            System.out.println(lock != null ? "held" : "busy");
        }
    }

    @Test
    void aLockFileThatCannotBeOpenedIsAnError() throws Exception {
        Path file = dir.resolve(".demo-backup.lock");
        Files.createDirectory(file);
        IOException e = assertThrows(IOException.class, () -> LockFile.tryAcquire(file));
        assertEquals("cannot lock " + file + ": Is a directory", e.getMessage());
        assertEquals(0, flockNonBlocking(file), "nothing is left holding it");
    }

    private static int flockNonBlocking(Path file) throws Exception {
        return new ProcessBuilder("flock", "--nonblock", file.toString(), "true").start().waitFor();
    }
}
