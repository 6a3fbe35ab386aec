package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * barmanj's barman-cloud-backup-delete and -keep against Barman 3.4's on byte-identical copies of one bucket:
 * PostgreSQL 15 archives with Barman 3.4's barman-cloud-wal-archive, Barman 3.4's barman-cloud-backup takes three
 * backups, then the bucket is copied (cp -a: S3Proxy keeps object metadata in xattrs) and each tool works on its
 * copy. Retention deletes the same objects (dry run: prints the same keys, deletes none); a keep written by either
 * tool is seen and honoured by the other.
 */
class CloudRetentionIT {
    static final int S3_PORT = 9792;
    static final int PG_PORT = 6792;
    static final String PG = "cret15";
    static final CloudLab LAB = new CloudLab("cloudretention", S3_PORT);
    static final String BUCKET = "rtn";
    static final List<String> IDS = new ArrayList<>();

    @BeforeAll
    static void backups() throws Exception {
        Lab.lab("pg", "destroy", PG);
        LAB.start();
        LAB.createBucket(BUCKET);
        Lab.lab("pg", "start", PG, "15", "127.0.0.1", String.valueOf(PG_PORT),
                LAB.archiveCommand("barman-cloud-wal-archive", "s3://" + BUCKET + "/p", "demo"));
        Lab.psql(PG, "CREATE TABLE t AS SELECT g FROM generate_series(1, 1000) g");
        for (int i = 0; i < 3; i++) {
            Lab.psql(PG, "SELECT pg_switch_wal()");
            Proc b = theirs("barman-cloud-backup", "--immediate-checkpoint", "-h", "127.0.0.1", "-p",
                    String.valueOf(PG_PORT), "-U", "barman", "s3://" + BUCKET + "/p", "demo");
            assertEquals(0, b.exit(), b.err());
            String id = newest();
            if (IDS.contains(id)) {
                // Backup ids have a resolution of one second.
                throw new AssertionError("two backups in one second: " + id);
            }
            IDS.add(id);
        }
        String last = Lab.psql(PG, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Lab.psql(PG, "SELECT pg_switch_wal()");
        BackupIT.waitFor(() -> Lab.psql(PG, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
                .compareTo(last) >= 0, "the WAL after the last backup archived");
        Lab.lab("pg", "destroy", PG);
    }

    @AfterAll
    static void down() {
        Lab.lab("pg", "destroy", PG);
        LAB.stop();
    }

    static String newest() throws Exception {
        try (Stream<Path> s = Files.list(LAB.s3Dir.resolve(BUCKET + "/p/demo/base"))) {
            return s.map(p -> p.getFileName().toString()).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    /** A byte-identical copy of the pristine bucket, object metadata (xattrs) included. */
    static String copy(String name) {
        Proc.run("cp", "-a", LAB.s3Dir.resolve(BUCKET).toString(), LAB.s3Dir.resolve(name).toString()).ok();
        return "s3://" + name + "/p";
    }

    /** Every object of the bucket: key to the MD5 of its content. */
    static Map<String, String> objects(String bucket) throws Exception {
        Path root = LAB.s3Dir.resolve(bucket);
        Map<String, String> objects = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                objects.put(root.relativize(p).toString(), HexFormat.of().formatHex(
                        MessageDigest.getInstance("MD5").digest(Files.readAllBytes(p))));
            }
        }
        return objects;
    }

    /** Every file's xattrs (S3Proxy's object metadata), by path under the bucket. */
    static String xattrs(String bucket) {
        Proc r = Proc.run("python3", "-c", "import os,sys\nr=sys.argv[1]\n"
                + "for d,_,fs in sorted(os.walk(r)):\n"
                + "  for f in sorted(fs):\n"
                + "    p=os.path.join(d,f); print(os.path.relpath(p,r), sorted((a,os.getxattr(p,a)) for a in os.listxattr(p)))\n",
                LAB.s3Dir.resolve(bucket).toString());
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    static Proc ours(String command, String... args) {
        return LAB.run((String) null, LAB.ours(command), args);
    }

    static Proc theirs(String command, String... args) {
        return LAB.run((String) null, command, args);
    }

    /** Two commands on two buckets at once (the class's time is mostly process start-up). */
    static Proc[] both(Supplier<Proc> first, Supplier<Proc> second) {
        CompletableFuture<Proc> f = CompletableFuture.supplyAsync(first);
        Proc s = second.get();
        return new Proc[] {f.join(), s};
    }

    static String beginWal(String id) throws Exception {
        return Files.readAllLines(LAB.s3Dir.resolve(BUCKET + "/p/demo/base/" + id + "/backup.info")).stream()
                .filter(l -> l.startsWith("begin_wal=")).findFirst().orElseThrow().substring("begin_wal=".length());
    }

    @Test
    void retentionDeletesTheSameObjectsAsBarman34AndADryRunNone() throws Exception {
        String a = copy("rtn-ours");
        String t = copy("rtn-theirs");
        Map<String, String> pristine = objects(BUCKET);
        assertTrue(xattrs(BUCKET).contains("user.user.content-md5"), xattrs(BUCKET));
        assertEquals(xattrs(BUCKET), xattrs("rtn-ours"), "cp -a keeps S3Proxy's metadata");

        Proc[] dry = both(() -> ours("barman-cloud-backup-delete", "--dry-run", "-r", "REDUNDANCY 2", a, "demo"),
                () -> theirs("barman-cloud-backup-delete", "--dry-run", "-r", "REDUNDANCY 2", t, "demo"));
        Proc od = dry[0];
        Proc td = dry[1];
        assertEquals(0, od.exit(), od.err());
        assertEquals(0, td.exit(), td.err());
        assertEquals(td.out(), od.out());
        assertTrue(od.out().startsWith("Skipping deletion of objects ['p/demo/base/" + IDS.get(0) + "/data.tar', 'p/demo/base/"
                + IDS.get(0) + "/backup.info'] due to --dry-run option\n"), od.out());
        assertFalse(od.out().contains("'p/demo/base/" + IDS.get(1) + "/"), od.out());
        assertEquals(pristine, objects("rtn-ours"), "a dry run deletes nothing");

        Proc[] real = both(() -> ours("barman-cloud-backup-delete", "-r", "REDUNDANCY 2", a, "demo"),
                () -> theirs("barman-cloud-backup-delete", "-r", "REDUNDANCY 2", t, "demo"));
        Proc o = real[0];
        Proc r = real[1];
        assertEquals(0, o.exit(), o.err());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", o.out() + o.err());
        Map<String, String> left = objects("rtn-ours");
        assertEquals(objects("rtn-theirs"), left);
        assertNotEquals(pristine, left);
        String keepFrom = beginWal(IDS.get(1));
        for (String key : pristine.keySet()) {
            String name = key.substring(key.lastIndexOf('/') + 1);
            boolean gone = !left.containsKey(key);
            if (key.contains("/base/")) {
                assertEquals(key.contains(IDS.get(0)), gone, key);
            } else {
                assertEquals(name.compareTo(keepFrom) < 0, gone, key + " (next backup begins at " + keepFrom + ")");
            }
        }
    }

    @Test
    void keepsWrittenByEitherToolAreHonouredByTheOther() throws Exception {
        String oursKept = copy("rtn-kept-by-ours");
        String theirsKept = copy("rtn-kept-by-theirs");
        String first = IDS.get(0);
        String newest = IDS.get(2);
        for (String[] k : new String[][] {{first, "standalone"}, {newest, "full"}}) {
            Proc[] kept = both(() -> ours("barman-cloud-backup-keep", "--target", k[1], oursKept, "demo", k[0]),
                    () -> theirs("barman-cloud-backup-keep", "--target", k[1], theirsKept, "demo", k[0]));
            assertEquals(0, kept[0].exit(), kept[0].err());
            assertEquals(0, kept[1].exit(), kept[1].err());
            Proc[] status = both(() -> theirs("barman-cloud-backup-keep", "-s", oursKept, "demo", k[0]),
                    () -> ours("barman-cloud-backup-keep", "-s", theirsKept, "demo", k[0]));
            assertEquals("Keep: " + k[1] + "\n", status[0].out());
            assertEquals("Keep: " + k[1] + "\n", status[1].out());
        }
        assertEquals(objects("rtn-kept-by-theirs"), objects("rtn-kept-by-ours"), "the same keep objects");
        assertEquals("standalone", Files.readString(LAB.object("rtn-kept-by-ours",
                "p/demo/base/" + first + "/annotations/keep")));

        // Neither deletes a kept backup by id.
        Proc[] byId = both(() -> theirs("barman-cloud-backup-delete", "-b", first, oursKept, "demo"),
                () -> ours("barman-cloud-backup-delete", "-b", first, theirsKept, "demo"));
        Proc tb = byId[0];
        Proc ob = byId[1];
        assertEquals(1, tb.exit(), tb.err());
        assertEquals(1, ob.exit(), ob.err());
        assertTrue(ob.err().contains("ERROR: Skipping delete of backup " + first + " for server demo as it has a"
                + " current keep request."), ob.err());

        // Retention: 3.4 on the bucket ours marked, ours (one key per request) on the one 3.4 marked.
        Proc[] retention = both(() -> theirs("barman-cloud-backup-delete", "-r", "REDUNDANCY 1", oursKept, "demo"),
                () -> ours("barman-cloud-backup-delete", "--batch-size", "1", "-r", "REDUNDANCY 1", theirsKept,
                        "demo"));
        Proc tr = retention[0];
        Proc or = retention[1];
        assertEquals(0, tr.exit(), tr.err());
        assertEquals(0, or.exit(), or.err());
        Map<String, String> left = objects("rtn-kept-by-ours");
        assertEquals(objects("rtn-kept-by-theirs"), left);
        // The standalone keep and its WAL stay; the backup after it goes, with the WAL only it needed.
        assertTrue(left.containsKey("p/demo/base/" + first + "/backup.info"), left.toString());
        assertTrue(left.containsKey("p/demo/base/" + first + "/annotations/keep"), left.toString());
        assertFalse(left.containsKey("p/demo/base/" + IDS.get(1) + "/backup.info"), left.toString());
        String firstBegin = beginWal(first);
        assertTrue(left.keySet().stream().anyMatch(k -> k.endsWith("/" + firstBegin)), left.toString());
        assertTrue(left.keySet().stream().noneMatch(k -> k.contains("/wals/") && k.compareTo(k.substring(0,
                k.lastIndexOf('/') + 1) + firstBegin) < 0), "the WAL before the standalone keep went: " + left);

        // Released by ours, 3.4 sees no keep and deletes it.
        assertEquals(0, ours("barman-cloud-backup-keep", "-r", oursKept, "demo", first).exit());
        assertEquals("Keep: nokeep\n", theirs("barman-cloud-backup-keep", "-s", oursKept, "demo", first).out());
        Proc gone = theirs("barman-cloud-backup-delete", "-b", first, oursKept, "demo");
        assertEquals(0, gone.exit(), gone.err());
        assertFalse(Files.exists(LAB.object("rtn-kept-by-ours", "p/demo/base/" + first + "/backup.info")));
    }
}
