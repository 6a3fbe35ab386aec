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
 * Scheduled drills ({@code drill_schedule}) on PostgreSQL 15: {@code barman cron} starts {@code barman drill} of the
 * newest backup in the background, niced (nice 19, idle I/O class), holding the host's {@code .cron_drill.lock};
 * a second cron while it runs starts none; the drill records an OK {@code drill.json}; a cron right after starts
 * none (not due for a week).
 */
class DrillCronIT {
    private static final int PORT = 6745;

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @Test
    void cronStartsOneNicedDrillWhenDue() throws Exception {
        String primary = "drillcron-15";
        BarmanHome home = new BarmanHome("drillcron").tutorialServer("pg1-srv", PORT)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        Path drillFile = home.root.resolve("barman.d/demo.drill");
        Path scratch = home.root.resolve("demo/drill/demo");
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
            Path drillJson = home.root.resolve("demo/base/" + id + "/drill.json");

            // Without drill_schedule cron starts no drill.
            Files.writeString(drillFile, "[demo]\ndrill_bin_path = " + bin + "\n");
            Proc unscheduled = home.barman("cron");
            assertFalse((unscheduled.out() + unscheduled.err()).contains("Starting drill"), unscheduled.out());

            // The probe sleeps, so that the drill is still running when it is looked at.
            Files.writeString(drillFile, "[demo]\ndrill_bin_path = " + bin + "\ndrill_schedule = 1 week\n"
                    + "drill_probe_slow = SELECT 1 FROM pg_sleep(8)\n");
            Proc first = home.barman("cron");
            assertEquals(0, first.exit(), first.out() + first.err());
            assertTrue(first.out().contains("Starting drill of backup " + id + " for server demo (no drill recorded)"),
                    first.out() + first.err());

            BackupIT.waitFor(() -> drillPostgres(scratch).size() > 0, "the scheduled drill's PostgreSQL");
            List<ProcessHandle> jvms = drillJvms(home);
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

            Proc second = home.barman("cron");
            assertEquals(0, second.exit(), second.out() + second.err());
            assertFalse(second.out().contains("Starting drill"), second.out());
            assertEquals(List.of(jvm), drillJvms(home).stream().map(ProcessHandle::pid).toList(),
                    "still the one drill");

            BackupIT.waitFor(() -> drillJvms(home).isEmpty() && Files.exists(drillJson), "the drill to end");
            assertTrue(Files.readString(drillJson).contains("\"status\": \"OK\""), Files.readString(drillJson));
            assertFalse(Files.exists(scratch), "the scratch folder removed");
            assertEquals(0, Proc.run("flock", "--nonblock", hostLock.toString(), "true").exit(),
                    "the host drill lock is free");
            assertTrue(home.barman("check", "demo").out().contains("\trestore drill: OK (last drill of " + id));

            Proc after = home.barman("cron");
            assertEquals(0, after.exit(), after.out() + after.err());
            assertFalse(after.out().contains("Starting drill"), after.out());
            Thread.sleep(1000);
            assertEquals(List.of(), drillJvms(home), "no drill started: not due");
            assertFalse(Files.exists(scratch));
        } finally {
            Lab.lab("pg", "destroy", primary);
            home.delete();
        }
    }

    /** The JVMs of {@code barman ... drill demo} of this home (not the nice, ionice and flock before them). */
    private static List<ProcessHandle> drillJvms(BarmanHome home) {
        return ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("/java"))
                .filter(p -> {
                    String line = p.info().commandLine().orElse("");
                    return line.contains(home.conf.toString()) && line.contains(" -q drill demo ");
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
