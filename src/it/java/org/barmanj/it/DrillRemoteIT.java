package org.barmanj.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barman drill --remote-ssh-command "ssh enterprisedb@pg2-srv"} on PostgreSQL 15: the drill restored,
 * started and checked on the tutorial's pg2-srv as enterprisedb, in the default scratch folder of that user
 * ({@code ~/barman-drill/<server>}), with the primary stopped (it is never contacted). A good backup: every check
 * OK, drill.json recorded, nothing left running there, the folder gone, no socket left on either side. Then a
 * {@code kill -9} of barman's JVM while a probe runs there: no PostgreSQL left on the remote host within seconds,
 * and the next remote drill removes the stale folder and passes. Refusals: a non-ssh command, an unreachable host.
 */
class DrillRemoteIT {
    private static final String PRIMARY = "drill-remote";
    private static final int PORT = 6755;
    private static final int DRILL_PORT = 6756;
    private static final String SSH = "ssh enterprisedb@pg2-srv";
    private static final Path SCRATCH = Path.of("/var/lib/edb/barman-drill/demo");

    @Test
    void drillsOnAnotherHost() throws Exception {
        Lab.startSshd();
        BarmanHome home = new BarmanHome("drillremote").tutorialServer("pg1-srv", PORT)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        Path drillFile = home.root.resolve("barman.d/demo.drill");
        String settings = "[demo]\ndrill_port = " + DRILL_PORT + "\n"
                + "drill_probe_rows = SELECT count(*) FROM drill_data WHERE payload LIKE '%a%'\n";
        Proc.run("rm", "-rf", SCRATCH.getParent().toString()).ok();
        try {
            Lab.lab("pg", "destroy", PRIMARY);
            Lab.lab("pg", "start", PRIMARY, "15", "pg1-srv", String.valueOf(PORT),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p");
            Lab.psql(PRIMARY, "CREATE TABLE drill_data AS SELECT g AS id, md5(g::text) AS payload "
                    + "FROM generate_series(1, 20000) g");
            Lab.psql(PRIMARY, "CREATE INDEX drill_data_id ON drill_data (id)");
            String rows = Lab.psql(PRIMARY, "SELECT count(*) FROM drill_data WHERE payload LIKE '%a%'");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            String id = home.barman("list-backups", "demo").ok().out().strip().split("\\s+")[1];
            Files.writeString(drillFile, settings);
            // The primary is down: the drill cannot reach it, and needs nothing from it.
            Lab.lab("pg", "stop", PRIMARY);

            // 1. A good backup, drilled on pg2-srv.
            long t0 = System.nanoTime();
            long logins = sshLogins();
            Proc good = home.barman("drill", "--remote-ssh-command", SSH, "demo");
            System.out.printf("DrillRemoteIT: remote drill in %.1f s, %d ssh logins as enterprisedb (lab sshd log)%n"
                    + "%s%s", (System.nanoTime() - t0) / 1e9, sshLogins() - logins, good.out(), good.err());
            assertEquals(0, good.exit(), good.out() + good.err());
            assertTrue(good.out().contains("Restoring backup " + id + " of server demo into " + SCRATCH
                    + "/pgdata (over " + SSH + ")"), good.out());
            for (String check : List.of("restore", "start", "recovery target", "page checksums", "amcheck",
                    "probe rows")) {
                assertTrue(good.out().contains("\t" + check + ": OK"), check + "\n" + good.out());
            }
            assertTrue(good.out().contains("page checksums: OK [pg_checksums --check]"), good.out());
            assertTrue(good.out().contains("amcheck: OK [pg_amcheck]"), good.out());
            assertTrue(good.out().contains("probe rows: OK (returned " + rows + ")"), good.out());
            assertTrue(good.out().contains("\nDrill OK\n"), good.out());
            String json = Files.readString(home.root.resolve("demo/base/" + id + "/drill.json"));
            assertTrue(json.contains("\"status\": \"OK\""), json);
            assertTrue(home.barman("check", "demo").out().contains("\trestore drill: OK (last drill of " + id));
            assertNothingLeft(home);

            // 2. kill -9 of barman's JVM while a probe runs on pg2-srv: the drill's PostgreSQL there ends.
            Files.writeString(drillFile, settings + "drill_probe_slow = SELECT 1 FROM pg_sleep(60)\n");
            Process killed = new ProcessBuilder("runuser", "-u", "barman", "--", Lab.BARMAN.toString(), "-c",
                    home.conf.toString(), "drill", "--remote-ssh-command", SSH, "demo").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long killedAt;
            try {
                BackupIT.waitFor(() -> Files.exists(SCRATCH.resolve("run/.s.PGSQL." + DRILL_PORT))
                        && Proc.as("enterprisedb", "/usr/lib/postgresql/15/bin/psql", "-h",
                        SCRATCH.resolve("run").toString(), "-p", String.valueOf(DRILL_PORT), "-U", "barman", "-d",
                        "postgres", "-Atc", "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                                + "AND query LIKE 'SELECT 1 FROM pg_sleep%'").out().strip().equals("1"),
                        "the slow probe running on pg2-srv");
                assertFalse(remoteProcesses().isEmpty(), "the drill's PostgreSQL runs as enterprisedb");
                Proc.run("kill", "-9", String.valueOf(Proc.jvmOf(killed).pid())).ok();
                killedAt = System.nanoTime();
                awaitSeconds(() -> remoteProcesses().isEmpty(), 10, "no PostgreSQL of the killed drill on pg2-srv");
            } finally {
                killed.destroyForcibly();
            }
            System.out.printf("DrillRemoteIT: kill -9 of barman: the remote PostgreSQL gone %.1f s after%n",
                    (System.nanoTime() - killedAt) / 1e9);
            awaitSeconds(() -> sshOfBarman().isEmpty(), 10, "no ssh of the killed drill: " + sshOfBarman());
            assertTrue(Files.exists(SCRATCH), "the killed drill left its folder on pg2-srv");

            // 3. The next remote drill removes it and passes.
            Files.writeString(drillFile, settings);
            Proc after = home.barman("drill", "--remote-ssh-command", SSH, "demo");
            System.out.println(after.out() + after.err());
            assertEquals(0, after.exit(), after.out() + after.err());
            assertTrue(after.out().contains("Removing the scratch folder of an earlier drill: " + SCRATCH),
                    after.out());
            assertTrue(after.out().contains("\nDrill OK\n"), after.out());
            assertNothingLeft(home);

            // Refusals: one line, exit 1, nothing created there.
            Proc rsh = home.barman("drill", "--remote-ssh-command", "rsh pg2-srv", "demo");
            assertEquals(1, rsh.exit(), rsh.out() + rsh.err());
            assertEquals("ERROR: Invalid --remote-ssh-command 'rsh pg2-srv' for a drill: allowed: an OpenSSH ssh "
                    + "command (ssh [options] user@host)\n", rsh.err());
            Proc unreachable = home.barman("drill", "--remote-ssh-command",
                    "ssh -o ConnectTimeout=2 enterprisedb@127.0.0.9", "demo");
            assertEquals(1, unreachable.exit(), unreachable.out() + unreachable.err());
            assertTrue(unreachable.err().startsWith("ERROR: Unable to connect to the drill host using the command "
                    + "'ssh -o ConnectTimeout=2 enterprisedb@127.0.0.9'"), unreachable.err());
            assertFalse(Files.exists(SCRATCH));
        } finally {
            Lab.lab("pg", "destroy", PRIMARY);
            Proc.run("rm", "-rf", SCRATCH.getParent().toString());
            home.delete();
        }
    }

    /**
     * Processes of the drill on the remote host (enterprisedb's): a command line naming the scratch folder, or
     * PostgreSQL's cluster_name=barman-drill in its title with a working folder in it.
     */
    private static List<String> remoteProcesses() {
        List<String> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(h -> {
            Path proc = Path.of("/proc", String.valueOf(h.pid()));
            try {
                if (!"enterprisedb".equals(Files.getOwner(proc).getName())) {
                    return;
                }
                String cmdline = new String(Files.readAllBytes(proc.resolve("cmdline"))).replace('\0', ' ').strip();
                String cwd = Files.readSymbolicLink(proc.resolve("cwd")).toString();
                if (cmdline.contains(SCRATCH.toString()) || (cmdline.contains("barman-drill")
                        && cwd.startsWith(SCRATCH.toString()))) {
                    found.add(h.pid() + " " + cmdline);
                }
            } catch (IOException e) {
                // ended meanwhile
            }
        });
        return found;
    }

    /** ssh logins as enterprisedb so far, from the lab sshd's log (what each drill costs in handshakes). */
    private static long sshLogins() throws IOException {
        Path log = Path.of("/var/lib/barmanj-lab/sshd/sshd.log");
        try (var lines = Files.lines(log)) {
            return lines.filter(l -> l.startsWith("Accepted publickey for enterprisedb ")).count();
        }
    }

    /** barman's ssh processes to pg2-srv (the drill's sessions and shared connection). */
    private static List<String> sshOfBarman() {
        return ProcessHandle.allProcesses().filter(h -> h.info().user().orElse("").equals("barman"))
                .map(h -> h.info().commandLine().orElse("")).filter(c -> c.contains("enterprisedb@pg2-srv")).toList();
    }

    /** Nothing of the drill on either side: no process, no folder, no socket (Unix or TCP), no forward. */
    private static void assertNothingLeft(BarmanHome home) throws IOException {
        assertEquals(List.of(), remoteProcesses(), "processes left by the drill on pg2-srv");
        assertFalse(Files.exists(SCRATCH), SCRATCH + " removed");
        List<String> sockets = Files.readAllLines(Path.of("/proc/net/unix")).stream()
                .filter(l -> l.contains(SCRATCH.toString()) || l.contains("barman-drill-")).toList();
        assertEquals(List.of(), sockets, "Unix sockets of the drill (there, and its forward here)");
        assertEquals("", Proc.run("ss", "-Hltn", "sport = :" + DRILL_PORT).ok().out().strip(), "TCP port");
        assertEquals(List.of(), sshOfBarman(), "ssh processes of the drill");
    }

    private static void awaitSeconds(BackupIT.Condition condition, int seconds, String what) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out (" + seconds + " s) waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
