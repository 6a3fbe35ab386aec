package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18, must-shows 3 and 4 on PostgreSQL 15. {@code kill -9} of a drill at each of its steps (the restore
 * copy, PostgreSQL's WAL replay before consistency, pg_checksums, pg_amcheck, a probe query), of barman's JVM or of
 * the whole process group of {@code barman drill}; each step is caught from what runs (a child process, the
 * drill's log, pg_stat_activity), then: no PostgreSQL of the drill, no listening socket, no lock held, and the
 * next drill passes. Then Debian's Barman 3.4 on the drilled catalog: its {@code recover} of a drilled backup
 * starts with the expected rows, its {@code delete} of one leaves our {@code list-backups} and {@code check}
 * clean.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillFaultIT {
    private static final String PRIMARY = "dfault-15";
    private static final int PORT = 6720;
    private static final int DRILL_PORT = 6721;
    private static final int RECOVERED_PORT = 6722;
    private static final int SCALE = 8;
    private static final int FILLER_ROWS = 600_000;
    private static final String PG_BIN = "/usr/lib/postgresql/15/bin";

    private BarmanHome home;
    private Path drillFile;
    private Path scratch;
    private String settings;
    private String drilled;

    @BeforeAll
    void backupWithWalToReplay() throws Exception {
        Lab.startSshd();
        home = new BarmanHome("dfault").tutorialServer("pg1-srv", PORT)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        drillFile = home.root.resolve("barman.d/demo.drill");
        scratch = home.root.resolve("demo/drill/demo");
        settings = "[demo]\ndrill_bin_path = " + PG_BIN + "\ndrill_port = " + DRILL_PORT + "\n"
                + "drill_probe_rows = SELECT count(*) FROM pgbench_accounts\n";
        Files.writeString(drillFile, settings);
        Lab.lab("pg", "destroy", PRIMARY);
        Lab.lab("pg", "start", PRIMARY, "15", "pg1-srv", String.valueOf(PORT),
                "barman-wal-archive -c " + home.conf + " backup-srv demo %p");
        BackupIT.pgbench(PRIMARY, PORT, "-i", "-q", "-s", String.valueOf(SCALE)).ok();
        home.barman("switch-wal", "--force", "--archive", "demo").ok();
        // The copy is slowed down (25 MB/s) so that WAL written while it runs falls between the backup's begin and
        // end: the drill's PostgreSQL must replay it before it is consistent, a window long enough to kill it in.
        Path conf = home.root.resolve("barman.d/demo.conf");
        String plain = Files.readString(conf);
        Files.writeString(conf, plain + "bandwidth_limit = 25000\n");
        Process backup = new ProcessBuilder("runuser", "-u", "barman", "--", Lab.BARMAN.toString(), "-c",
                home.conf.toString(), "backup", "demo", "--wait").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String primaryData = "/var/lib/edb/" + PRIMARY + "/data";
        await(() -> running("rsync", primaryData), 60, "the backup's rsync");
        Lab.psql(PRIMARY, "CREATE TABLE replay_filler AS SELECT g AS id, md5(g::text) AS payload "
                + "FROM generate_series(1, " + FILLER_ROWS + ") g");
        assertTrue(running("rsync", primaryData), "the backup still copying once the filler is written");
        assertEquals(0, backup.waitFor(), "barman backup");
        Files.writeString(conf, plain);
        drilled = home.barman("list-backups", "demo").ok().out().strip().split("\\s+")[1];
        String show = home.barman("show-backup", "demo", drilled).ok().out();
        long wal = lsn(field(show, "End LSN")) - lsn(field(show, "Begin LSN"));
        assertTrue(wal > 48L << 20, "WAL to replay before consistency: " + wal + " bytes\n" + show);
    }

    @AfterAll
    void destroy() {
        Lab.lab("pg", "destroy", PRIMARY);
        if (home != null) {
            home.delete();
        }
    }

    enum Kill { JVM, PROCESS_GROUP }

    static Stream<Arguments> steps() {
        return Stream.of(Arguments.of("restore copy", Kill.JVM), Arguments.of("replay", Kill.JVM),
                Arguments.of("pg_checksums", Kill.JVM), Arguments.of("pg_amcheck", Kill.JVM),
                Arguments.of("probe", Kill.PROCESS_GROUP), Arguments.of("replay", Kill.PROCESS_GROUP));
    }

    @Order(1)
    @ParameterizedTest(name = "kill -9 of the {1} during {0}")
    @MethodSource("steps")
    void killedAt(String step, Kill kill) throws Exception {
        Files.writeString(drillFile, step.equals("probe")
                ? settings + "drill_probe_slow = SELECT 1 FROM pg_sleep(60)\n" : settings);
        // setsid: barman drill leads a process group of its own, the one the PROCESS_GROUP kill ends.
        Process drill = new ProcessBuilder("setsid", "runuser", "-u", "barman", "--", Lab.BARMAN.toString(), "-c",
                home.conf.toString(), "drill", "demo").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            await(atStep(step), 120, step);
            if (!step.equals("restore copy") && !step.equals("pg_checksums")) {
                // the check below sees a listening socket of the drill: here, one is listening
                assertFalse(drillSockets().isEmpty(), "the drill's socket listening at " + step);
            }
            if (kill == Kill.JVM) {
                List<ProcessHandle> javas = drill.descendants().filter(h -> h.info().command().orElse("")
                        .endsWith("/java")).toList();
                assertEquals(1, javas.size(), "barman's JVM");
                Proc.run("kill", "-9", String.valueOf(javas.get(0).pid())).ok();
            } else {
                Proc.run("kill", "-9", "--", "-" + drill.pid()).ok();
            }
            drill.waitFor();
        } finally {
            drill.destroyForcibly();
        }
        long killedAt = System.nanoTime();
        await(() -> drillProcesses().isEmpty(), 30, "no process of the killed drill: " + drillProcesses());
        System.out.printf("DrillFaultIT: %s, kill of the %s: the drill's processes gone %.1f s after%n", step, kill,
                (System.nanoTime() - killedAt) / 1e9);
        if (step.equals("replay")) {
            String log = Files.readString(scratch.resolve("postgres.log"));
            assertTrue(log.contains("redo starts at"), log);
            assertFalse(log.contains("consistent recovery state reached"), "killed before consistency:\n" + log);
        }
        assertNoSocketNorLock();

        Files.writeString(drillFile, settings);
        Proc next = home.barman("drill", "demo");
        System.out.println(next.out() + next.err());
        assertEquals(0, next.exit(), next.out() + next.err());
        assertTrue(next.out().contains("Removing the scratch folder of an earlier drill"), next.out());
        for (String check : List.of("restore", "start", "recovery target", "page checksums", "amcheck",
                "probe rows")) {
            assertTrue(next.out().contains("\t" + check + ": OK"), check + "\n" + next.out());
        }
        assertTrue(next.out().contains("probe rows: OK (returned " + SCALE * 100_000 + ")"), next.out());
        assertTrue(next.out().strip().endsWith("Drill OK"), next.out());
        assertEquals(List.of(), drillProcesses());
        assertFalse(Files.exists(scratch), scratch + " removed");
        assertNoSocketNorLock();
    }

    @Order(2)
    @Test
    void barman34RecoversAndDeletesDrilledBackups() throws Exception {
        Files.writeString(drillFile, settings);
        if (!Files.exists(home.root.resolve("demo/base/" + drilled + "/drill.json"))) {
            home.barman("drill", "demo", drilled).ok();
        }
        home.barman("backup", "demo", "--wait").ok();
        String second = home.barman("list-backups", "demo").ok().out().lines().findFirst().orElseThrow()
                .split("\\s+")[1];
        home.barman("drill", "demo", second).ok();

        // recover by Barman 3.4 of a drilled backup, started with PostgreSQL 15: every row is there.
        Path target = home.root.resolve("recovered34/pgdata");
        Path run = home.root.resolve("recovered34/run");
        Path hba = home.root.resolve("recovered34/hba.conf");
        Proc.as("barman", "mkdir", "-p", run.toString()).ok();
        Proc.as("barman", "sh", "-c", "echo 'local all all trust' > " + hba).ok();
        Proc recover = home.barman34("recover", "demo", drilled, target.toString());
        assertEquals(0, recover.exit(), recover.out() + recover.err());
        // (Its one WARNING, no safe horizon time for a new destination, is Barman 3.4's for any fresh folder.)
        String said = recover.out() + recover.err();
        assertFalse(said.contains(" ERROR") || said.contains("drill"), said);
        try {
            Proc.as("barman", PG_BIN + "/pg_ctl", "-D", target.toString(), "-l",
                    home.root.resolve("recovered34/postgres.log").toString(), "-w", "-t", "120", "-o",
                    "-c port=" + RECOVERED_PORT + " -c listen_addresses='' -c unix_socket_directories=" + run
                            + " -c archive_mode=off -c hba_file=" + hba + " -c cluster_name=barman34-recovered",
                    "start").ok();
            String rows = Proc.as("barman", PG_BIN + "/psql", "-h", run.toString(), "-p",
                    String.valueOf(RECOVERED_PORT), "-d", "postgres", "-Atc",
                    "SELECT (SELECT count(*) FROM pgbench_accounts) || ' ' || (SELECT count(*) FROM replay_filler)")
                    .ok().out().strip();
            assertEquals(SCALE * 100_000 + " " + FILLER_ROWS, rows);
        } finally {
            Proc.as("barman", PG_BIN + "/pg_ctl", "-D", target.toString(), "-m", "fast", "-w", "stop");
        }

        // delete by Barman 3.4 of a drilled backup: its folder goes, our list-backups and check are unaffected.
        Proc delete = home.barman34("delete", "demo", drilled);
        assertEquals(0, delete.exit(), delete.out() + delete.err());
        assertFalse(Files.exists(home.root.resolve("demo/base/" + drilled)), "deleted backup's folder");
        Proc list = home.barman("list-backups", "demo");
        assertEquals(0, list.exit(), list.out() + list.err());
        assertFalse(list.out().contains(drilled), list.out());
        assertTrue(list.out().contains(second), list.out());
        Proc check = home.barman("check", "demo");
        assertEquals(0, check.exit(), check.out() + check.err());
        assertFalse(check.out().contains("FAILED"), check.out());
        assertTrue(check.out().contains("\trestore drill: OK (last drill of " + second), check.out());
        assertEquals(0, home.barman34("list-backups", "demo").exit());
    }

    /** Evidence that the drill is at {@code step}, from what runs on this host. */
    private BooleanSupplier atStep(String step) {
        String pgdata = scratch.resolve("pgdata").toString();
        return switch (step) {
            case "restore copy" -> () -> running("rsync", pgdata);
            case "replay" -> () -> !logSays("consistent recovery state") && processes().stream()
                    .anyMatch(p -> p[1].contains("barman-drill: startup") && p[2].startsWith(pgdata));
            case "pg_checksums" -> () -> running("pg_checksums", pgdata);
            case "pg_amcheck" -> () -> running("pg_amcheck", scratch.resolve("run").toString());
            case "probe" -> () -> Files.exists(scratch.resolve("run/.s.PGSQL." + DRILL_PORT))
                    && !running("pg_amcheck", scratch.toString())
                    && Proc.as("barman", PG_BIN + "/psql", "-h", scratch.resolve("run").toString(), "-p",
                    String.valueOf(DRILL_PORT), "-d", "postgres", "-Atc", "SELECT count(*) FROM pg_stat_activity "
                            + "WHERE state = 'active' AND query LIKE 'SELECT 1 FROM pg_sleep%'").out().strip()
                    .equals("1");
            default -> throw new IllegalArgumentException(step);
        };
    }

    private boolean logSays(String text) {
        try {
            return Files.readString(scratch.resolve("postgres.log")).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** A process whose command line has both texts. */
    private static boolean running(String a, String b) {
        return processes().stream().anyMatch(p -> p[1].contains(a) && p[1].contains(b));
    }

    /**
     * Every process as {pid, command line, working folder}, read from /proc: PostgreSQL's processes rewrite their
     * argv into a title ({@code postgres: barman-drill: startup recovering ...}), which /proc/PID/cmdline shows.
     */
    private static List<String[]> processes() {
        List<String[]> all = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(h -> {
            Path proc = Path.of("/proc", String.valueOf(h.pid()));
            try {
                String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline"))).replace('\0', ' ').strip();
                all.add(new String[] {String.valueOf(h.pid()), cmdline,
                        Files.readSymbolicLink(proc.resolve("cwd")).toString()});
            } catch (IOException e) {
                // ended meanwhile
            }
        });
        return all;
    }

    /**
     * Processes of this class's drills: a command line naming the scratch folder, or PostgreSQL's
     * cluster_name=barman-drill (backends show it in their title) with a working folder in the scratch folder.
     */
    private List<String> drillProcesses() {
        String folder = scratch.toString();
        return processes().stream().filter(p -> p[1].contains(folder)
                || (p[1].contains("barman-drill") && p[2].startsWith(folder))).map(p -> p[0] + " " + p[1]).toList();
    }

    /** No Unix socket of the drill listening, no TCP port of its number, no lock of the server held. */
    private void assertNoSocketNorLock() throws IOException {
        assertEquals(List.of(), drillSockets(), "Unix sockets of the drill");
        assertEquals("", Proc.run("ss", "-Hltn", "sport = :" + DRILL_PORT).ok().out().strip(), "TCP port");
        assertTrue(Files.exists(home.root.resolve(".demo-drill.lock")), "the drill lock's file");
        try (Stream<Path> files = Files.list(home.root)) {
            for (Path lock : files.filter(f -> f.getFileName().toString().matches("\\.demo-.*\\.lock")).toList()) {
                Proc free = Proc.run("flock", "--nonblock", "--exclusive", lock.toString(), "true");
                assertEquals(0, free.exit(), lock + " held: " + free.err());
            }
        }
    }

    /** Bound Unix sockets under the scratch folder (/proc/net/unix lists them with their path). */
    private List<String> drillSockets() throws IOException {
        return Files.readAllLines(Path.of("/proc/net/unix")).stream().filter(l -> l.contains(scratch.toString()))
                .toList();
    }

    private static void await(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private static String field(String showBackup, String name) {
        return showBackup.lines().filter(l -> l.strip().startsWith(name)).findFirst().orElseThrow()
                .replaceAll(".*: ", "").strip();
    }

    private static long lsn(String lsn) {
        String[] p = lsn.split("/");
        return (Long.parseLong(p[0], 16) << 32) + Long.parseLong(p[1], 16);
    }
}
