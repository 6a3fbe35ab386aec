package org.barmanj.it;

import org.barmanj.core.drill.UnixSocketFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18, must-show 3 for one PostgreSQL major: a lab primary and a backup of it whose WAL between begin and end
 * takes a while to replay, then {@link #killAt}: {@code kill -9} of a drill of that backup while one of its steps
 * is seen running (a child process, the drill's log, pg_stat_activity), then no PostgreSQL of the drill, no
 * listening socket, no lock held, and the next drill passes every check. Used by {@code DrillFaultIT} (15) and
 * {@code DrillKillsIT} (13, 17).
 */
final class DrillKills implements AutoCloseable {
    enum Kill { JVM, PROCESS_GROUP }

    /** A step of the drill, and what shows it running. */
    enum Step {
        RESTORE_COPY("restore copy"),
        REPLAY("replay"),
        PG_CHECKSUMS("pg_checksums"),
        PG_AMCHECK("pg_amcheck"),
        READ("read of every relation (pg_prewarm)"),
        AMCHECK_FUNCTIONS("amcheck functions"),
        PROBE("probe");

        private final String label;

        Step(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    static final int SCALE = 8;
    static final int FILLER_ROWS = 600_000;
    private static final String SLOW_PROBE = "SELECT 1 FROM pg_sleep(60)";

    final int major;
    final String primary;
    final String pgBin;
    final int drillPort;
    final BarmanHome home;
    final Path drillFile;
    final Path scratch;
    final String settings;
    /** The backup the drills restore. */
    String drilled;

    private DrillKills(String name, int major, int port, int drillPort) throws IOException {
        this.major = major;
        this.primary = name + "-" + major;
        this.pgBin = Lab.lab("pg-bin", String.valueOf(major)).out().strip();
        this.drillPort = drillPort;
        home = new BarmanHome(name + major).tutorialServer("pg1-srv", port)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        drillFile = home.root.resolve("barman.d/demo.drill");
        scratch = home.root.resolve("demo/drill/demo");
        settings = "[demo]\ndrill_bin_path = " + pgBin + "\ndrill_port = " + drillPort + "\n"
                + "drill_probe_rows = SELECT count(*) FROM pgbench_accounts\n";
    }

    /**
     * The lab primary {@code <name>-<major>} on {@code port}, pgbench data, and a backup of it with more than 48 MiB
     * of WAL between its begin and end, for drills on {@code drillPort}.
     */
    static DrillKills backupWithWalToReplay(String name, int major, int port, int drillPort) throws Exception {
        long started = System.nanoTime();
        Lab.startSshd();
        DrillKills k = new DrillKills(name, major, port, drillPort);
        Files.writeString(k.drillFile, k.settings);
        Lab.lab("pg", "destroy", k.primary);
        System.out.println("DrillKills: running against PostgreSQL " + Lab.lab("pg", "start", k.primary,
                String.valueOf(major), "pg1-srv", String.valueOf(port),
                "barman-wal-archive -c " + k.home.conf + " backup-srv demo %p").out().strip());
        BackupIT.pgbench(k.primary, port, "-i", "-q", "-s", String.valueOf(SCALE)).ok();
        long loaded = System.nanoTime();
        k.home.barman("switch-wal", "--force", "--archive", "demo").ok();
        long archived = System.nanoTime();
        // The copy is slowed down (25 MB/s) so that WAL written while it runs falls between the backup's begin and
        // end: the drill's PostgreSQL must replay it before it is consistent, a window long enough to kill it in.
        Path conf = k.home.root.resolve("barman.d/demo.conf");
        String plain = Files.readString(conf);
        Files.writeString(conf, plain + "bandwidth_limit = 25000\n");
        Process backup = new ProcessBuilder("runuser", "-u", "barman", "--", Lab.BARMAN.toString(), "-c",
                k.home.conf.toString(), "backup", "demo", "--wait").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String primaryData = "/var/lib/edb/" + k.primary + "/data";
        await(() -> running("rsync", primaryData), 60, "the backup's rsync");
        Lab.psql(k.primary, "CREATE TABLE replay_filler AS SELECT g AS id, md5(g::text) AS payload "
                + "FROM generate_series(1, " + FILLER_ROWS + ") g");
        assertTrue(running("rsync", primaryData), "the backup still copying once the filler is written");
        assertEquals(0, backup.waitFor(), "barman backup");
        Files.writeString(conf, plain);
        k.drilled = k.home.barman("list-backups", "demo").ok().out().strip().split("\\s+")[1];
        String show = k.home.barman("show-backup", "demo", k.drilled).ok().out();
        long wal = lsn(field(show, "End LSN")) - lsn(field(show, "Begin LSN"));
        assertTrue(wal > 48L << 20, "WAL to replay before consistency: " + wal + " bytes\n" + show);
        System.out.printf("DrillKills: PostgreSQL %d: primary and pgbench data %.1f s, their WAL archived %.1f s, "
                + "backup %.1f s%n", major, (loaded - started) / 1e9, (archived - loaded) / 1e9,
                (System.nanoTime() - archived) / 1e9);
        return k;
    }

    /** The lab primary destroyed, the barman home removed. */
    @Override
    public void close() {
        Lab.lab("pg", "destroy", primary);
        home.delete();
    }

    /**
     * A drill killed ({@code kill -9}) during {@code step}, then: its processes gone, nothing recorded, no socket
     * nor lock left, and the next drill removes the stale folder and passes every check.
     */
    void killAt(Step step, Kill kill) throws Exception {
        Files.writeString(drillFile, step == Step.PROBE ? settings + "drill_probe_slow = " + SLOW_PROBE + "\n"
                : settings);
        Path result = home.root.resolve("demo/base/" + drilled + "/drill.json");
        FileTime recorded = Files.exists(result) ? Files.getLastModifiedTime(result) : null;
        // setsid: barman drill leads a process group of its own, the one the PROCESS_GROUP kill ends.
        Process drill = new ProcessBuilder("setsid", "runuser", "-u", "barman", "--", Lab.BARMAN.toString(), "-c",
                home.conf.toString(), "drill", "demo").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (Observer observer = new Observer()) {
            await(atStep(step, observer), 120, step.toString());
            if (step != Step.RESTORE_COPY && step != Step.PG_CHECKSUMS) {
                // the check below sees a listening socket of the drill: here, one is listening
                assertFalse(drillSockets().isEmpty(), "the drill's socket listening at " + step);
            }
            if (kill == Kill.JVM) {
                // SIGKILL without a kill(1) to start: the step seen a moment ago is still running
                assertTrue(Proc.jvmOf(drill).destroyForcibly(), "SIGKILL sent to barman's JVM");
            } else {
                Proc.run("kill", "-9", "--", "-" + drill.pid()).ok();
            }
            drill.waitFor();
        } finally {
            drill.destroyForcibly();
        }
        long killedAt = System.nanoTime();
        await(() -> drillProcesses().isEmpty(), 30, () -> "no process of the killed drill: " + drillProcesses());
        System.out.printf("DrillKills: PostgreSQL %d, %s, kill of the %s: the drill's processes gone %.1f s after%n",
                major, step, kill, (System.nanoTime() - killedAt) / 1e9);
        if (step == Step.REPLAY) {
            String log = Files.readString(scratch.resolve("postgres.log"));
            assertTrue(log.contains("redo starts at"), log);
            assertFalse(log.contains("consistent recovery state reached"), "killed before consistency:\n" + log);
        }
        assertEquals(recorded, Files.exists(result) ? Files.getLastModifiedTime(result) : null,
                "the killed drill recorded no result");
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
        assertTrue(next.out().contains(major == 15 ? "page checksums: OK [pg_checksums --check]"
                : "page checksums: OK [read of every relation (pg_prewarm)]"), next.out());
        assertTrue(next.out().contains(major == 15 ? "amcheck: OK [pg_amcheck]" : "amcheck: OK [amcheck functions"),
                next.out());
        assertTrue(next.out().contains("probe rows: OK (returned " + SCALE * 100_000 + ")"), next.out());
        assertTrue(next.out().contains("\nDrill OK\n"), next.out());
        assertEquals(List.of(), drillProcesses());
        assertFalse(Files.exists(scratch), scratch + " removed");
        assertNoSocketNorLock();
    }

    /** Evidence that the drill is at {@code step}, from what runs on this host. */
    private BooleanSupplier atStep(Step step, Observer observer) {
        String pgdata = scratch.resolve("pgdata").toString();
        return switch (step) {
            case RESTORE_COPY -> () -> running("rsync", pgdata);
            case REPLAY -> () -> !logSays("consistent recovery state") && processes().stream()
                    .anyMatch(p -> p[1].contains("barman-drill: startup") && p[2].startsWith(pgdata));
            case PG_CHECKSUMS -> () -> running("pg_checksums", pgdata);
            case PG_AMCHECK -> () -> running("pg_amcheck", scratch.resolve("run").toString());
            // the drill's own queries (Drill.readEverything, Drill.amcheck), as PostgreSQL shows them
            case READ -> () -> observer.running("SELECT pg_prewarm($1");
            case AMCHECK_FUNCTIONS -> () -> observer.running("SELECT bt_index_check($1")
                    || observer.running("SELECT blkno, offnum, msg FROM verify_heapam($1");
            case PROBE -> () -> observer.running(SLOW_PROBE);
        };
    }

    /**
     * A connection to the drill's PostgreSQL over its socket, as the drill's checks connect (pgjdbc and our socket
     * factory), opened once it accepts connections; closed before the after-checks, its backend with it.
     */
    private final class Observer implements AutoCloseable {
        private Connection connection;

        /** A query of another session starting with {@code prefix} is running. */
        boolean running(String prefix) {
            try {
                if (connection == null) {
                    if (!logSays("ready to accept connections")) {
                        return false;
                    }
                    Properties p = new Properties();
                    p.setProperty("user", "barman");
                    p.setProperty("socketFactory", UnixSocketFactory.class.getName());
                    p.setProperty("socketFactoryArg", scratch.resolve("run/.s.PGSQL." + drillPort).toString());
                    p.setProperty("sslmode", "disable");
                    p.setProperty("ApplicationName", "drill kill test");
                    connection = DriverManager.getConnection("jdbc:postgresql://localhost:" + drillPort
                            + "/postgres", p);
                }
                try (PreparedStatement ps = connection.prepareStatement("SELECT count(*) FROM pg_stat_activity "
                        + "WHERE state = 'active' AND pid <> pg_backend_pid() AND starts_with(query, ?)")) {
                    ps.setString(1, prefix);
                    try (ResultSet r = ps.executeQuery()) {
                        r.next();
                        return r.getInt(1) > 0;
                    }
                }
            } catch (SQLException e) {
                close();
                return false;
            }
        }

        @Override
        public void close() {
            if (connection != null) {
                try {
                    connection.close();
                } catch (SQLException e) {
                    // the drill's PostgreSQL is gone
                }
                connection = null;
            }
        }
    }

    private boolean logSays(String text) {
        try {
            return Files.readString(scratch.resolve("postgres.log")).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    /** A process whose command line has both texts. */
    static boolean running(String a, String b) {
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
     * Processes of these drills: a command line naming the scratch folder, or a working folder in it (PostgreSQL's
     * run in pgdata; an exiting backend has already lost its command line, not yet its files and sockets).
     */
    private List<String> drillProcesses() {
        String folder = scratch.toString();
        return processes().stream().filter(p -> p[1].contains(folder) || p[2].startsWith(folder))
                .map(p -> p[0] + " " + p[1] + " (in " + p[2] + ")").toList();
    }

    /** No Unix socket of the drill listening, no TCP port of its number, no lock of the server held. */
    private void assertNoSocketNorLock() throws IOException {
        List<String> sockets = drillSockets();
        assertEquals(List.of(), sockets, () -> "Unix sockets of the drill, held by " + holders(sockets));
        assertEquals("", Proc.run("ss", "-Hltn", "sport = :" + drillPort).ok().out().strip(), "TCP port");
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

    /** The processes with a file descriptor on one of these sockets (/proc/net/unix lines, the inode 7th). */
    private static List<String> holders(List<String> sockets) {
        List<String> links = sockets.stream().map(l -> "socket:[" + l.strip().split("\\s+")[6] + "]").toList();
        List<String> found = new ArrayList<>();
        for (String[] p : processes()) {
            try (Stream<Path> fds = Files.list(Path.of("/proc", p[0], "fd"))) {
                if (fds.anyMatch(fd -> {
                    try {
                        return links.contains(Files.readSymbolicLink(fd).toString());
                    } catch (IOException e) {
                        return false;
                    }
                })) {
                    found.add(p[0] + " " + p[1] + " (in " + p[2] + ")");
                }
            } catch (IOException e) {
                // ended meanwhile
            }
        }
        return found;
    }

    static void await(BooleanSupplier condition, int seconds, String what) throws InterruptedException {
        await(condition, seconds, () -> what);
    }

    static void await(BooleanSupplier condition, int seconds, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
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
