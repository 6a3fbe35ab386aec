package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * barmanj's barman-cloud-restore on what Barman 3.4's barman-cloud-wal-archive and barman-cloud-backup wrote to
 * S3Proxy (a backup with a tablespace, gzip, and one split in parts by a small -S), then point-in-time recovery
 * with barmanj's barman-cloud-wal-restore as restore_command, on PostgreSQL 15 and 17; Barman 3.4's refusals compared.
 */
class CloudRestoreIT {
    static final CloudLab LAB = new CloudLab("cloudrestore", 9785);
    static final String URL = "s3://restore/prefix";
    static final int[] MAJORS = {15, 17};

    static String ours(String command) {
        return LAB.ours(command);
    }

    @BeforeAll
    static void lab() {
        for (int major : MAJORS) {
            Lab.lab("pg", "destroy", "crest" + major);
            Lab.lab("pg", "destroy", "crest" + major + "r");
        }
        LAB.start();
        LAB.createBucket("restore");
    }

    @AfterAll
    static void down() {
        for (int major : MAJORS) {
            Lab.lab("pg", "destroy", "crest" + major + "r");
            Lab.lab("pg", "destroy", "crest" + major);
        }
        LAB.stop();
    }

    static void backup(String pg, int port, String server, String... extra) {
        List<String> a = new ArrayList<>(List.of("-h", "/var/lib/edb/" + pg + "/run", "-p", String.valueOf(port),
                "-U", "enterprisedb", "-d", "postgres", "--immediate-checkpoint"));
        a.addAll(List.of(extra));
        a.addAll(List.of(URL, server));
        LAB.run(null, "barman-cloud-backup", a.toArray(new String[0])).ok();
    }

    static String lastId(String server) {
        String out = LAB.run(null, "barman-cloud-backup-list", URL, server).ok().out();
        String last = null;
        for (String line : out.split("\n")) {
            if (line.matches("^\\d{8}T\\d{6}\\s.*")) {
                last = line.substring(0, 15);
            }
        }
        return last;
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {15, 17})
    void oursRestoresBarman34BackupsToATimeBetweenTwoCommits(int major) throws Exception {
        String pg = "crest" + major;
        String restored = pg + "r";
        String server = pg; // one prefix per version in the bucket
        int port = major == 15 ? 6785 : 6787;
        long itStart = System.nanoTime();
        String archive = LAB.archiveCommand("barman-cloud-wal-archive", URL, server);
        Lab.lab("pg", "start", pg, String.valueOf(major), "127.0.0.1", String.valueOf(port), archive);
        String ts = "/var/lib/edb/" + pg + "/ts1";
        Proc.as("enterprisedb", "mkdir", "-p", ts).ok();
        Lab.psql(pg, "CREATE TABLESPACE ts1 LOCATION '" + ts + "'");
        Lab.psql(pg, "CREATE TABLE t (i int) TABLESPACE ts1");
        Lab.psql(pg, "INSERT INTO t SELECT g FROM generate_series(1, 20000) g");
        Lab.psql(pg, "CREATE TABLE big TABLESPACE ts1 AS SELECT g, md5(g::text) m FROM generate_series(1, 100000) g");
        backup(pg, port, server, "--gzip", "-n", "gz");
        String gz = lastId(server);
        Thread.sleep(1100); // backup ids have a one-second resolution
        backup(pg, port, server, "-S", "2MB", "-n", "split");
        String split = lastId(server);
        assertTrue(split.compareTo(gz) > 0, gz + " " + split);
        String oid = Lab.psql(pg, "SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'");
        Path splitDir = LAB.s3Dir.resolve("restore/prefix/" + server + "/base/" + split);
        assertTrue(Files.exists(splitDir.resolve("data_0001.tar")), "split in parts: " + splitDir);
        assertTrue(Files.exists(splitDir.resolve(oid + ".tar")), "tablespace tar by oid");
        assertTrue(Files.exists(LAB.s3Dir.resolve("restore/prefix/" + server + "/base/" + gz + "/data.tar.gz")));

        Lab.psql(pg, "INSERT INTO t SELECT g FROM generate_series(20001, 20500) g"); // commit A
        String target = Lab.psql(pg, "SELECT now()");
        Thread.sleep(1100);
        Lab.psql(pg, "INSERT INTO t SELECT g FROM generate_series(20501, 21000) g"); // commit B
        String last = Lab.psql(pg, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Lab.psql(pg, "SELECT pg_switch_wal()");
        Path lastObject = LAB.s3Dir.resolve("restore/prefix/" + server + "/wals/" + last.substring(0, 16) + "/" + last);
        for (int i = 0; i < 300 && !Files.exists(lastObject); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(lastObject), "archived by Barman 3.4: " + lastObject);

        // Refusals, as Barman 3.4's (exit code and message).
        Path scratch = Files.createTempDirectory("cloudrestore");
        String[][] refusals = {
            {"nosuch", scratch.resolve("a").toString(), "4", "Unknown backup 'nosuch' for server '" + server + "'"},
            {"latest", scratch.resolve("a").toString(), "4", "Unknown backup 'latest' for server '" + server + "'"},
            {"20000101T000000", scratch.resolve("a").toString(), "1", "Backup 20000101T000000 for server " + server + " does not exists"},
            {gz, scratch.toString(), "1", "Destination " + scratch + " already exists and it is not empty"},
        };
        Files.writeString(scratch.resolve("keep"), "x");
        for (String[] r : refusals) {
            Proc o = LAB.run(null, ours("barman-cloud-restore"), URL, server, r[0], r[1]);
            Proc b = LAB.run(null, "barman-cloud-restore", URL, server, r[0], r[1]);
            assertEquals(Integer.parseInt(r[2]), b.exit(), "Barman 3.4 " + r[0] + ": " + b.err());
            assertEquals(b.exit(), o.exit(), "ours " + r[0] + ": " + o.err());
            assertTrue(b.err().contains(r[3]), b.err());
            assertTrue(o.err().contains(r[3]), o.err());
        }
        assertTrue(!Files.exists(scratch.resolve("a")), "nothing written on a refusal");

        // The split backup, by id, tablespace relocated.
        String base = "/var/lib/edb/" + restored;
        Proc.as("enterprisedb", "mkdir", "-p", base).ok();
        String moved = base + "/ts-moved";
        long t0 = System.nanoTime();
        LAB.run("enterprisedb", ours("barman-cloud-restore"), "--tablespace", "ts1:" + moved, URL, server, split,
                base + "/data").ok();
        long oursMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(moved, Files.readSymbolicLink(Path.of(base + "/data/pg_tblspc/" + oid)).toString());
        assertTrue(Files.isDirectory(Path.of(base + "/data/pg_wal")));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(Path.of(base + "/data"))));
        recoverAndCheck(restored, major, port, server, base + "/data", target);
        Lab.lab("pg", "destroy", restored);

        // The same backup by Barman 3.4's barman-cloud-restore, for the time only.
        Proc.as("enterprisedb", "mkdir", "-p", base).ok();
        t0 = System.nanoTime();
        LAB.run("enterprisedb", "barman-cloud-restore", "--tablespace", "ts1:" + moved, URL, server, split,
                base + "/data").ok();
        long theirsMs = (System.nanoTime() - t0) / 1_000_000;
        Lab.lab("pg", "destroy", restored);

        // The gzip backup, by name, into the original locations (the original cluster gone).
        Lab.lab("pg", "destroy", pg);
        Proc.as("enterprisedb", "mkdir", "-p", "/var/lib/edb/" + pg).ok();
        LAB.run("enterprisedb", ours("barman-cloud-restore"), URL, server, "gz", "/var/lib/edb/" + pg + "/data").ok();
        assertEquals(ts, Files.readSymbolicLink(Path.of("/var/lib/edb/" + pg + "/data/pg_tblspc/" + oid)).toString());
        recoverAndCheck(pg, major, port, server, "/var/lib/edb/" + pg + "/data", target);
        System.out.printf("CloudRestoreIT PostgreSQL " + major + ": restore of %s (split, tablespace): barmanj %d ms, Barman 3.4 %d ms;"
                + " whole test %d s%n", split, oursMs, theirsMs, (System.nanoTime() - itStart) / 1_000_000_000);
    }

    /** Point-in-time recovery with ours as restore_command; the cluster has exactly the rows of commit A. */
    static void recoverAndCheck(String name, int major, int port, String server, String data, String target)
            throws Exception {
        String restore = LAB.restoreCommand(ours("barman-cloud-wal-restore"), URL, server);
        Proc.as("enterprisedb", "touch", data + "/recovery.signal").ok();
        RecoveryIT.startRestored(name, major, "127.0.0.1", port + 1, "\narchive_mode = off\nrestore_command = '"
                + restore + "'\nrecovery_target_time = '" + target + "'\nrecovery_target_action = 'promote'\n");
        String inRecovery = "t";
        for (int i = 0; i < 300 && inRecovery.equals("t"); i++) {
            Thread.sleep(100);
            inRecovery = Lab.psql(name, "SELECT pg_is_in_recovery()");
        }
        assertEquals("f", inRecovery, "promoted at the target");
        assertEquals("20500|20500", Lab.psql(name, "SELECT count(*), max(i) FROM t"));
        assertEquals("100000", Lab.psql(name, "SELECT count(*) FROM big"));
    }
}
