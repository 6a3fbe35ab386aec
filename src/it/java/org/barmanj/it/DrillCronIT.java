package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Scheduled drills ({@code drill_schedule}) on PostgreSQL 15 (port 6745), three servers: demo and two copies of
 * its catalog (demo2, demo3). Without a schedule cron starts no drill. With {@code 1 week} on demo: cron starts one
 * drill of its newest backup in the background, niced (nice 19, idle I/O class, its PostgreSQL too), holding the
 * host's {@code .cron_drill.lock}; a cron while it runs starts none; it records an OK {@code drill.json}. Then demo2
 * and demo3 both due: one cron starts both, they run one after the other (their drill.json times do not overlap),
 * and the next cron starts none. A bad {@code drill_schedule} fails demo's drill step only: its WAL archiving
 * still runs, the other servers' cron is clean. Barman 3.4 sees nothing of it.
 */
class DrillCronIT {
    private static final int PORT = 6745;
    /** Long enough for the test to look at a drill while it runs. */
    private static final String SLOW_PROBE = "drill_probe_slow = SELECT 1 FROM pg_sleep(15)\n";

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @Test
    void cronStartsNicedDrillsOneAtATimeWhenDue() throws Exception {
        String primary = "drillcron-15";
        BarmanHome home = new BarmanHome("drillcron").tutorialServer("pg1-srv", PORT)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        Path hostLock = home.root.resolve(".cron_drill.lock");
        Path drillFile = home.root.resolve("barman.d/demo.drill");
        String bin = Lab.lab("pg-bin", "15").out().strip();
        String base = "drill_bin_path = " + bin + "\n" + SLOW_PROBE;
        try {
            Lab.lab("pg", "destroy", primary);
            Lab.lab("pg", "start", primary, "15", "pg1-srv", String.valueOf(PORT),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p");
            Lab.psql(primary, "CREATE TABLE cron_data AS SELECT g AS id FROM generate_series(1, 1000) g");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            String id = home.barman("list-backups", "demo").ok().out().strip().split("\\s+")[1];
            // Two copies of demo's catalog, as servers of their own: demo2 and demo3.
            Path demoConf = home.root.resolve("barman.d/demo.conf");
            for (String copy : List.of("demo2", "demo3")) {
                Files.writeString(home.root.resolve("barman.d/" + copy + ".conf"),
                        Files.readString(demoConf).replace("[demo]", "[" + copy + "]"));
                Proc.run("cp", "-a", home.root.resolve("demo").toString(), home.root.resolve(copy).toString()).ok();
            }
            home.ownedByBarman();

            // 1. Sections without drill_schedule: cron starts no drill.
            Files.writeString(drillFile, "[demo]\n" + base + "[demo2]\n" + base + "[demo3]\n" + base);
            Proc unscheduled = home.barman("cron");
            assertEquals(0, unscheduled.exit(), unscheduled.out() + unscheduled.err());
            assertFalse((unscheduled.out() + unscheduled.err()).contains("drill"), unscheduled.out());
            assertEquals(List.of(), drillProcesses(home, ""), "no drill started");
            assertFalse(Files.exists(home.root.resolve(".demo-cron_drill.started")), "no start marker");

            // 2. demo due (no drill recorded yet): exactly one drill, niced, under the host lock.
            String week = "drill_schedule = 1 week\n";
            Files.writeString(drillFile, "[demo]\n" + base + week + "[demo2]\n" + base + "[demo3]\n" + base);
            Proc first = home.barman("cron");
            assertEquals(0, first.exit(), first.out() + first.err());
            assertEquals(List.of("Starting drill of backup " + id + " for server demo (no drill recorded)"),
                    started(first), first.out() + first.err());
            Path scratch = home.root.resolve("demo/drill/demo");
            BackupIT.waitFor(() -> !drillPostgres(scratch).isEmpty(), "the scheduled drill's PostgreSQL");
            List<ProcessHandle> jvms = drillJvms(home, "");
            assertEquals(1, jvms.size(), "one drill process");
            long jvm = jvms.get(0).pid();
            assertEquals(19, nice(jvm), "nice of the drill's barman");
            assertTrue(Proc.run("ionice", "-p", String.valueOf(jvm)).ok().out().startsWith("idle"),
                    "idle I/O class");
            for (long pg : drillPostgres(scratch)) {
                assertEquals(19, nice(pg), "nice of the drill's PostgreSQL " + pg);
                assertTrue(Proc.run("ionice", "-p", String.valueOf(pg)).ok().out().startsWith("idle"),
                        "idle I/O class of the drill's PostgreSQL " + pg);
            }
            assertHostLockHeld(hostLock, true);

            // A second cron while it runs starts none.
            Proc second = home.barman("cron");
            assertEquals(0, second.exit(), second.out() + second.err());
            assertEquals(List.of(), started(second), second.out());
            assertEquals(List.of(jvm), drillJvms(home, "").stream().map(ProcessHandle::pid).toList(),
                    "still the one drill, running");
            OffsetDateTime[] demoTimes = awaitOk(home, "demo", id);
            assertHostLockHeld(hostLock, false);
            String check = home.barman("check", "demo").out();
            assertTrue(check.contains("\trestore drill: OK (last drill of " + id), check);

            // 3. demo2 and demo3 both due: one cron starts both; the host lock makes them take turns.
            Files.writeString(drillFile, "[demo]\n" + base + week + "[demo2]\n" + base + week
                    + "[demo3]\n" + base + week);
            Proc both = home.barman("cron");
            assertEquals(0, both.exit(), both.out() + both.err());
            assertEquals(List.of("Starting drill of backup " + id + " for server demo2 (no drill recorded)",
                    "Starting drill of backup " + id + " for server demo3 (no drill recorded)"),
                    started(both).stream().sorted().toList(), both.out() + both.err());
            BackupIT.waitFor(() -> drillJvms(home, "").size() == 1, "one of the two drills running");
            assertEquals(2, drillProcesses(home, "").stream().filter(p -> p.info().command().orElse("")
                    .endsWith("/flock")).count(), "the other one queued (its flock waiting for the host lock)");
            for (String server : List.of("demo2", "demo3")) {
                // The start marker names the process cron started: the flock, alive while queued or running.
                String[] marker = Files.readString(home.root.resolve("." + server + "-cron_drill.started"))
                        .strip().split(" ");
                assertEquals(3, marker.length, String.join(" ", marker));
                ProcessHandle flock = ProcessHandle.of(Long.parseLong(marker[1])).orElseThrow();
                assertTrue(flock.info().command().orElse("").endsWith("/flock")
                        && flock.info().commandLine().orElse("").contains(" -q drill " + server + " "),
                        flock.info().toString());
            }
            Proc whileQueued = home.barman("cron");
            assertEquals(List.of(), started(whileQueued), "none started again while queued or running\n"
                    + whileQueued.out());
            OffsetDateTime[] demo2Times = awaitOk(home, "demo2", id);
            OffsetDateTime[] demo3Times = awaitOk(home, "demo3", id);
            assertTrue(!demo2Times[1].isAfter(demo3Times[0]) || !demo3Times[1].isAfter(demo2Times[0]),
                    "the two drills overlap: demo2 " + demo2Times[0] + " to " + demo2Times[1] + ", demo3 "
                            + demo3Times[0] + " to " + demo3Times[1]);
            assertTrue(demoTimes[1].isBefore(demo2Times[0]) && demoTimes[1].isBefore(demo3Times[0]));

            // A cron after that: none is due for a week.
            Proc after = home.barman("cron");
            assertEquals(0, after.exit(), after.out() + after.err());
            assertEquals(List.of(), started(after), after.out());
            assertEquals(List.of(), drillProcesses(home, ""), "no drill started: not due");

            // 4. A bad drill_schedule: demo's drill step says so; its WAL archiving still runs; the others are clean.
            Files.writeString(drillFile, "[demo]\n" + base + "drill_schedule = weekly\n[demo2]\n" + base + week
                    + "[demo3]\n" + base + week);
            home.barman("switch-wal", "--force", "demo").ok();
            Path incoming = home.root.resolve("demo/incoming");
            BackupIT.waitFor(() -> fileCount(incoming) > 0, "a WAL file in demo's incoming folder");
            Proc bad = home.barman("cron");
            assertEquals(1, bad.exit(), bad.out() + bad.err());
            assertEquals(List.of("ERROR: Invalid value 'weekly' for drill_schedule in [demo] section (" + drillFile
                    + " line 4): allowed: N {hour|day|week|month}[s], e.g. '1 week'"),
                    bad.err().lines().toList(), bad.out() + bad.err());
            assertTrue(bad.out().contains("Starting WAL archiving for server demo"), bad.out());
            assertEquals(0, fileCount(incoming), "demo's WAL archived all the same");
            for (String server : List.of("demo", "demo2", "demo3")) {
                assertFalse(bad.out().contains("for server " + server + " ("), bad.out());
            }

            // 5. Barman 3.4 on the same configuration and lock directory: nothing of the schedule seen.
            for (String[] args : new String[][] {{"list-backups", "demo"}, {"check", "demo"}}) {
                Proc b34 = home.barman34(args);
                String all = b34.out() + b34.err();
                assertFalse(all.contains("drill") || all.contains("Invalid configuration option")
                        || all.contains("WARNING"), String.join(" ", args) + ": " + all);
            }
            assertTrue(home.barman34("list-backups", "demo").out().contains(id));
        } finally {
            for (ProcessHandle p : drillProcesses(home, "")) {
                p.destroyForcibly();
            }
            Lab.lab("pg", "destroy", primary);
            home.delete();
        }
    }

    private static List<String> started(Proc cron) {
        return cron.out().lines().filter(l -> l.startsWith("Starting drill")).toList();
    }

    private static void assertHostLockHeld(Path hostLock, boolean held) {
        assertEquals(held ? 1 : 0, Proc.run("flock", "--nonblock", "--conflict-exit-code", "1", hostLock.toString(),
                "true").exit(), held ? "the host drill lock is held" : "the host drill lock is free");
    }

    private static long fileCount(Path folder) throws Exception {
        try (var files = Files.list(folder)) {
            return files.count();
        }
    }

    /**
     * Waits for the drill of {@code server} to end; its drill.json says OK and its scratch folder is gone. Returns
     * its start and end.
     */
    private static OffsetDateTime[] awaitOk(BarmanHome home, String server, String id) throws Exception {
        Path json = home.root.resolve(server + "/base/" + id + "/drill.json");
        BackupIT.waitFor(() -> drillProcesses(home, server).isEmpty() && Files.exists(json), "the drill of " + server);
        String text = Files.readString(json);
        assertTrue(text.contains("\"status\": \"OK\""), text);
        assertFalse(Files.exists(home.root.resolve(server + "/drill/" + server)), "the scratch folder removed");
        return new OffsetDateTime[] {time(text, "started"), time(text, "ended")};
    }

    private static OffsetDateTime time(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": \"([^\"]+)\"").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return OffsetDateTime.parse(m.group(1));
    }

    /**
     * The processes of scheduled drills of this home ({@code server} empty: of any server): the flock waiting for
     * or holding the host lock, and the barman it runs.
     */
    private static List<ProcessHandle> drillProcesses(BarmanHome home, String server) {
        return ProcessHandle.allProcesses().filter(p -> {
            String line = p.info().commandLine().orElse("");
            return line.contains(home.conf.toString())
                    && line.contains(" -q drill " + (server.isEmpty() ? "" : server + " "));
        }).toList();
    }

    /** The JVMs among them (not the flock before them, nor the shell script that starts java). */
    private static List<ProcessHandle> drillJvms(BarmanHome home, String server) {
        return drillProcesses(home, server).stream()
                .filter(Proc::isJvm).toList();
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
