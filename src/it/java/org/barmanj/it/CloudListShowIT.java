package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * barmanj's barman-cloud-backup-list and barman-cloud-backup-show against Barman 3.4's on one bucket that
 * Barman 3.4 wrote, PostgreSQL 15: two backups by its barman-cloud-backup (one named with -n, WAL archived by its
 * barman-cloud-wal-archive), one of them kept with its barman-cloud-backup-keep, and a FAILED backup (a copy of a
 * backup.info with status=FAILED and an error, made in S3Proxy's folder). Every listing and show, console and
 * JSON, by id, by name, and the identifiers 3.4 refuses (latest, oldest, unknown), a missing bucket, an
 * unreachable endpoint: the same stdout byte for byte and the same exit code; for the failures the same message.
 */
class CloudListShowIT {
    static final int S3_PORT = 9790;
    static final int PG_PORT = 6790;
    static final String PG = "cls15";
    static final String URL = "s3://lsb/pfx";
    static final String SERVER = "demo";
    static final String NAME = "nightly é";
    static final String FAILED_ID = "20010101T000000";
    static final CloudLab LAB = new CloudLab("listshow", S3_PORT);
    static String keptId;
    static String namedId;

    @BeforeAll
    static void bucketWrittenByBarman34() throws Exception {
        long t0 = System.nanoTime();
        Lab.lab("pg", "destroy", PG);
        LAB.start();
        LAB.createBucket("lsb");
        // Nothing listens on the PostgreSQL port yet: an endpoint that refuses connections (3.4 retries for 10 s;
        // show's opening is the same CloudCommand as list's, so list alone).
        same("barman-cloud-backup-list", 2, "--endpoint-url", "http://127.0.0.1:" + PG_PORT, URL, SERVER);
        lap("S3Proxy started, refused endpoint compared", t0);
        Lab.lab("pg", "start", PG, "15", "127.0.0.1", String.valueOf(PG_PORT),
                LAB.archiveCommand("barman-cloud-wal-archive", URL, SERVER));
        Lab.psql(PG, "CREATE TABLE t AS SELECT generate_series(1, 1000) g");
        lap("PostgreSQL 15 started", t0);
        keptId = backup();
        namedId = backup("-n", NAME);
        lap("two backups by Barman 3.4", t0);
        Proc keep = LAB.run(null, "barman-cloud-backup-keep", URL, SERVER, keptId, "--target", "standalone");
        assertEquals(0, keep.exit(), keep.err());
        Path base = LAB.s3Dir.resolve("lsb/pfx/demo/base");
        assertTrue(Files.exists(base.resolve(keptId).resolve("annotations/keep")));
        assertTrue(LAB.awaitObject(LAB.object("lsb", "pfx/demo/wals/0000000100000000/" + walOf(namedId))),
                "the named backup's first WAL archived by Barman 3.4's barman-cloud-wal-archive");
        // The FAILED one: the named backup's backup.info, copied, as a failed upload leaves it.
        String info = Files.readString(base.resolve(namedId).resolve("backup.info"));
        Files.createDirectories(base.resolve(FAILED_ID));
        Files.writeString(base.resolve(FAILED_ID).resolve("backup.info"), info
                .replace("status=DONE\n", "status=FAILED\n")
                .replace("error=None\n", "error=failure uploading data (connection reset by peer)\n")
                .replaceAll("(?m)^backup_name=.*\n", ""));
        lap("bucket ready", t0);
    }

    static void lap(String what, long t0) {
        System.out.printf("CloudListShowIT: %s after %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
    }

    @AfterAll
    static void down() {
        Lab.lab("pg", "destroy", PG);
        LAB.stop();
    }

    /** A backup by Barman 3.4's barman-cloud-backup; its id. */
    static String backup(String... extra) throws Exception {
        List<String> before = ids();
        List<String> args = new ArrayList<>(List.of("--immediate-checkpoint", "-h", "127.0.0.1", "-p",
                String.valueOf(PG_PORT), "-U", "barman"));
        args.addAll(List.of(extra));
        args.addAll(List.of(URL, SERVER));
        Proc b = LAB.run(null, "barman-cloud-backup", args.toArray(new String[0]));
        assertEquals(0, b.exit(), b.err());
        List<String> after = new ArrayList<>(ids());
        after.removeAll(before);
        assertEquals(1, after.size(), after.toString());
        return after.get(0);
    }

    static List<String> ids() throws Exception {
        Path base = LAB.s3Dir.resolve("lsb/pfx/demo/base");
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(base)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static String walOf(String id) throws Exception {
        String info = Files.readString(LAB.s3Dir.resolve("lsb/pfx/demo/base").resolve(id).resolve("backup.info"));
        return info.replaceAll("(?s).*\nbegin_wal=(\\w+)\n.*", "$1");
    }

    /** stderr without the time and pid of each line. */
    static String messages(String err) {
        return err.replaceAll("(?m)^\\S+ \\S+ \\[\\d+\\] ", "");
    }

    /**
     * Barman 3.4's command and ours with the same arguments: the same exit code (expected), the same stdout; the
     * same stderr messages, except for an unreachable endpoint (each says it with its own HTTP client's words).
     */
    static Proc same(String command, int expected, String... args) {
        CompletableFuture<Proc> theirsRun = CompletableFuture.supplyAsync(
                () -> LAB.run(null, command, args));
        Proc ours = LAB.run(null, LAB.ours(command), args);
        Proc theirs = theirsRun.join();
        String what = command + " " + String.join(" ", args);
        assertEquals(expected, theirs.exit(), what + " (3.4): " + theirs.err());
        assertEquals(expected, ours.exit(), what + " (ours): " + ours.err());
        assertEquals(theirs.out(), ours.out(), what);
        if (expected == 2) {
            assertTrue(messages(ours.err()).startsWith("ERROR: Can't connect to cloud provider: "), ours.err());
        } else {
            assertEquals(messages(theirs.err()), messages(ours.err()), what);
        }
        return ours;
    }

    @Test
    void listAsBarman34ConsoleAndJson() {
        Proc console = same("barman-cloud-backup-list", 0, URL, SERVER);
        String[] lines = console.out().split("\n");
        assertEquals(3, lines.length, console.out());
        assertTrue(lines[0].startsWith("Backup ID           End Time"), lines[0]);
        assertTrue(lines[1].startsWith(keptId) && lines[1].contains("KEEP:STANDALONE"), lines[1]);
        assertTrue(lines[2].startsWith(namedId) && lines[2].contains(NAME), lines[2]);
        assertTrue(!console.out().contains(FAILED_ID), "a FAILED backup is not in the console list");

        Proc json = same("barman-cloud-backup-list", 0, "--format", "json", URL, SERVER);
        assertTrue(json.out().startsWith("{\"backups_list\": [{"), json.out());
        assertTrue(json.out().contains("\"status\": \"FAILED\"") && json.out().contains("\"backup_id\": \"" + keptId),
                json.out());
        assertTrue(json.out().contains("\"backup_name\": \"nightly \\u00e9\""), json.out());
        // Any format but console is JSON, in 3.4 too.
        same("barman-cloud-backup-list", 0, "--format=xml", URL, SERVER);
        same("barman-cloud-backup-list", 0, "-t", URL, SERVER);
    }

    @Test
    void showAsBarman34ByIdAndByName() {
        String failed = null;
        for (String id : List.of(keptId, namedId, FAILED_ID)) {
            Proc console = same("barman-cloud-backup-show", 0, URL, SERVER, id);
            assertTrue(console.out().startsWith("Backup " + id + ":\n"), console.out());
            failed = console.out();
            Proc json = same("barman-cloud-backup-show", 0, "--format", "json", URL, SERVER, id);
            assertTrue(json.out().startsWith("{\"cloud\": {"), "keyed by backup.info's server_name: " + json.out());
        }
        assertTrue(failed.contains("  Status                 : FAILED\n"
                + "  Error                  : failure uploading data (connection reset by peer)\n"), failed);
        Proc byName = same("barman-cloud-backup-show", 0, URL, SERVER, NAME);
        assertTrue(byName.out().startsWith("Backup " + namedId + ":\n  Backup Name            : " + NAME + "\n"),
                byName.out());
    }

    @Test
    void refusalsAsBarman34() {
        // 3.4's cloud show takes no shortcut: latest and oldest are names no backup has (exit 4).
        for (String id : List.of("latest", "oldest")) {
            Proc p = same("barman-cloud-backup-show", 4, URL, SERVER, id);
            assertEquals("ERROR: Barman cloud backup show exception: Unknown backup '" + id + "' for server 'demo'\n",
                    messages(p.err()));
        }
        Proc unknownId = same("barman-cloud-backup-show", 1, URL, SERVER, "20991231T000000");
        assertEquals("ERROR: Backup 20991231T000000 for server demo does not exist\n", messages(unknownId.err()));
        Proc noBucket = same("barman-cloud-backup-list", 1, "s3://no-such-bucket/pfx", SERVER);
        assertEquals("ERROR: Bucket no-such-bucket does not exist\n", messages(noBucket.err()));
        same("barman-cloud-backup-show", 1, "s3://no-such-bucket/pfx", SERVER, keptId);
    }
}
