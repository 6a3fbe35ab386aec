package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18, the review's known problems on PostgreSQL 15: a backup whose postgresql.auto.conf (ALTER SYSTEM on the
 * primary before the backup) would subvert the drill; a kept scratch folder started by hand; a probe that never
 * ends against drill_timeout; a role that does not exist; no setpriv (PostgreSQL cannot start); an unreadable
 * drill.json; a syntax error in a .drill file with two servers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillRobustnessIT {
    private static final String PRIMARY = "drobust-15";
    private static final int PORT = 6750;
    private static final int DRILL_PORT = 6751;
    private static final String PG_BIN = "/usr/lib/postgresql/15/bin";
    /** What the primary's ALTER SYSTEM leaves in the backup's postgresql.auto.conf (never reloaded there). */
    private static final List<String> SUBVERTING = List.of("log_min_messages = 'fatal'", "zero_damaged_pages = 'on'",
            "ignore_checksum_failure = 'on'", "huge_pages = 'on'", "session_preload_libraries = 'nosuchlib'");

    private BarmanHome home;
    private Path drillFile;
    private Path scratch;
    private String settings;
    private String id;
    private Path backupDir;
    private String relation;

    @BeforeAll
    void backupWithSubvertingAutoConf() throws Exception {
        Lab.startSshd();
        home = new BarmanHome("drobust").tutorialServer("pg1-srv", PORT)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        drillFile = home.root.resolve("barman.d/demo.drill");
        scratch = home.root.resolve("demo/drill/demo");
        settings = "[demo]\ndrill_bin_path = " + PG_BIN + "\ndrill_port = " + DRILL_PORT + "\n"
                + "drill_probe_rows = SELECT count(*) FROM drill_data\n";
        Files.writeString(drillFile, settings);
        Lab.lab("pg", "destroy", PRIMARY);
        Lab.lab("pg", "start", PRIMARY, "15", "pg1-srv", String.valueOf(PORT),
                "barman-wal-archive -c " + home.conf + " backup-srv demo %p");
        Lab.psql(PRIMARY, "CREATE TABLE drill_data AS SELECT g AS id, md5(g::text) AS payload "
                + "FROM generate_series(1, 20000) g");
        Lab.psql(PRIMARY, "CREATE INDEX drill_data_id ON drill_data (id)");
        Lab.psql(PRIMARY, "VACUUM drill_data");
        relation = Lab.psql(PRIMARY, "SELECT pg_relation_filepath('drill_data')");
        // A query that swallows its cancellation (statement_timeout, JDBC's cancel): only a kill ends it.
        Lab.psql(PRIMARY, "CREATE FUNCTION stubborn() RETURNS int LANGUAGE plpgsql AS $$ BEGIN LOOP BEGIN "
                + "PERFORM pg_sleep(600); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$");
        // Written into postgresql.auto.conf only: the primary is neither reloaded nor restarted.
        for (String s : SUBVERTING) {
            Lab.psql(PRIMARY, "ALTER SYSTEM SET " + s.replace(" = ", " TO "));
        }
        home.barman("switch-wal", "--force", "--archive", "demo").ok();
        home.barman("backup", "demo", "--wait").ok();
        for (String s : SUBVERTING) {
            Lab.psql(PRIMARY, "ALTER SYSTEM RESET " + s.substring(0, s.indexOf(' ')));
        }
        id = home.barman("list-backups", "demo").ok().out().strip().split("\\s+")[1];
        backupDir = home.root.resolve("demo/base/" + id);
        String autoConf = Files.readString(backupDir.resolve("data/postgresql.auto.conf"));
        for (String s : SUBVERTING) {
            assertTrue(autoConf.contains(s), s + " in the backup's postgresql.auto.conf:\n" + autoConf);
        }
    }

    @AfterAll
    void destroy() {
        Lab.lab("pg", "destroy", PRIMARY);
        if (home != null) {
            home.delete();
        }
    }

    @Order(1)
    @Test
    void restoredAutoConfCannotSubvertTheDrill() throws Exception {
        Proc good = home.barman("drill", "demo");
        System.out.println(good.out() + good.err());
        assertEquals(0, good.exit(), good.out() + good.err());
        for (String check : List.of("restore", "start", "recovery target", "page checksums", "amcheck",
                "probe rows")) {
            assertTrue(good.out().contains("\t" + check + ": OK"), check + "\n" + good.out());
        }
        assertTrue(good.out().contains("start: OK (consistent at "), "read from the log:\n" + good.out());
        assertTrue(good.out().contains("recovery target: OK (redo done at "), good.out());
        assertNothingLeft();

        // One flipped byte in a heap page of drill_data: still found, zero_damaged_pages and
        // ignore_checksum_failure of the backup notwithstanding.
        Path file = backupDir.resolve("data").resolve(relation);
        flip(file, 8000);
        try {
            Proc bad = home.barman("drill", "demo");
            System.out.println(bad.out() + bad.err());
            assertEquals(1, bad.exit(), bad.out() + bad.err());
            assertTrue(bad.out().contains("page checksums: FAILED [pg_checksums --check]"), bad.out());
            assertTrue(bad.out().contains("amcheck: FAILED [pg_amcheck]"), bad.out());
            assertNothingLeft();
        } finally {
            flip(file, 8000);
        }
    }

    @Order(2)
    @Test
    void aKeptFolderStartedByHandCannotArchive() throws Exception {
        Proc kept = home.barman("drill", "--keep", "demo");
        assertEquals(0, kept.exit(), kept.out() + kept.err());
        Path pgdata = scratch.resolve("pgdata");
        String autoConf = Files.readString(pgdata.resolve("postgresql.auto.conf"));
        for (String line : List.of("archive_mode = 'off'", "primary_conninfo = ''", "listen_addresses = ''",
                "unix_socket_directories = '" + scratch.resolve("run") + "'", "port = '" + DRILL_PORT + "'",
                "zero_damaged_pages = 'off'", "huge_pages = 'off'", "session_preload_libraries = ''")) {
            assertTrue(autoConf.contains(line), line + "\n" + autoConf);
        }
        // Started by hand, as the docs say one may: no -c flag.
        Path log = scratch.resolve("by-hand.log");
        try {
            Proc.as("barman", PG_BIN + "/pg_ctl", "-D", pgdata.toString(), "-l", log.toString(), "-w", "-t", "60",
                    "start").ok();
            String shown = Proc.as("barman", PG_BIN + "/psql", "-h", scratch.resolve("run").toString(), "-p",
                    String.valueOf(DRILL_PORT), "-d", "postgres", "-Atc", "SELECT current_setting('archive_mode') "
                            + "|| '|' || current_setting('listen_addresses') || '|' || "
                            + "current_setting('primary_conninfo') || '|' || (SELECT count(*) FROM drill_data)")
                    .ok().out().strip();
            assertEquals("off|||20000", shown);
            assertEquals("", Proc.run("ss", "-Hltn", "sport = :" + DRILL_PORT).ok().out().strip(), "TCP port");
        } finally {
            Proc.as("barman", PG_BIN + "/pg_ctl", "-D", pgdata.toString(), "-m", "fast", "-w", "stop");
        }
        Proc next = home.barman("drill", "demo");
        assertEquals(0, next.exit(), next.out() + next.err());
        assertTrue(next.out().contains("Removing the scratch folder of an earlier drill"), next.out());
        assertNothingLeft();
    }

    @Order(3)
    @Test
    void probesThatNeverEndEndWithDrillTimeout() throws Exception {
        int timeout = 30;
        Files.writeString(drillFile, settings + "drill_timeout = " + timeout + "\n"
                + "drill_probe_stubborn = SELECT stubborn()\n"
                + "drill_probe_forever = SELECT 1 FROM pg_sleep(600)\n");
        long t0 = System.nanoTime();
        Proc drill = home.barman("drill", "demo");
        double took = (System.nanoTime() - t0) / 1e9;
        System.out.println(drill.out() + drill.err());
        System.out.printf("DrillRobustnessIT: drill with drill_timeout = %d s and a pg_sleep(600) probe: %.1f s%n",
                timeout, took);
        assertEquals(1, drill.exit(), drill.out() + drill.err());
        assertTrue(took < timeout + 30, "ended within drill_timeout and a margin: " + took + " s");
        for (String probe : List.of("stubborn", "forever")) {
            assertTrue(drill.out().contains("\tprobe " + probe + ": FAILED (drill_timeout (" + timeout
                    + " s) reached: "), drill.out());
        }
        assertTrue(drill.out().contains("\tprobe rows: OK"), drill.out());
        assertTrue(drill.out().contains("\tpage checksums: FAILED [pg_checksums --check] (PostgreSQL did not shut "
                + "down cleanly: killed at drill_timeout (" + timeout + " s))"), drill.out());
        assertTrue(Files.readString(backupDir.resolve("drill.json")).contains("\"status\": \"FAILED\""));
        assertNothingLeft();
        assertLocksFree();
        Files.writeString(drillFile, settings);
    }

    @Order(4)
    @Test
    void aRoleThatDoesNotExistFailsAtOnce() throws Exception {
        Files.writeString(drillFile, settings + "drill_user = nosuchrole\ndrill_timeout = 600\n");
        long t0 = System.nanoTime();
        Proc drill = home.barman("drill", "demo");
        double took = (System.nanoTime() - t0) / 1e9;
        System.out.println(drill.out() + drill.err());
        System.out.printf("DrillRobustnessIT: drill as a role that does not exist: %.1f s%n", took);
        assertEquals(1, drill.exit(), drill.out() + drill.err());
        assertTrue(took < 60, "not retried until drill_timeout: " + took + " s");
        assertTrue(drill.out().contains("\tstart: FAILED (cannot connect as 'nosuchrole': FATAL: role "
                + "\"nosuchrole\" does not exist)"), drill.out());
        assertNothingLeft();
        assertLocksFree();
        Files.writeString(drillFile, settings);
    }

    @Order(5)
    @Test
    void noSetprivIsAFailedStartRecorded() throws Exception {
        // A PATH with every command of /usr/bin and /bin but setpriv, which starts the drill's PostgreSQL.
        Path bin = home.root.resolve("bin-without-setpriv");
        Files.createDirectories(bin);
        for (String dir : List.of("/usr/bin", "/bin")) {
            try (Stream<Path> all = Files.list(Path.of(dir))) {
                for (Path p : all.toList()) {
                    Path link = bin.resolve(p.getFileName());
                    if (!p.getFileName().toString().equals("setpriv") && !Files.exists(link,
                            java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.createSymbolicLink(link, p);
                    }
                }
            }
        }
        Proc.run("chmod", "755", bin.toString()).ok();
        Proc drill = Proc.as("barman", "env", "PATH=" + bin, Lab.BARMAN.toString(), "-c", home.conf.toString(),
                "drill", "demo");
        System.out.println(drill.out() + drill.err());
        assertEquals(1, drill.exit(), drill.out() + drill.err());
        assertTrue(drill.out().contains("\trestore: OK"), drill.out());
        assertTrue(drill.out().contains("\tstart: FAILED (PostgreSQL exited with code 127: setsid: failed to execute "
                + "setpriv: No such file or directory)"), drill.out());
        assertFalse(drill.err().contains("\tat org.barmanj"), "no stack trace: " + drill.err());
        String json = Files.readString(backupDir.resolve("drill.json"));
        assertTrue(json.contains("\"status\": \"FAILED\"") && json.contains("setpriv"), json);
        String check = home.barman("check", "demo").out();
        assertTrue(check.contains("\trestore drill: FAILED (last drill of " + id + " at ")
                && check.contains("setpriv"), check);
        assertNothingLeft();
        assertLocksFree();
    }

    @Order(6)
    @Test
    void anUnreadableDrillJsonIsSaidNotThrown() throws Exception {
        Path json = backupDir.resolve("drill.json");
        Files.writeString(json, "{\"format\": 1, \"checks\": [");
        Proc show = home.barman("show-backup", "demo", id);
        assertEquals(0, show.exit(), show.out() + show.err());
        assertTrue(show.out().contains("    Last drill           : unreadable (Cannot read " + json + ": "),
                show.out());
        assertTrue(show.out().contains("Next Backup"), "the rest shown:\n" + show.out());
        Proc check = home.barman("check", "demo");
        assertTrue(check.out().contains("\trestore drill: FAILED (Cannot read " + json + ": "), check.out());
        for (Proc p : List.of(show, check)) {
            assertFalse((p.out() + p.err()).contains("Exception"), p.out() + p.err());
        }
    }

    @Order(7)
    @Test
    void aSyntaxErrorIsToldOnceForTwoServers() throws Exception {
        Path conf = home.root.resolve("barman.d/demo.conf");
        Path other = home.root.resolve("barman.d/other.conf");
        Files.writeString(other, Files.readString(conf).replace("[demo]", "[other]"));
        Proc.run("chown", "barman:", other.toString()).ok();
        try {
            Files.writeString(drillFile, settings + "drill_nosuch = 1\n[other]\ndrill_port = " + DRILL_PORT
                    + "\nthis is not a line\n");
            Proc check = home.barman("check", "all");
            System.out.println(check.out() + check.err());
            String all = check.out() + check.err();
            String error = "syntax error in " + drillFile + " line 8: ";
            assertEquals(1, count(all, error), all);
            assertEquals(1, count(all, "Invalid configuration option \"drill_nosuch\" in [demo] section"), all);
            assertEquals(2, count(all, "\trestore drill: FAILED (drill settings unusable: syntax error in "
                    + drillFile + " line 8)"), all);
            assertFalse(all.contains("Exception"), all);
            Proc drill = home.barman("drill", "demo");
            assertEquals(1, count(drill.out() + drill.err(), error), drill.out() + drill.err());
            assertFalse(Files.exists(scratch), "nothing done");
        } finally {
            Files.delete(other);
            Files.writeString(drillFile, settings);
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static void flip(Path file, long offset) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0xff);
        }
    }

    /**
     * No process naming the scratch folder or working in it (backends rewrite their command line into a title,
     * but keep the pgdata as working folder), and the folder gone.
     */
    private void assertNothingLeft() {
        String folder = scratch.toString();
        List<String> left = ProcessHandle.allProcesses().filter(h -> {
            String cmd = h.info().commandLine().orElse("");
            String cwd;
            try {
                cwd = Files.readSymbolicLink(Path.of("/proc", String.valueOf(h.pid()), "cwd")).toString();
            } catch (IOException e) {
                cwd = "";
            }
            return cmd.contains(folder) || cwd.startsWith(folder);
        }).map(h -> h.pid() + " " + h.info().commandLine().orElse("")).toList();
        assertEquals(List.of(), left, "processes left by the drill");
        assertFalse(Files.exists(scratch), scratch + " removed");
    }

    private void assertLocksFree() throws IOException {
        try (Stream<Path> files = Files.list(home.root)) {
            for (Path lock : files.filter(f -> f.getFileName().toString().matches("\\.demo-.*\\.lock")).toList()) {
                Proc free = Proc.run("flock", "--nonblock", "--exclusive", lock.toString(), "true");
                assertEquals(0, free.exit(), lock + " held: " + free.err());
            }
        }
    }
}
