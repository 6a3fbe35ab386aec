package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * barmanj's barman-cloud-wal-restore --parallel (prefetch into the spool) as PostgreSQL 15's restore_command: a
 * base backup replays ~30 segments archived to S3Proxy (gzip, so the prefetches decompress too), once without prefetch and once with --parallel 8; both
 * reach the same rows, the second has most segments served from the spool, and both times are printed.
 */
class CloudPrefetchIT {
    static final int S3_PORT = 9791;
    static final int PG_PORT = 6799;
    static final String PG = "cpf15";
    static final String RESTORED = "cpf15r";
    static final String BASE = "/var/lib/edb/cpf15b";
    static final String URL = "s3://prefetch/p";
    static final int SEGMENTS = 30;
    static final CloudLab LAB = new CloudLab("cloudprefetch", S3_PORT);

    @BeforeAll
    static void lab() {
        Lab.lab("pg", "destroy", PG);
        Lab.lab("pg", "destroy", RESTORED);
        Proc.run("rm", "-rf", BASE).ok();
        LAB.start();
        LAB.createBucket("prefetch");
    }

    @AfterAll
    static void down() {
        Lab.lab("pg", "destroy", RESTORED);
        Lab.lab("pg", "destroy", PG);
        Proc.run("rm", "-rf", BASE).ok();
        LAB.stop();
    }

    @Test
    void recoveryWithPrefetchReachesTheSameRowsWithMostSegmentsFromTheSpool() throws Exception {
        Lab.lab("pg", "start", PG, "15", "127.0.0.1", String.valueOf(PG_PORT),
                LAB.archiveCommand(LAB.ours("barman-cloud-wal-archive") + " -z", URL, "demo"));
        Lab.psql(PG, "CREATE TABLE t (i int)");
        // Archiving works before the backup (pg_basebackup -X none waits for its WAL to be archived).
        String first = Lab.psql(PG, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Lab.psql(PG, "SELECT pg_switch_wal()");
        assertTrue(LAB.awaitObject(LAB.object("prefetch", "p/demo/wals/" + first.substring(0, 16) + "/" + first + ".gz")),
                "archived: " + first);
        Proc.as("enterprisedb", "/usr/lib/postgresql/15/bin/pg_basebackup", "-h", "/var/lib/edb/" + PG + "/run",
                "-p", String.valueOf(PG_PORT), "-D", BASE + "/data", "-X", "none", "-c", "fast").ok();
        // One commit and one segment switch at a time: ~30 segments of WAL to replay after the backup.
        Lab.psql(PG, "DO $$ BEGIN FOR k IN 1.." + SEGMENTS + " LOOP INSERT INTO t SELECT g FROM generate_series("
                + "(k - 1) * 1000 + 1, k * 1000) g; COMMIT; PERFORM pg_switch_wal(); END LOOP; END $$");
        String last = Lab.psql(PG, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Lab.psql(PG, "INSERT INTO t VALUES (0)");
        Lab.psql(PG, "SELECT pg_switch_wal()");
        Path lastObject = LAB.object("prefetch", "p/demo/wals/" + last.substring(0, 16) + "/" + last + ".gz");
        for (int i = 0; i < 6 && !LAB.awaitObject(lastObject); i++) {
            // one JVM per segment: up to 3 minutes for all of them on a busy host
        }
        assertTrue(Files.exists(lastObject), last);
        String expected = Lab.psql(PG, "SELECT count(*), sum(i) FROM t");
        long archived;
        try (Stream<Path> s = Files.list(LAB.object("prefetch", "p/demo/wals/" + last.substring(0, 16)))) {
            archived = s.count();
        }
        Lab.lab("pg", "destroy", PG); // port 6799 for the restored cluster

        Run off = recover("");
        Run on = recover("-v --parallel 8 --spool-dir /var/lib/edb/" + RESTORED + "/spool");
        assertEquals(expected, off.rows);
        assertEquals(expected, on.rows, "the same rows with prefetch");
        assertEquals(off.restored, on.restored, "PostgreSQL restored the same segments");
        assertTrue(off.restored >= SEGMENTS, "segments restored: " + off.restored);
        assertEquals(0, off.fromSpool);
        // With 8 ahead, about 8 of every 9 segments come from the spool (the others are the downloads that
        // start a prefetch).
        assertTrue(on.fromSpool >= on.restored * 2 / 3, on.fromSpool + " of " + on.restored + "\n" + on.log);
        assertTrue(on.log.contains("Prefetching 8 WAL files after"), on.log);
        assertTrue(!on.log.contains("WARNING"), on.log);
        // Nothing left behind: the last (missing) segment PostgreSQL asked for cleaned the source's folder.
        try (Stream<Path> s = Files.list(Path.of("/var/lib/edb/" + RESTORED + "/spool"))) {
            List<Path> folders = s.toList();
            assertEquals(1, folders.size(), folders.toString());
            try (Stream<Path> left = Files.list(folders.get(0))) {
                assertEquals(List.of(), left.toList());
            }
        }
        System.out.printf("CloudPrefetchIT PostgreSQL 15: %d segments archived, %d restored by PostgreSQL;"
                + " without prefetch %d ms, with --parallel 8 %d ms (%d served from the spool, %d downloaded"
                + " with a prefetch of the next ones)%n", archived, on.restored, off.millis, on.millis, on.fromSpool,
                on.prefetches);
        Lab.lab("pg", "destroy", RESTORED);
    }

    record Run(String rows, long millis, int restored, int fromSpool, int prefetches, String log) {}

    /** The base backup restored and recovered to the end of the archive with ours (plus options) as restore_command. */
    static Run recover(String options) throws Exception {
        Lab.lab("pg", "destroy", RESTORED);
        String home = "/var/lib/edb/" + RESTORED;
        Proc.as("enterprisedb", "mkdir", "-p", home).ok();
        Proc.run("cp", "-a", BASE + "/data", home + "/data").ok();
        Proc.as("enterprisedb", "touch", home + "/data/recovery.signal").ok();
        String restore = LAB.restoreCommand(LAB.ours("barman-cloud-wal-restore") + " " + options, URL, "demo")
                + " 2>>" + home + "/restore.log";
        long t0 = System.nanoTime();
        RecoveryIT.startRestored(RESTORED, 15, "127.0.0.1", PG_PORT, "\narchive_mode = off\nrestore_command = '"
                + restore + "'\nrecovery_target_action = 'promote'\n");
        String inRecovery = "t";
        for (int i = 0; i < 1200 && inRecovery.equals("t"); i++) {
            Thread.sleep(50);
            inRecovery = Lab.psql(RESTORED, "SELECT pg_is_in_recovery()");
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertEquals("f", inRecovery, "recovered and promoted");
        String pgLog = Files.readString(Path.of(home + "/log"));
        String log = Files.exists(Path.of(home + "/restore.log")) ? Files.readString(Path.of(home + "/restore.log")) : "";
        return new Run(Lab.psql(RESTORED, "SELECT count(*), sum(i) FROM t"), millis,
                count(pgLog, "restored log file \"[0-9A-F]{24}\" from archive"),
                count(log, "INFO: Found WAL [0-9A-F]{24} for server demo in the spool directory"),
                count(log, "INFO: Prefetching \\d+ WAL files after"), log);
    }

    static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
