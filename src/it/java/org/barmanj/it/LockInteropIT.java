package org.barmanj.it;

import org.barmanj.core.lock.LockFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our lock files and Barman 3.4's exclude each other on the same catalog: a WAL file in incoming/ is left alone
 * by one tool's archive-wal while the other holds the server's archive-wal lock, and archived once it is free.
 */
class LockInteropIT {
    static final String WAL = "000000010000000000000007";
    static final String SKIPPED = "Another archive-wal process is already running on server demo. "
            + "Skipping to the next server\n";

    @BeforeAll
    static void lab() {
        Lab.startSshd();
    }

    @Test
    void barman34sLockStopsOurArchiver() throws Exception {
        BarmanHome home = new BarmanHome("lock-theirs").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            Path incoming = incomingWal(home);
            // Barman 3.4's own lock class, held by a Python process of the barman user until its input closes.
            Process theirs = new ProcessBuilder("runuser", "-u", "barman", "--", "python3", "-c", """
                    import sys
                    from barman.lockfile import ServerWalArchiveLock
                    lock = ServerWalArchiveLock(sys.argv[1], 'demo')
                    lock.acquire()
                    print('held', flush=True)
                    sys.stdin.read()
                    """, home.root.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            assertEquals('h', theirs.getInputStream().read(), "Barman 3.4 holds its lock");
            try {
                assertEquals(SKIPPED, home.barman("archive-wal", "demo").ok().out());
                assertTrue(Files.exists(incoming), "left in incoming/ while Barman 3.4 holds the lock");
            } finally {
                theirs.getOutputStream().close();
                assertEquals(0, theirs.waitFor());
            }
            home.barman("archive-wal", "demo").ok();
            assertArchived(home, incoming);
        } finally {
            home.delete();
        }
    }

    @Test
    void ourLockStopsBarman34sArchiver() throws Exception {
        BarmanHome home = new BarmanHome("lock-ours").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            Path incoming = incomingWal(home);
            Path lockPath = LockFile.of(home.root.toString(), "demo", "archive-wal");
            // The file as our barman user would leave it: Barman 3.4 runs as that user too.
            Files.createFile(lockPath);
            Proc.run("chown", "barman:", lockPath.toString()).ok();
            try (LockFile ours = LockFile.tryAcquire(lockPath)) {
                assertNotNull(ours);
                assertEquals(SKIPPED, home.barman34("archive-wal", "demo").ok().out());
                assertTrue(Files.exists(incoming), "left in incoming/ while we hold the lock");
            }
            home.barman34("archive-wal", "demo").ok();
            assertArchived(home, incoming);
        } finally {
            home.delete();
        }
    }

    private static void assertArchived(BarmanHome home, Path incoming) {
        assertFalse(Files.exists(incoming));
        assertTrue(Files.exists(home.root.resolve("demo/wals/0000000100000000/" + WAL)));
    }

    /** A WAL file in the demo server's incoming/, as put-wal leaves it. */
    private static Path incomingWal(BarmanHome home) throws IOException {
        Path incoming = home.root.resolve("demo/incoming/" + WAL);
        Files.createDirectories(incoming.getParent());
        Files.write(incoming, new byte[16 * 1024 * 1024]);
        Proc.run("chown", "-R", "barman:", home.root.resolve("demo").toString()).ok();
        return incoming;
    }
}
