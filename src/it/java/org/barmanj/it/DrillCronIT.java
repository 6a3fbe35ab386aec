package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scheduled drills ({@code drill_schedule}) on PostgreSQL 15, two servers (demo and a copy of its catalog, demo2)
 * due at once: {@code barman cron} starts {@code barman drill} of the newest backup of one of them in the
 * background, niced (nice 19, idle I/O class), holding the host's {@code .cron_drill.lock}; a second cron while it
 * runs starts none; the drill records an OK {@code drill.json}; the next cron starts the other server's drill, and
 * a cron after that none (not due for a week).
 */
class DrillCronIT {
    private static final int PORT = 6745;

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @Test
    void cronStartsOneNicedDrillAtATimeWhenDue() throws Exception {
        String primary = "drillcron-15";
        BarmanHome home = new BarmanHome("drillcron").tutorialServer("pg1-srv", PORT)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        Path hostLock = home.root.resolve(".cron_drill.lock");
        String bin = Lab.lab("pg-bin", "15").out().strip();
        try {
            Lab.lab("pg", "destroy", primary);
            Lab.lab("pg", "start", primary, "15", "pg1-srv", String.valueOf(PORT),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p");
            Lab.psql(primary, "CREATE TABLE cron_data AS SELECT g AS id FROM generate_series(1, 1000) g");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            String id = home.barman("list-backups", "demo").ok().out().strip().split("\\s+")[1];
            // A second server, demo2, with a copy of demo's catalog: two servers due at the same time.
            Path demoConf = home.root.resolve("barman.d/demo.conf");
            Files.writeString(home.root.resolve("barman.d/demo2.conf"),
                    Files.readString(demoConf).replace("[demo]", "[demo2]"));
            Proc.run("cp", "-a", home.root.resolve("demo").toString(), home.root.resolve("demo2").toString()).ok();
            home.ownedByBarman();

            // Without drill_schedule cron starts no drill.
            String settings = "drill_bin_path = " + bin + "\n";
            Files.writeString(home.root.resolve("barman.d/demo.drill"), "[demo]\n" + settings
                    + "[demo2]\n" + settings);
            Proc unscheduled = home.barman("cron");
            assertFalse((unscheduled.out() + unscheduled.err()).contains("Starting drill"), unscheduled.out());

            // The probe sleeps, so that the drill is still running when it is looked at.
            settings += "drill_schedule = 1 week\ndrill_probe_slow = SELECT 1 FROM pg_sleep(5)\n";
            Files.writeString(home.root.resolve("barman.d/demo.drill"), "[demo]\n" + settings
                    + "[demo2]\n" + settings);
            Proc first = home.barman("cron");
            assertEquals(0, first.exit(), first.out() + first.err());
            List<String> started = first.out().lines().filter(l -> l.startsWith("Starting drill")).toList();
            assertEquals(1, started.size(), "one drill for two due servers\n" + first.out() + first.err());
            String server = started.get(0).endsWith("for server demo (no drill recorded)") ? "demo" : "demo2";
            String other = server.equals("demo") ? "demo2" : "demo";
            assertEquals("Starting drill of backup " + id + " for server " + server + " (no drill recorded)",
                    started.get(0));

            Path scratch = home.root.resolve(server + "/drill/" + server);
            BackupIT.waitFor(() -> drillPostgres(scratch).size() > 0, "the scheduled drill's PostgreSQL");
            List<ProcessHandle> jvms = drillJvms(home, "");
            assertEquals(1, jvms.size(), "one drill process");
            long jvm = jvms.get(0).pid();
            assertEquals(19, nice(jvm), "nice of the drill's barman");
            assertTrue(Proc.run("ionice", "-p", String.valueOf(jvm)).ok().out().startsWith("idle"),
                    "idle I/O class");
            for (long pg : drillPostgres(scratch)) {
                assertEquals(19, nice(pg), "nice of the drill's PostgreSQL " + pg);
            }
            // The host lock is held (by the drill's flock and barman) for as long as the drill runs.
            assertEquals(1, Proc.run("flock", "--nonblock", "--conflict-exit-code", "1", hostLock.toString(),
                    "true").exit(), "the host drill lock is held");

            // A second cron while it runs: no drill, neither of this server nor of the other one (due too).
            Proc second = home.barman("cron");
            assertEquals(0, second.exit(), second.out() + second.err());
            assertFalse(second.out().contains("Starting drill"), second.out());
            assertEquals(List.of(jvm), drillJvms(home, "").stream().map(ProcessHandle::pid).toList(),
                    "still the one drill");
            awaitOk(home, server, id);
            assertEquals(0, Proc.run("flock", "--nonblock", hostLock.toString(), "true").exit(),
                    "the host drill lock is free");
            assertTrue(home.barman("check", "demo").out().contains("\trestore drill: OK (last drill of " + id));

            // The next cron: the other server's turn; then none is due.
            Proc third = home.barman("cron");
            assertTrue(third.out().contains("Starting drill of backup " + id + " for server " + other
                    + " (no drill recorded)"), third.out() + third.err());
            assertFalse(third.out().contains("for server " + server + " ("), third.out());
            awaitOk(home, other, id);

            Proc after = home.barman("cron");
            assertEquals(0, after.exit(), after.out() + after.err());
            assertFalse(after.out().contains("Starting drill"), after.out());
            Thread.sleep(1000);
            assertEquals(List.of(), drillJvms(home, ""), "no drill started: not due");

            // A bad value: that server's cron says so, after its other steps.
            Files.writeString(home.root.resolve("barman.d/demo.drill"), "[demo]\n" + settings
                    + "drill_schedule = weekly\n[demo2]\n" + settings);
            Proc bad = home.barman("cron");
            assertTrue(bad.err().contains("Cron for server demo failed: Invalid value 'weekly' for drill_schedule in "
                    + "[demo] section"), bad.out() + bad.err());
            assertFalse((bad.out() + bad.err()).contains("Cron for server demo2 failed"), bad.out() + bad.err());

            // Barman 3.4 on the same configuration and lock directory: nothing of the schedule seen.
            for (String[] args : new String[][] {{"list-backups", "demo"}, {"check", "demo"}}) {
                Proc b34 = home.barman34(args);
                String all = b34.out() + b34.err();
                assertFalse(all.contains("cron_drill") || all.contains("drill_schedule")
                        || all.contains("Invalid configuration option"), String.join(" ", args) + ": " + all);
            }
        } finally {
            Lab.lab("pg", "destroy", primary);
            home.delete();
        }
    }

    private static Path drillJson(BarmanHome home, String server, String id) {
        return home.root.resolve(server + "/base/" + id + "/drill.json");
    }

    /** Waits for the drill of {@code server} to end; its drill.json says OK and its scratch folder is gone. */
    private static void awaitOk(BarmanHome home, String server, String id) throws Exception {
        Path json = drillJson(home, server, id);
        BackupIT.waitFor(() -> drillJvms(home, server).isEmpty() && Files.exists(json), "the drill of " + server);
        assertTrue(Files.readString(json).contains("\"status\": \"OK\""), Files.readString(json));
        assertFalse(Files.exists(home.root.resolve(server + "/drill/" + server)), "the scratch folder removed");
    }

    /**
     * The JVMs of {@code barman ... drill <server>} of this home ({@code server} empty: of any server), not the
     * nice, ionice and flock before them.
     */
    private static List<ProcessHandle> drillJvms(BarmanHome home, String server) {
        return ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("/java"))
                .filter(p -> {
                    String line = p.info().commandLine().orElse("");
                    return line.contains(home.conf.toString()) && line.contains(" -q drill " + (server.isEmpty() ? "" : server + " "));
                }).toList();
    }

    private static List<Long> drillPostgres(Path scratch) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(scratch.toString())
                && p.info().command().orElse("").endsWith("/postgres")).map(ProcessHandle::pid).toList();
    }

    /** The nice value of a process: field 19 of /proc/<pid>/stat (counting from the pid). */
    private static int nice(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(afterName[16]);
    }
}
