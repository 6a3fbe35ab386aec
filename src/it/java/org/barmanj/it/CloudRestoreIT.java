package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * barmanj's barman-cloud-restore on what Barman 3.4's barman-cloud-wal-archive and barman-cloud-backup wrote to
 * S3Proxy (a backup with a tablespace, gzip, and one split in parts by a small -S), then point-in-time recovery
 * with barmanj's barman-cloud-wal-restore as restore_command, on PostgreSQL 15; Barman 3.4's refusals compared.
 */
class CloudRestoreIT {
    static final int S3_PORT = 9785;
    static final String ENDPOINT = "http://127.0.0.1:" + S3_PORT;
    static final Path S3_DIR = Path.of("/tmp/barmanj-it-cloudrestore-s3");
    static final Path DIST = Path.of("/tmp/barmanj-it-cloudrestore-dist");
    static final String CREDS = "AWS_ACCESS_KEY_ID=barmanj-lab AWS_SECRET_ACCESS_KEY=barmanj-lab-secret";
    static final String URL = "s3://restore/prefix";
    static final String SERVER = "crest";
    static final String PG = "crest15";
    static final String RESTORED = "crest15r";
    static final int PG_PORT = 6785;

    static String ours(String command) {
        return DIST.resolve("bin").resolve(command).toString();
    }

    /** A barman-cloud command with the lab's credentials and endpoint, as user (null: root). */
    static Proc cloud(String user, String command, String... args) {
        List<String> c = new ArrayList<>();
        if (user != null) {
            c.addAll(List.of("runuser", "-u", user, "--"));
        }
        c.add("env");
        c.addAll(List.of(CREDS.split(" ")));
        c.addAll(List.of(command, "--endpoint-url", ENDPOINT));
        c.addAll(List.of(args));
        return Proc.run(c);
    }

    @BeforeAll
    static void lab() {
        Lab.lab("pg", "destroy", PG);
        Lab.lab("pg", "destroy", RESTORED);
        Proc.run("rm", "-rf", S3_DIR.toString(), DIST.toString()).ok();
        Lab.lab("s3", "start", String.valueOf(S3_PORT), S3_DIR.toString());
        // The bucket first (a folder of S3Proxy's filesystem backend): the WAL archiver and the backup would race
        // to create it, and Barman 3.4's barman-cloud-backup fails on BucketAlreadyOwnedByYou.
        Proc.run("mkdir", "-p", S3_DIR.resolve("restore").toString()).ok();
        Path built = Path.of(System.getProperty("barman.top", "../..")).resolve("barman-cloud/target/dist");
        Proc.run("cp", "-r", built.toString(), DIST.toString()).ok();
        Proc.run("chmod", "-R", "a+rX", DIST.toString()).ok();
    }

    @AfterAll
    static void down() {
        Lab.lab("pg", "destroy", RESTORED);
        Lab.lab("pg", "destroy", PG);
        Lab.lab("s3", "stop", String.valueOf(S3_PORT));
    }

    static void backup(String... extra) {
        List<String> a = new ArrayList<>(List.of("-h", "/var/lib/edb/" + PG + "/run", "-p", String.valueOf(PG_PORT),
                "-U", "enterprisedb", "-d", "postgres", "--immediate-checkpoint"));
        a.addAll(List.of(extra));
        a.addAll(List.of(URL, SERVER));
        cloud(null, "barman-cloud-backup", a.toArray(new String[0])).ok();
    }

    static String lastId() {
        String out = cloud(null, "barman-cloud-backup-list", URL, SERVER).ok().out();
        String last = null;
        for (String line : out.split("\n")) {
            if (line.matches("^\\d{8}T\\d{6}\\s.*")) {
                last = line.substring(0, 15);
            }
        }
        return last;
    }

    @Test
    void oursRestoresBarman34BackupsToATimeBetweenTwoCommits() throws Exception {
        long itStart = System.nanoTime();
        String archive = "env " + CREDS + " barman-cloud-wal-archive --endpoint-url " + ENDPOINT + " " + URL + " "
                + SERVER + " %p";
        Lab.lab("pg", "start", PG, "15", "127.0.0.1", String.valueOf(PG_PORT), archive);
        String ts = "/var/lib/edb/" + PG + "/ts1";
        Proc.as("enterprisedb", "mkdir", "-p", ts).ok();
        Lab.psql(PG, "CREATE TABLESPACE ts1 LOCATION '" + ts + "'");
        Lab.psql(PG, "CREATE TABLE t (i int) TABLESPACE ts1");
        Lab.psql(PG, "INSERT INTO t SELECT g FROM generate_series(1, 20000) g");
        Lab.psql(PG, "CREATE TABLE big TABLESPACE ts1 AS SELECT g, md5(g::text) m FROM generate_series(1, 100000) g");
        backup("--gzip", "-n", "gz");
        String gz = lastId();
        Thread.sleep(1100); // backup ids have a one-second resolution
        backup("-S", "2MB", "-n", "split");
        String split = lastId();
        assertTrue(split.compareTo(gz) > 0, gz + " " + split);
        String oid = Lab.psql(PG, "SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'");
        Path splitDir = S3_DIR.resolve("restore/prefix/" + SERVER + "/base/" + split);
        assertTrue(Files.exists(splitDir.resolve("data_0001.tar")), "split in parts: " + splitDir);
        assertTrue(Files.exists(splitDir.resolve(oid + ".tar")), "tablespace tar by oid");
        assertTrue(Files.exists(S3_DIR.resolve("restore/prefix/" + SERVER + "/base/" + gz + "/data.tar.gz")));

        Lab.psql(PG, "INSERT INTO t SELECT g FROM generate_series(20001, 20500) g"); // commit A
        String target = Lab.psql(PG, "SELECT now()");
        Thread.sleep(1100);
        Lab.psql(PG, "INSERT INTO t SELECT g FROM generate_series(20501, 21000) g"); // commit B
        String last = Lab.psql(PG, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Lab.psql(PG, "SELECT pg_switch_wal()");
        Path lastObject = S3_DIR.resolve("restore/prefix/" + SERVER + "/wals/" + last.substring(0, 16) + "/" + last);
        for (int i = 0; i < 300 && !Files.exists(lastObject); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(lastObject), "archived by Barman 3.4: " + lastObject);

        // Refusals, as Barman 3.4's (exit code and message).
        Path scratch = Files.createTempDirectory("cloudrestore");
        String[][] refusals = {
            {"nosuch", scratch.resolve("a").toString(), "4", "Unknown backup 'nosuch' for server 'crest'"},
            {"latest", scratch.resolve("a").toString(), "4", "Unknown backup 'latest' for server 'crest'"},
            {"20000101T000000", scratch.resolve("a").toString(), "1", "Backup 20000101T000000 for server crest does not exists"},
            {gz, scratch.toString(), "1", "Destination " + scratch + " already exists and it is not empty"},
        };
        Files.writeString(scratch.resolve("keep"), "x");
        for (String[] r : refusals) {
            Proc o = cloud(null, ours("barman-cloud-restore"), URL, SERVER, r[0], r[1]);
            Proc b = cloud(null, "barman-cloud-restore", URL, SERVER, r[0], r[1]);
            assertEquals(Integer.parseInt(r[2]), b.exit(), "Barman 3.4 " + r[0] + ": " + b.err());
            assertEquals(b.exit(), o.exit(), "ours " + r[0] + ": " + o.err());
            assertTrue(b.err().contains(r[3]), b.err());
            assertTrue(o.err().contains(r[3]), o.err());
        }
        assertTrue(!Files.exists(scratch.resolve("a")), "nothing written on a refusal");

        // The split backup, by id, tablespace relocated.
        String base = "/var/lib/edb/" + RESTORED;
        Proc.as("enterprisedb", "mkdir", "-p", base).ok();
        String moved = base + "/ts-moved";
        long t0 = System.nanoTime();
        cloud("enterprisedb", ours("barman-cloud-restore"), "--tablespace", "ts1:" + moved, URL, SERVER, split,
                base + "/data").ok();
        long oursMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(moved, Files.readSymbolicLink(Path.of(base + "/data/pg_tblspc/" + oid)).toString());
        assertTrue(Files.isDirectory(Path.of(base + "/data/pg_wal")));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(Path.of(base + "/data"))));
        recoverAndCheck(RESTORED, base + "/data", target);
        Lab.lab("pg", "destroy", RESTORED);

        // The same backup by Barman 3.4's barman-cloud-restore, for the time only.
        Proc.as("enterprisedb", "mkdir", "-p", base).ok();
        t0 = System.nanoTime();
        cloud("enterprisedb", "barman-cloud-restore", "--tablespace", "ts1:" + moved, URL, SERVER, split,
                base + "/data").ok();
        long theirsMs = (System.nanoTime() - t0) / 1_000_000;
        Lab.lab("pg", "destroy", RESTORED);

        // The gzip backup, by name, into the original locations (the original cluster gone).
        Lab.lab("pg", "destroy", PG);
        Proc.as("enterprisedb", "mkdir", "-p", "/var/lib/edb/" + PG).ok();
        cloud("enterprisedb", ours("barman-cloud-restore"), URL, SERVER, "gz", "/var/lib/edb/" + PG + "/data").ok();
        assertEquals(ts, Files.readSymbolicLink(Path.of("/var/lib/edb/" + PG + "/data/pg_tblspc/" + oid)).toString());
        recoverAndCheck(PG, "/var/lib/edb/" + PG + "/data", target);
        System.out.printf("CloudRestoreIT: restore of %s (split, tablespace): barmanj %d ms, Barman 3.4 %d ms;"
                + " whole test %d s%n", split, oursMs, theirsMs, (System.nanoTime() - itStart) / 1_000_000_000);
    }

    /** Point-in-time recovery with ours as restore_command; the cluster has exactly the rows of commit A. */
    static void recoverAndCheck(String name, String data, String target) throws Exception {
        String restore = "env " + CREDS + " " + ours("barman-cloud-wal-restore") + " --endpoint-url " + ENDPOINT + " "
                + URL + " " + SERVER + " %f %p";
        Proc.as("enterprisedb", "touch", data + "/recovery.signal").ok();
        RecoveryIT.startRestored(name, 15, "127.0.0.1", PG_PORT + 1, "\narchive_mode = off\nrestore_command = '"
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
