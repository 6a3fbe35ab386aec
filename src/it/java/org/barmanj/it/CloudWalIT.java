package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * barmanj's barman-cloud-wal-archive/-wal-restore/-check-wal-archive against S3Proxy (a real S3 API server with
 * SigV4, started by the lab) and Debian's Barman 3.4 barman-cli-cloud as the live peer, on PostgreSQL 15.
 */
class CloudWalIT {
    static final CloudLab LAB = new CloudLab("cloudwal", 9771);
    static final String PG = "cloudwal15";
    static final int PG_PORT = 6771;

    static String ours(String command) {
        return LAB.ours(command);
    }

    @BeforeAll
    static void lab() {
        Lab.lab("pg", "destroy", PG);
        LAB.start();
    }

    @AfterAll
    static void down() {
        Lab.lab("pg", "destroy", PG);
        LAB.stop();
    }

    @Test
    void postgresArchivesWithOursAndBarman34RestoresByteIdentical() throws Exception {
        String archive = LAB.archiveCommand(ours("barman-cloud-wal-archive"), "s3://pgbucket/prefix", "demo");
        // Empty prefix (no bucket yet): both agree the archive is usable.
        assertEquals(0, LAB.run(null, ours("barman-cloud-check-wal-archive"), "s3://pgbucket/prefix", "demo").exit());
        assertEquals(0, LAB.run(null, "barman-cloud-check-wal-archive", "s3://pgbucket/prefix", "demo").exit());
        Lab.lab("pg", "start", PG, "15", "127.0.0.1", String.valueOf(PG_PORT), archive);
        Lab.psql(PG, "CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
        String segment = Lab.psql(PG, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Lab.psql(PG, "SELECT pg_switch_wal()");
        Path object = LAB.s3Dir.resolve("pgbucket/prefix/demo/wals/" + segment.substring(0, 16) + "/" + segment);
        for (int i = 0; i < 300 && !Files.exists(object); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(object), "archived by ours at Barman's key: " + object);
        Path pgWal = Path.of("/var/lib/edb/" + PG + "/data/pg_wal/" + segment);
        Path fetched = Files.createTempDirectory("cloudwal").resolve("fetched");
        Proc r = LAB.run(null, "barman-cloud-wal-restore", "s3://pgbucket/prefix", "demo",
                segment, fetched.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(Files.readAllBytes(pgWal), Files.readAllBytes(fetched));
        // A used prefix: both refuse it (exit 1), and both accept it for a timeline past the one in use.
        Proc oursCheck = LAB.run(null, ours("barman-cloud-check-wal-archive"), "s3://pgbucket/prefix", "demo");
        Proc theirs = LAB.run(null, "barman-cloud-check-wal-archive", "s3://pgbucket/prefix",
                "demo");
        assertEquals(1, theirs.exit(), theirs.err());
        assertEquals(1, oursCheck.exit(), oursCheck.err());
        assertTrue(oursCheck.err().contains("Expected empty archive"), oursCheck.err());
        assertEquals(0, LAB.run(null, ours("barman-cloud-check-wal-archive"), "--timeline", "2", "s3://pgbucket/prefix",
                "demo").exit());
        assertEquals(0, LAB.run(null, "barman-cloud-check-wal-archive", "--timeline", "2",
                "s3://pgbucket/prefix", "demo").exit());
    }

    @Test
    void barman34ArchivesAndOursRestoresPlainGzipAndBzip2() throws Exception {
        Path dir = Files.createTempDirectory("cloudwal");
        byte[] wal = new byte[16 << 20];
        new java.util.Random(19).nextBytes(wal);
        for (int i = 0; i < wal.length / 2; i++) {
            wal[i] = 0; // half compressible
        }
        String[][] cases = {{"000000010000000000000010", null}, {"000000010000000000000011", "-z"},
                            {"000000010000000000000012", "-j"}};
        for (String[] c : cases) {
            Path src = dir.resolve(c[0]);
            Files.write(src, wal);
            List<String> cmd = new ArrayList<>();
            if (c[1] != null) {
                cmd.add(c[1]);
            }
            cmd.addAll(List.of("s3://theirs/p", "demo", src.toString()));
            Proc up = LAB.run(null, "barman-cloud-wal-archive", cmd.toArray(new String[0]));
            assertEquals(0, up.exit(), up.err());
            Path dest = dir.resolve("restored-" + c[0]);
            Proc down = LAB.run(null, ours("barman-cloud-wal-restore"), "s3://theirs/p",
                    "demo", c[0], dest.toString());
            assertEquals(0, down.exit(), down.err());
            assertArrayEquals(wal, Files.readAllBytes(dest), c[0] + " " + c[1]);
        }
        assertTrue(Files.exists(LAB.s3Dir.resolve("theirs/p/demo/wals/0000000100000000/000000010000000000000011.gz")));
        // Ours uploads compressed, Barman 3.4 restores it.
        Path src = dir.resolve("000000010000000000000013");
        Files.write(src, wal);
        assertEquals(0, LAB.run(null, ours("barman-cloud-wal-archive"), "-j",
                "s3://theirs/p", "demo", src.toString()).exit());
        assertTrue(Files.exists(LAB.s3Dir.resolve("theirs/p/demo/wals/0000000100000000/000000010000000000000013.bz2")));
        Path back = dir.resolve("back");
        Proc b = LAB.run(null, "barman-cloud-wal-restore", "s3://theirs/p", "demo",
                "000000010000000000000013", back.toString());
        assertEquals(0, b.exit(), b.err());
        assertArrayEquals(wal, Files.readAllBytes(back));
        // Missing segment: exit 1 from both.
        assertEquals(1, LAB.run(null, ours("barman-cloud-wal-restore"), "s3://theirs/p",
                "demo", "0000000100000000000000FF", dir.resolve("x").toString()).exit());
    }

    /** --look-ahead: the other files marked ready go in the same call, and are marked done once stored. */
    @Test
    void readyFilesGoInTheSameCallAndAreMarkedDone() throws Exception {
        Path pgWal = Files.createTempDirectory("cloudwal").resolve("pg_wal");
        Path status = Files.createDirectories(pgWal.resolve("archive_status"));
        List<String> names = List.of("000000010000000000000030", "000000010000000000000031",
                "000000010000000000000032", "00000002.history", "000000020000000000000033");
        for (String n : names) {
            Files.writeString(pgWal.resolve(n), "wal " + n);
            Files.writeString(status.resolve(n + ".ready"), "");
        }
        Files.writeString(status.resolve("000000010000000000000029.done"), "");
        Files.writeString(status.resolve("000000010000000000000034.ready"), ""); // no segment: left alone
        Proc limited = LAB.run(null, ours("barman-cloud-wal-archive"), "--look-ahead", "2", "s3://ahead/p", "demo",
                pgWal.resolve(names.get(0)).toString());
        assertEquals(0, limited.exit(), limited.err());
        // The first call: its own file and the next two ready ones, by name.
        assertEquals(List.of("000000010000000000000031.done", "000000010000000000000032.done"),
                List.of(status.resolve("000000010000000000000031.done"), status.resolve("000000010000000000000032.done"))
                        .stream().filter(Files::exists).map(p -> p.getFileName().toString()).toList());
        assertTrue(Files.exists(status.resolve("00000002.history.ready")));
        Proc rest = LAB.run(null, ours("barman-cloud-wal-archive"), "s3://ahead/p", "demo",
                pgWal.resolve(names.get(0)).toString());
        assertEquals(0, rest.exit(), rest.err());
        assertTrue(Files.exists(status.resolve("00000002.history.done")));
        assertTrue(Files.exists(status.resolve("000000020000000000000033.done")));
        assertTrue(Files.exists(status.resolve("000000010000000000000034.ready")));
        // PostgreSQL marks the file it asked for itself: ours leaves its marker as it was.
        assertTrue(Files.exists(status.resolve(names.get(0) + ".ready")));
        for (String n : names) {
            String key = n.endsWith(".history") ? "p/demo/wals/" + n : "p/demo/wals/" + n.substring(0, 16) + "/" + n;
            assertEquals("wal " + n, Files.readString(LAB.object("ahead", key)), key);
        }
        // Barman 3.4 restores what was sent ahead.
        Path back = pgWal.resolve("restored");
        Proc b = LAB.run(null, "barman-cloud-wal-restore", "s3://ahead/p", "demo", "000000020000000000000033",
                back.toString());
        assertEquals(0, b.exit(), b.err());
        assertEquals("wal 000000020000000000000033", Files.readString(back));
    }

    @Test
    void wrongCredentialsAndMissingBucket() throws Exception {
        Path dir = Files.createTempDirectory("cloudwal");
        Path src = dir.resolve("000000010000000000000020");
        Files.write(src, new byte[1024]);
        String wrong = "not-the-secret-4711";
        Proc ours = LAB.runWithSecret(null, wrong, ours("barman-cloud-wal-archive"), "s3://creds/p", "demo",
                src.toString());
        Proc theirs = LAB.runWithSecret(null, wrong, "barman-cloud-wal-archive", "s3://creds/p", "demo",
                src.toString());
        assertEquals(theirs.exit(), ours.exit(), "same exit code as Barman 3.4: " + theirs.err());
        assertEquals(4, ours.exit());
        assertTrue(ours.err().contains("403") && ours.err().contains("access denied"), ours.err());
        assertFalse((ours.out() + ours.err()).contains(wrong), "secret printed: " + ours.err());
        assertFalse(Files.exists(LAB.s3Dir.resolve("creds")));
        // A bucket that does not exist: restore and Barman 3.4 agree (exit 1, "does not exist").
        Proc r = LAB.run(null, ours("barman-cloud-wal-restore"), "s3://nobucket/p",
                "demo", "000000010000000000000020", dir.resolve("r").toString());
        Proc r34 = LAB.run(null, "barman-cloud-wal-restore", "s3://nobucket/p", "demo",
                "000000010000000000000020", dir.resolve("r").toString());
        assertEquals(1, r.exit());
        assertEquals(r34.exit(), r.exit());
        assertTrue(r.err().contains("Bucket nobucket does not exist"), r.err());
        // No server at all: network error, exit 2 from both.
        Proc net = Proc.run("env", "AWS_ACCESS_KEY_ID=" + CloudLab.KEY, "AWS_SECRET_ACCESS_KEY=" + CloudLab.SECRET,
                ours("barman-cloud-wal-archive"), "--endpoint-url", "http://127.0.0.1:9779", "s3://b/p", "demo",
                src.toString());
        assertEquals(2, net.exit(), net.err());
        assertTrue(net.err().contains("Can't connect to cloud provider"), net.err());
    }
}
