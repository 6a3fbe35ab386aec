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
    static final int S3_PORT = 9771;
    static final String ENDPOINT = "http://127.0.0.1:" + S3_PORT;
    static final Path S3_DIR = Path.of("/tmp/barmanj-it-cloudwal-s3");
    static final Path DIST = Path.of("/tmp/barmanj-it-cloudwal-dist");
    static final String KEY = "barmanj-lab";
    static final String SECRET = "barmanj-lab-secret";
    static final String PG = "cloudwal15";
    static final int PG_PORT = 6771;

    static Path ours(String command) {
        return DIST.resolve("bin").resolve(command);
    }

    static Proc cloud(String secret, List<String> command) {
        List<String> c = new ArrayList<>(List.of("env", "AWS_ACCESS_KEY_ID=" + KEY, "AWS_SECRET_ACCESS_KEY=" + secret));
        c.addAll(command);
        return Proc.run(c);
    }

    static Proc cloud(String... command) {
        return cloud(SECRET, List.of(command));
    }

    @BeforeAll
    static void lab() {
        Lab.lab("pg", "destroy", PG);
        Proc.run("rm", "-rf", S3_DIR.toString(), DIST.toString()).ok();
        Lab.lab("s3", "start", String.valueOf(S3_PORT), S3_DIR.toString());
        Path built = Path.of(System.getProperty("barman.top", "../..")).resolve("barman-cloud/target/dist");
        Proc.run("cp", "-r", built.toString(), DIST.toString()).ok();
        Proc.run("chmod", "-R", "a+rX", DIST.toString()).ok();
    }

    @AfterAll
    static void down() {
        Lab.lab("pg", "destroy", PG);
        Lab.lab("s3", "stop", String.valueOf(S3_PORT));
    }

    @Test
    void postgresArchivesWithOursAndBarman34RestoresByteIdentical() throws Exception {
        String archive = "env AWS_ACCESS_KEY_ID=" + KEY + " AWS_SECRET_ACCESS_KEY=" + SECRET + " "
                + ours("barman-cloud-wal-archive") + " --endpoint-url " + ENDPOINT + " s3://pgbucket/prefix demo %p";
        // Empty prefix (no bucket yet): both agree the archive is usable.
        assertEquals(0, cloud(ours("barman-cloud-check-wal-archive").toString(), "--endpoint-url", ENDPOINT,
                "s3://pgbucket/prefix", "demo").exit());
        assertEquals(0, cloud("barman-cloud-check-wal-archive", "--endpoint-url", ENDPOINT,
                "s3://pgbucket/prefix", "demo").exit());
        Lab.lab("pg", "start", PG, "15", "127.0.0.1", String.valueOf(PG_PORT), archive);
        Lab.psql(PG, "CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
        String segment = Lab.psql(PG, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Lab.psql(PG, "SELECT pg_switch_wal()");
        Path object = S3_DIR.resolve("pgbucket/prefix/demo/wals/" + segment.substring(0, 16) + "/" + segment);
        for (int i = 0; i < 300 && !Files.exists(object); i++) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(object), "archived by ours at Barman's key: " + object);
        Path pgWal = Path.of("/var/lib/edb/" + PG + "/data/pg_wal/" + segment);
        Path fetched = Files.createTempDirectory("cloudwal").resolve("fetched");
        Proc r = cloud("barman-cloud-wal-restore", "--endpoint-url", ENDPOINT, "s3://pgbucket/prefix", "demo",
                segment, fetched.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(Files.readAllBytes(pgWal), Files.readAllBytes(fetched));
        // A used prefix: both refuse it (exit 1), and both accept it for a timeline past the one in use.
        Proc oursCheck = cloud(ours("barman-cloud-check-wal-archive").toString(), "--endpoint-url", ENDPOINT,
                "s3://pgbucket/prefix", "demo");
        Proc theirs = cloud("barman-cloud-check-wal-archive", "--endpoint-url", ENDPOINT, "s3://pgbucket/prefix",
                "demo");
        assertEquals(1, theirs.exit(), theirs.err());
        assertEquals(1, oursCheck.exit(), oursCheck.err());
        assertTrue(oursCheck.err().contains("Expected empty archive"), oursCheck.err());
        assertEquals(0, cloud(ours("barman-cloud-check-wal-archive").toString(), "--endpoint-url", ENDPOINT,
                "--timeline", "2", "s3://pgbucket/prefix", "demo").exit());
        assertEquals(0, cloud("barman-cloud-check-wal-archive", "--endpoint-url", ENDPOINT, "--timeline", "2",
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
            List<String> cmd = new ArrayList<>(List.of("barman-cloud-wal-archive", "--endpoint-url", ENDPOINT));
            if (c[1] != null) {
                cmd.add(c[1]);
            }
            cmd.addAll(List.of("s3://theirs/p", "demo", src.toString()));
            Proc up = cloud(SECRET, cmd);
            assertEquals(0, up.exit(), up.err());
            Path dest = dir.resolve("restored-" + c[0]);
            Proc down = cloud(ours("barman-cloud-wal-restore").toString(), "--endpoint-url", ENDPOINT, "s3://theirs/p",
                    "demo", c[0], dest.toString());
            assertEquals(0, down.exit(), down.err());
            assertArrayEquals(wal, Files.readAllBytes(dest), c[0] + " " + c[1]);
        }
        assertTrue(Files.exists(S3_DIR.resolve("theirs/p/demo/wals/0000000100000000/000000010000000000000011.gz")));
        // Ours uploads compressed, Barman 3.4 restores it.
        Path src = dir.resolve("000000010000000000000013");
        Files.write(src, wal);
        assertEquals(0, cloud(ours("barman-cloud-wal-archive").toString(), "--endpoint-url", ENDPOINT, "-j",
                "s3://theirs/p", "demo", src.toString()).exit());
        assertTrue(Files.exists(S3_DIR.resolve("theirs/p/demo/wals/0000000100000000/000000010000000000000013.bz2")));
        Path back = dir.resolve("back");
        Proc b = cloud("barman-cloud-wal-restore", "--endpoint-url", ENDPOINT, "s3://theirs/p", "demo",
                "000000010000000000000013", back.toString());
        assertEquals(0, b.exit(), b.err());
        assertArrayEquals(wal, Files.readAllBytes(back));
        // Missing segment: exit 1 from both.
        assertEquals(1, cloud(ours("barman-cloud-wal-restore").toString(), "--endpoint-url", ENDPOINT, "s3://theirs/p",
                "demo", "0000000100000000000000FF", dir.resolve("x").toString()).exit());
    }

    @Test
    void wrongCredentialsAndMissingBucket() throws Exception {
        Path dir = Files.createTempDirectory("cloudwal");
        Path src = dir.resolve("000000010000000000000020");
        Files.write(src, new byte[1024]);
        String wrong = "not-the-secret-4711";
        Proc ours = cloud(wrong, List.of(ours("barman-cloud-wal-archive").toString(), "--endpoint-url", ENDPOINT,
                "s3://creds/p", "demo", src.toString()));
        Proc theirs = cloud(wrong, List.of("barman-cloud-wal-archive", "--endpoint-url", ENDPOINT, "s3://creds/p",
                "demo", src.toString()));
        assertEquals(theirs.exit(), ours.exit(), "same exit code as Barman 3.4: " + theirs.err());
        assertEquals(4, ours.exit());
        assertTrue(ours.err().contains("403") && ours.err().contains("access denied"), ours.err());
        assertFalse((ours.out() + ours.err()).contains(wrong), "secret printed: " + ours.err());
        assertFalse(Files.exists(S3_DIR.resolve("creds")));
        // A bucket that does not exist: restore and Barman 3.4 agree (exit 1, "does not exist").
        Proc r = cloud(ours("barman-cloud-wal-restore").toString(), "--endpoint-url", ENDPOINT, "s3://nobucket/p",
                "demo", "000000010000000000000020", dir.resolve("r").toString());
        Proc r34 = cloud("barman-cloud-wal-restore", "--endpoint-url", ENDPOINT, "s3://nobucket/p", "demo",
                "000000010000000000000020", dir.resolve("r").toString());
        assertEquals(1, r.exit());
        assertEquals(r34.exit(), r.exit());
        assertTrue(r.err().contains("Bucket nobucket does not exist"), r.err());
        // No server at all: network error, exit 2 from both.
        Proc net = cloud(ours("barman-cloud-wal-archive").toString(), "--endpoint-url", "http://127.0.0.1:9779",
                "s3://b/p", "demo", src.toString());
        assertEquals(2, net.exit(), net.err());
        assertTrue(net.err().contains("Can't connect to cloud provider"), net.err());
    }
}
