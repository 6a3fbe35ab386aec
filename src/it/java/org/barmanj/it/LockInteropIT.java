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
 * by one tool's archive-wal while the other holds the server's archive-wal lock, and archived once it is free;
 * our cron leaves a backup alone while Barman 3.4 holds that backup's lock.
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
            Process theirs = holdBarman34Lock(home, "ServerWalArchiveLock(sys.argv[1], 'demo')");
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

    @Test
    void barman34sBackupLockStopsOurCheckBackup() throws Exception {
        BarmanHome home = new BarmanHome("lock-backup").tutorialServer("pg1-srv", 1).ownedByBarman();
        String id = "20261124T230824";
        try {
            // Barman 3.4's backup (from the tutorial's recorded catalog), still waiting for its WAL file, which
            // is in the archive: a check-backup makes it DONE.
            Path info = home.root.resolve("demo/base/" + id + "/backup.info");
            Files.createDirectories(info.getParent());
            Files.writeString(info, Files.readString(Path.of(
                    "../../barman-cli/src/test/resources/barman34/tutorial/catalog/demo/base/" + id + "/backup.info"))
                    .replace("status=DONE", "status=WAITING_FOR_WALS"));
            Path wal = home.root.resolve("demo/wals/0000000100000000/000000010000000000000005");
            Files.createDirectories(wal.getParent());
            Files.write(wal, new byte[16 * 1024 * 1024]);
            Proc.run("chown", "-R", "barman:", home.root.resolve("demo").toString()).ok();
            Process theirs = holdBarman34Lock(home, "ServerBackupIdLock(sys.argv[1], 'demo', '" + id + "')");
            try {
                String out = home.barman("cron").ok().out();
                assertFalse(out.contains("check-backup"), out);
                assertTrue(Files.readString(info).contains("status=WAITING_FOR_WALS"), "left alone");
            } finally {
                theirs.getOutputStream().close();
                assertEquals(0, theirs.waitFor());
            }
            String out = home.barman("cron").ok().out();
            assertTrue(out.contains("Starting check-backup for backup " + id + " of server demo\n"), out);
            assertTrue(Files.readString(info).contains("status=DONE"));
        } finally {
            home.delete();
        }
    }

    /** One of Barman 3.4's own lock classes, held by a Python process of the barman user until its input closes. */
    private static Process holdBarman34Lock(BarmanHome home, String lock) throws IOException {
        Process p = new ProcessBuilder("runuser", "-u", "barman", "--", "python3", "-c",
                "import sys\nfrom barman.lockfile import *\nlock = " + lock + "\nlock.acquire()\n"
                        + "print('held', flush=True)\nsys.stdin.read()\n", home.root.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertEquals('h', p.getInputStream().read(), "Barman 3.4 holds its lock");
        return p;
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
