package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barman drill} on PostgreSQL 13, 15 and 17: a good backup passes every check, with its figures printed
 * and drill.json recorded, nothing left running and the scratch folder gone; then, on the same backup, a flipped
 * byte in a table's heap page, a WAL file missing from the archive and a probe returning no row each fail with
 * their reason, and {@code check} shows {@code restore drill: FAILED} ({@code --nagios}: exit 2). Barman 3.4's
 * {@code list-backups}, {@code show-backup}, {@code check} and {@code recover} work on the drilled catalog.
 * {@code -Ddrill.versions=15} runs one version only.
 */
class DrillIT {
    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    static Stream<Integer> versions() {
        return Arrays.stream(System.getProperty("drill.versions", "13,15,17").split(",")).map(Integer::valueOf);
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @MethodSource("versions")
    void drills(int major) throws Exception {
        String primary = "drill-" + major;
        int port = 6700 + major;
        BarmanHome home = new BarmanHome("drill" + major).tutorialServer("pg1-srv", port)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        Path drillFile = home.root.resolve("barman.d/demo.drill");
        String bin = Lab.lab("pg-bin", String.valueOf(major)).out().strip();
        String settings = "[demo]\ndrill_bin_path = " + bin + "\ndrill_maximum_age = 1 day\n"
                + "drill_probe_rows = SELECT count(*) FROM drill_data WHERE payload LIKE '%a%'\n";
        Path scratch = home.root.resolve("demo/drill/demo");
        try {
            Lab.lab("pg", "destroy", primary);
            System.out.println("DrillIT: running against PostgreSQL " + Lab.lab("pg", "start", primary,
                    String.valueOf(major), "pg1-srv", String.valueOf(port),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p").out().strip());
            Lab.psql(primary, "CREATE TABLE drill_data AS SELECT g AS id, md5(g::text) AS payload "
                    + "FROM generate_series(1, 20000) g");
            Lab.psql(primary, "CREATE INDEX drill_data_id ON drill_data (id)");
            Lab.psql(primary, "VACUUM drill_data");
            String relation = Lab.psql(primary, "SELECT pg_relation_filepath('drill_data')");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            String id = home.barman("list-backups", "demo").ok().out().strip().split("\\s+")[1];
            Path backupDir = home.root.resolve("demo/base/" + id);

            // Without a .drill file check has no drill row (Barman 3.4's output).
            assertFalse(home.barman("check", "demo").out().contains("restore drill"));
            Files.writeString(drillFile, settings);

            // 1. A good backup.
            Proc good = home.barman("drill", "demo");
            System.out.println(good.out() + good.err());
            assertEquals(0, good.exit(), good.out() + good.err());
            for (String check : List.of("restore", "start", "recovery target", "page checksums", "amcheck",
                    "probe rows")) {
                assertTrue(good.out().contains("\t" + check + ": OK"), check + "\n" + good.out());
            }
            assertTrue(good.out().contains(major == 15 ? "page checksums: OK [pg_checksums --check]"
                    : "page checksums: OK [read of every relation (pg_prewarm)]"), good.out());
            assertTrue(good.out().contains(major == 15 ? "amcheck: OK [pg_amcheck]" : "amcheck: OK [amcheck functions"),
                    good.out());
            for (String figure : List.of("Figures:", "\tcopy: ", "\tWAL replay: ", "\taccepts connections after: ",
                    "\tchecks: ", "\ttotal: ", "Drill OK")) {
                assertTrue(good.out().contains(figure), figure + "\n" + good.out());
            }
            String json = Files.readString(backupDir.resolve("drill.json"));
            assertTrue(json.contains("\"status\": \"OK\""), json);
            assertNothingLeft(scratch);
            String check = home.barman("check", "demo").out();
            assertTrue(check.contains("\trestore drill: OK (last drill of " + id), check);
            assertTrue(home.barman("show-backup", "demo", id).out().contains("    Last drill           : OK, "));

            // Barman 3.4 on the same configuration and catalog: the .drill file and drill.json are not seen.
            for (String[] args : new String[][] {{"list-backups", "demo"}, {"show-backup", "demo", id},
                    {"check", "demo"}}) {
                Proc b34 = home.barman34(args);
                String all = b34.out() + b34.err();
                // (The lab's PostgreSQL is named drill-<major>: its PGDATA is in show-backup.)
                assertFalse(all.contains("drill.json") || all.contains("drill_") || all.contains(".drill")
                        || all.contains("Last drill"), String.join(" ", args) + ": " + all);
                assertFalse(b34.err().contains("Invalid configuration option"), b34.err());
                if (!args[0].equals("check")) {
                    assertEquals(0, b34.exit(), b34.out() + b34.err());
                }
            }

            // Barman 3.4's recover of the drilled backup, started with this version's PostgreSQL: every row there.
            Path recovered = home.root.resolve("recovered34");
            Proc.as("barman", "mkdir", "-p", recovered.resolve("run").toString()).ok();
            Proc.as("barman", "sh", "-c", "echo 'local all all trust' > " + recovered.resolve("hba.conf")).ok();
            Proc recover = home.barman34("recover", "demo", id, recovered.resolve("pgdata").toString());
            assertEquals(0, recover.exit(), recover.out() + recover.err());
            // (The lab's PGDATA, drill-<major>, is in its output; the drill's own files are not.)
            assertFalse((recover.out() + recover.err()).matches("(?s).*(drill\\.json|\\.barman-drill|drill_).*"),
                    recover.out() + recover.err());
            try {
                Proc.as("barman", bin + "/pg_ctl", "-D", recovered.resolve("pgdata").toString(), "-l",
                        recovered.resolve("postgres.log").toString(), "-w", "-t", "120", "-o", "-c port=" + port
                                + " -c listen_addresses='' -c unix_socket_directories=" + recovered.resolve("run")
                                + " -c archive_mode=off -c hba_file=" + recovered.resolve("hba.conf")
                                + " -c cluster_name=barman34-recovered", "start").ok();
                assertEquals("20000", Proc.as("barman", "/usr/lib/postgresql/15/bin/psql", "-h",
                        recovered.resolve("run").toString(), "-p", String.valueOf(port), "-d", "postgres", "-Atc",
                        "SELECT count(*) FROM drill_data").ok().out().strip());
            } finally {
                Proc.as("barman", bin + "/pg_ctl", "-D", recovered.resolve("pgdata").toString(), "-m", "immediate",
                        "-w", "stop");
            }

            // 1b. A point-in-time target (promoted at the backup's consistency point), scratch folder kept.
            Proc pitr = home.barman("drill", "--target-immediate", "--keep", "demo");
            System.out.println(pitr.out() + pitr.err());
            assertEquals(0, pitr.exit(), pitr.out() + pitr.err());
            assertTrue(pitr.out().contains("target: immediate: True"), pitr.out());
            assertTrue(pitr.out().contains("	recovery target: OK (recovery stopping after reaching consistency"),
                    pitr.out());
            assertTrue(Files.isDirectory(scratch.resolve("pgdata")), "--keep keeps " + scratch);
            assertEquals(List.of(), processesNaming(scratch));

            // 1c. kill -9 of barman while the drill's PostgreSQL runs (a probe sleeping): no PostgreSQL left, and
            // the next drill removes the scratch folder and works.
            Files.writeString(drillFile, settings + "drill_probe_slow = SELECT 1 FROM pg_sleep(60)\n");
            Process killed = new ProcessBuilder("runuser", "-u", "barman", "--", Lab.BARMAN.toString(), "-c",
                    home.conf.toString(), "drill", "demo").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                BackupIT.waitFor(() -> processesNaming(scratch).stream().anyMatch(c -> c.contains("postgres")),
                        "the drill's PostgreSQL to run");
                Thread.sleep(1500);
                Proc.run("kill", "-9", String.valueOf(Proc.jvmOf(killed).pid())).ok();
                BackupIT.waitFor(() -> processesNaming(scratch).isEmpty(), "no process of the killed drill");
            } finally {
                killed.destroyForcibly();
            }
            assertTrue(Files.exists(scratch), "the killed drill left its folder");
            Files.writeString(drillFile, settings);
            Proc after = home.barman("drill", "demo");
            assertEquals(0, after.exit(), after.out() + after.err());
            assertTrue(after.out().contains("Removing the scratch folder of an earlier drill"), after.out());
            assertNothingLeft(scratch);

            // 2. One flipped byte in a heap page of drill_data (block 0, in its tuples).
            Path file = backupDir.resolve("data").resolve(relation);
            flip(file, 8000);
            try {
                Proc corrupt = home.barman("drill", "demo", id);
                System.out.println(corrupt.out() + corrupt.err());
                assertEquals(1, corrupt.exit(), corrupt.out() + corrupt.err());
                assertTrue(corrupt.out().contains("\tpage checksums: FAILED"), corrupt.out());
                assertTrue(corrupt.out().contains(major == 15 ? "checksum verification failed"
                        : "invalid page in block 0 of relation"), corrupt.out());
                if (major >= 14) {
                    assertTrue(corrupt.out().contains("\tamcheck: FAILED"), corrupt.out());
                }
                assertTrue(corrupt.out().contains("Drill FAILED: page checksums: "), corrupt.out());
                assertTrue(Files.readString(backupDir.resolve("drill.json")).contains("\"status\": \"FAILED\""));
                assertNothingLeft(scratch);
                String failed = home.barman("check", "demo").out();
                assertTrue(failed.contains("\trestore drill: FAILED (last drill of " + id), failed);
                Proc nagios = home.barman("check", "--nagios", "demo");
                assertEquals(2, nagios.exit(), nagios.out());
                assertTrue(nagios.out().startsWith("BARMAN CRITICAL"), nagios.out());
                assertTrue(nagios.out().contains("demo.restore drill: FAILED"), nagios.out());
            } finally {
                flip(file, 8000);
            }

            // 3. A WAL file of the backup missing from the archive.
            String beginWal = home.barman("show-backup", "demo", id).out().lines()
                    .filter(l -> l.contains("Begin WAL")).findFirst().orElseThrow().replaceAll(".*: ", "").strip();
            Path wal = home.root.resolve("demo/wals/" + beginWal.substring(0, 16) + "/" + beginWal);
            Path aside = home.root.resolve(beginWal + ".aside");
            Files.move(wal, aside);
            try {
                Proc missing = home.barman("drill", "demo");
                System.out.println(missing.out() + missing.err());
                assertEquals(1, missing.exit(), missing.out() + missing.err());
                assertTrue(missing.out().contains("\trestore: FAILED (The WAL file " + beginWal + " needed by backup "
                        + id + " is missing from the archive of server demo)"), missing.out());
                assertTrue(missing.out().contains("\tstart: SKIPPED"), missing.out());
                assertNothingLeft(scratch);
            } finally {
                Files.move(aside, wal);
            }

            // 3b. A damaged WAL file after the backup's end: PostgreSQL stops its replay there and opens; the drill
            // must not call that the end of the archive.
            Lab.psql(primary, "INSERT INTO drill_data SELECT g, md5(g::text) FROM generate_series(20001, 40000) g");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            Lab.psql(primary, "INSERT INTO drill_data VALUES (0, 'after')");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            String endWal = home.barman("show-backup", "demo", id).out().lines()
                    .filter(l -> l.contains("End WAL")).findFirst().orElseThrow().replaceAll(".*: ", "").strip();
            String nextWal = String.format("%s%08X", endWal.substring(0, 16), Long.parseLong(endWal.substring(16), 16)
                    + 1);
            Path damaged = home.root.resolve("demo/wals/" + nextWal.substring(0, 16) + "/" + nextWal);
            assertTrue(Files.exists(damaged), damaged + " archived");
            flip(damaged, 1 << 20);
            try {
                Proc stopped = home.barman("drill", "demo");
                System.out.println(stopped.out() + stopped.err());
                assertEquals(1, stopped.exit(), stopped.out() + stopped.err());
                assertTrue(stopped.out().contains("\trecovery target: FAILED (redo done at "), stopped.out());
                assertTrue(stopped.out().contains("before the end of the restored WAL"), stopped.out());
                assertNothingLeft(scratch);
            } finally {
                flip(damaged, 1 << 20);
            }

            // 4. A probe returning no row.
            Files.writeString(drillFile, settings + "drill_probe_empty = SELECT 1 WHERE false\n");
            Proc probe = home.barman("drill", "demo");
            System.out.println(probe.out() + probe.err());
            assertEquals(1, probe.exit(), probe.out() + probe.err());
            assertTrue(probe.out().contains("\tprobe rows: OK"), probe.out());
            assertTrue(probe.out().contains("\tprobe empty: FAILED (returned no row)"), probe.out());
            assertNothingLeft(scratch);
            assertTrue(home.barman("check", "demo").out().contains("\trestore drill: FAILED (last drill of " + id
                    + " at "), "check after the probe failure");
            assertEquals(2, home.barman("check", "--nagios", "demo").exit());

            // Bad input: one line, exit code.
            Files.writeString(drillFile, settings + "drill_maximum_age = 7 fortnights\n");
            Proc bad = home.barman("drill", "demo");
            assertEquals(1, bad.exit(), bad.out() + bad.err());
            assertTrue(bad.err().contains("Invalid value '7 fortnights' for drill_maximum_age in [demo] section"),
                    bad.err());
            Files.writeString(drillFile, settings);
            Proc unknown = home.barman("drill", "demo", "20000101T000000");
            assertEquals(1, unknown.exit(), unknown.out() + unknown.err());
            Files.writeString(drillFile, "[demo]\ndrill_bin_path = /nonexistent\n");
            Proc noBin = home.barman("drill", "demo");
            assertEquals(1, noBin.exit(), noBin.out() + noBin.err());
            assertTrue(noBin.err().contains("No PostgreSQL " + major + " binaries found"), noBin.err());
            assertEquals(2, home.barman("drill", "--standby-mode", "demo").exit());
        } finally {
            Lab.lab("pg", "destroy", primary);
            home.delete();
        }
    }

    private static void flip(Path file, long offset) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0xff);
        }
    }

    private static List<String> processesNaming(Path scratch) {
        return ProcessHandle.allProcesses().map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(scratch.toString())).toList();
    }

    /** No process whose command line names the scratch folder, and the folder gone. */
    private static void assertNothingLeft(Path scratch) {
        assertEquals(List.of(), processesNaming(scratch), "processes left by the drill");
        assertFalse(Files.exists(scratch), scratch + " removed");
    }
}
