package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults on the way from PostgreSQL to the archive: each makes the archive_command fail (so PostgreSQL keeps
 * the WAL and retries), leaves no partial file under its real name, and what is wrong is reported.
 */
class WalFaultsIT {
    static final String WAL = "000000010000000000000007";
    static Path work;
    static byte[] content;
    static Path stream;

    @BeforeAll
    static void prepare() throws IOException {
        Lab.startSshd();
        work = Files.createTempDirectory("wal-faults");
        content = new byte[16 * 1024 * 1024];
        new Random(7).nextBytes(content);
        Files.write(work.resolve(WAL), content);
        // The exact stream barman-wal-archive sends, captured with an ssh that writes its stdin to a file.
        Path fake = work.resolve("fakessh");
        Files.createDirectories(fake);
        Files.writeString(fake.resolve("ssh"), "#!/bin/sh\ncat > " + work.resolve("stream.tar") + "\n");
        Proc.run("chmod", "-R", "a+rwX", work.toString()).ok();
        Proc.run("chmod", "755", fake.resolve("ssh").toString()).ok();
        Proc.run("env", "PATH=" + fake + ":/usr/bin:/bin", Lab.BIN.resolve("barman-wal-archive").toString(),
                "--look-ahead", "0", "backup-srv", "demo", work.resolve(WAL).toString()).ok();
        stream = work.resolve("stream.tar");
    }

    @AfterAll
    static void clean() {
        Proc.run("rm", "-rf", work.toString()).ok();
    }

    private static Proc putWal(BarmanHome home, String input) {
        return Proc.as("enterprisedb", "sh", "-c", input + " | ssh -q -T barman@backup-srv barman --config='"
                + home.conf + "' put-wal demo");
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void streamCutMidFileStoresNothing() throws IOException {
        BarmanHome home = new BarmanHome("cut").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            Proc cut = putWal(home, "head -c 9000000 " + stream);
            assertNotEquals(0, cut.exit());
            assertTrue(cut.err().contains("ERROR: Cannot receive WAL files in put-wal for server 'demo'"), cut.err());
            assertEquals(List.of(), names(home.root.resolve("demo/incoming")), "no file, not even a temporary one");
            home.barman("archive-wal", "demo").ok();
            assertEquals(List.of(), names(home.root.resolve("demo/wals")));
        } finally {
            home.delete();
        }
    }

    @Test
    void checksumMismatchStoresNothing() throws IOException {
        BarmanHome home = new BarmanHome("checksum").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            byte[] bad = Files.readAllBytes(stream);
            bad[4096 + 1000] ^= 1;
            Path corrupt = work.resolve("corrupt.tar");
            Files.write(corrupt, bad);
            Proc run = putWal(home, "cat " + corrupt);
            assertEquals(1, run.exit());
            assertTrue(run.err().contains("ERROR: Bad file checksum '"), run.err());
            assertEquals(List.of(), names(home.root.resolve("demo/incoming")));
        } finally {
            home.delete();
        }
    }

    @Test
    void diskFullStoresNothing() throws IOException {
        BarmanHome home = new BarmanHome("full").tutorialServer("pg1-srv", 1).ownedByBarman();
        Path incoming = home.root.resolve("demo/incoming");
        Files.createDirectories(incoming);
        Proc.run("mount", "-t", "tmpfs", "-o", "size=1m,mode=755", "tmpfs", incoming.toString()).ok();
        try {
            Proc.run("chown", "barman:", incoming.toString()).ok();
            Proc run = Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-archive").toString(), "-c",
                    home.conf.toString(), "backup-srv", "demo", work.resolve(WAL).toString());
            assertEquals(1, run.exit(), run.err());
            assertTrue(run.err().contains("No space left on device"), run.err());
            assertTrue(run.err().contains("ERROR: Remote 'barman put-wal' command has failed!"), run.err());
            assertEquals(List.of(), names(incoming), "the partial file is removed");
        } finally {
            Proc.run("umount", incoming.toString()).ok();
            home.delete();
        }
    }

    @Test
    void notAWalNameIsRefused() throws IOException {
        BarmanHome home = new BarmanHome("name").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            Path odd = work.resolve("postgresql.conf");
            Files.writeString(odd, "x");
            Proc.run("chmod", "a+r", odd.toString()).ok();
            Proc run = Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-archive").toString(), "-c",
                    home.conf.toString(), "backup-srv", "demo", odd.toString());
            assertEquals(1, run.exit());
            assertTrue(run.err().contains("ERROR: Unsupported filename 'postgresql.conf' in put-wal for server 'demo'"),
                    run.err());
            assertEquals(List.of(), names(home.root.resolve("demo/incoming")));
        } finally {
            home.delete();
        }
    }

    @Test
    void unreachableBackupHost() {
        Proc run = Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-archive").toString(), "--port", "1",
                "backup-srv", "demo", work.resolve(WAL).toString());
        assertEquals(3, run.exit());
        assertEquals("ERROR: Connection problem with ssh\n", run.err());
    }

    @Test
    void duplicateWithDifferentContentGoesToErrorsAndCheckSaysSo() throws IOException {
        BarmanHome home = new BarmanHome("duplicate").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            String client = Lab.BIN.resolve("barman-wal-archive").toString();
            Proc.as("enterprisedb", client, "-c", home.conf.toString(), "backup-srv", "demo",
                    work.resolve(WAL).toString()).ok();
            home.barman("archive-wal", "demo").ok();
            Path other = work.resolve("other");
            Files.createDirectories(other);
            byte[] different = content.clone();
            different[0] ^= 1;
            Files.write(other.resolve(WAL), different);
            Proc.run("chmod", "-R", "a+rX", other.toString()).ok();
            Proc.as("enterprisedb", client, "-c", home.conf.toString(), "backup-srv", "demo",
                    other.resolve(WAL).toString()).ok();
            Proc archive = home.barman("archive-wal", "demo").ok();
            assertTrue(archive.out().contains("\tError: " + WAL + " is already present in server demo. File moved to "
                    + "errors directory."), archive.out());
            Path archived = home.root.resolve("demo/wals/0000000100000000/" + WAL);
            assertArrayEquals(content, Files.readAllBytes(archived), "never overwritten");
            List<String> errors = names(home.root.resolve("demo/errors"));
            assertEquals(1, errors.size());
            assertTrue(errors.get(0).endsWith(".duplicate"));
            Proc check = home.barman("check", "demo");
            assertEquals(1, check.exit());
            assertTrue(check.out().contains("\tarchiver errors: FAILED (duplicates: 1)\n"), check.out());
            Proc nagios = home.barman("check", "--nagios", "demo");
            Proc nagios34 = home.barman34("check", "--nagios", "demo");
            assertEquals(2, nagios.exit());
            assertEquals(nagios34.exit(), nagios.exit());
            assertEquals(nagios34.out(), nagios.out(), "Nagios output as Barman 3.4's");
        } finally {
            home.delete();
        }
    }

    @Test
    void readOnlyIncomingMakesPostgresRetryUntilFixed() throws IOException {
        BarmanHome home = new BarmanHome("readonly").tutorialServer("pg1-srv", 5715).ownedByBarman();
        String name = "it-faults15";
        Path incoming = home.root.resolve("demo/incoming");
        try {
            Files.createDirectories(incoming);
            Proc.run("chown", "root:", incoming.toString()).ok();
            Lab.lab("pg", "destroy", name);
            System.out.println("WalFaultsIT: running against PostgreSQL " + Lab.lab("pg", "start", name, "15", "pg1-srv",
                    "5715", "barman-wal-archive -c " + home.conf + " backup-srv demo %p").out().strip());
            Lab.psql(name, "SELECT pg_switch_wal() FROM (SELECT txid_current()) x");
            waitFor(() -> !Lab.psql(name, "SELECT failed_count FROM pg_stat_archiver").equals("0"));
            assertEquals("", Lab.psql(name, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver"));
            assertEquals(List.of(), names(incoming));
            Proc.run("chown", "barman:", incoming.toString()).ok();
            waitFor(() -> !Lab.psql(name, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver").isEmpty());
            String archived = Lab.psql(name, "SELECT last_archived_wal FROM pg_stat_archiver");
            assertTrue(names(incoming).contains(archived), names(incoming).toString());
        } finally {
            Lab.lab("pg", "destroy", name);
            home.delete();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + 120_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out");
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
