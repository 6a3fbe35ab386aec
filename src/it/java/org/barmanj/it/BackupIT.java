package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tutorial's "Perform a backup" on PostgreSQL 13, 15 and 17, with a tablespace outside PGDATA and the primary
 * under write load for the whole backup: check, switch-wal, {@code backup demo --wait}, list-backups and
 * show-backup (identical to what Barman 3.4 prints for our catalog); the backup restored by hand holds exactly
 * the rows committed before it ended; a second backup with {@code reuse_backup = link} hard-links the files that
 * did not change; Barman 3.4's own {@code recover} restores it.
 */
class BackupIT {
    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 15, 17})
    void tutorialBackupUnderLoad(int major) throws Exception {
        String name = "it-backup" + major;
        int port = 5700 + major;
        // An immediate checkpoint: a spread one takes most of checkpoint_timeout (minutes) after the load.
        BarmanHome home = new BarmanHome("backup" + major).tutorialServer("pg1-srv", port)
                .withOptions("immediate_checkpoint = true\n");
        Path log = home.root.resolve("log/barman.log");
        Files.writeString(home.conf, Files.readString(home.conf) + "log_file = " + log + "\n");
        home.ownedByBarman();
        Path tablespace = Path.of("/var/lib/edb/" + name + "-tbs");
        List<String> restored = new ArrayList<>();
        List<Process> load = new ArrayList<>();
        try {
            Lab.lab("pg", "destroy", name);
            Proc.run("rm", "-rf", tablespace.toString()).ok();
            Proc.as("enterprisedb", "mkdir", "-p", tablespace.toString()).ok();
            String version = Lab.lab("pg", "start", name, String.valueOf(major), "pg1-srv", String.valueOf(port),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p").out().strip();
            System.out.println("BackupIT: running against PostgreSQL " + version);
            Lab.psql(name, "CREATE TABLESPACE tbs LOCATION '" + tablespace + "'");
            Lab.psql(name, "CREATE SEQUENCE tick_ids");
            Lab.psql(name, "CREATE TABLE ticks (id bigint PRIMARY KEY, lsn pg_lsn NOT NULL) TABLESPACE tbs");
            pgbench(name, port, "-i", "-q", "-s", "5").ok();

            // The tutorial's order: archiving checked, then the backup.
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            Proc check = home.barman("check", "demo");
            assertEquals(0, check.exit(), check.out() + check.err());

            // Write load for the whole backup: pgbench's TPC-B, and one client committing numbered ticks, each
            // with the WAL position it was written at (one client: ids commit in order).
            Path ticks = Files.createTempFile("ticks", ".sql");
            Files.writeString(ticks, "INSERT INTO ticks VALUES (nextval('tick_ids'), pg_current_wal_insert_lsn());\n");
            Proc.run("chmod", "644", ticks.toString()).ok();
            load.add(pgbenchInBackground(name, port, "-c", "2", "-T", "600", "-n"));
            load.add(pgbenchInBackground(name, port, "-c", "1", "-T", "600", "-n", "-f", ticks.toString()));
            waitFor(() -> Long.parseLong(Lab.psql(name, "SELECT count(*) FROM ticks")) > 50, "the load to start");

            Proc backup = home.barman("backup", "demo", "--wait").ok();
            load.forEach(Process::destroy);
            for (Process p : load) {
                p.waitFor();
            }
            String id = assertTutorialShape(backup.out());
            assertBackupLogged(log, id);
            Path backupDir = home.root.resolve("demo/base/" + id);
            Map<String, String> info = backupInfo(backupDir.resolve("backup.info"));
            assertEquals("DONE", info.get("status"), info.toString());
            // Private whatever the umask (FileModesIT covers the WAL archive).
            assertEquals("600", Proc.run("stat", "-c", "%a", backupDir.resolve("backup.info").toString()).ok()
                    .out().strip());
            assertEquals("700", Proc.run("stat", "-c", "%a", backupDir.toString()).ok().out().strip());
            String oid = Lab.psql(name, "SELECT oid FROM pg_tablespace WHERE spcname = 'tbs'");
            assertEquals("[('tbs', " + oid + ", '" + tablespace + "')]", info.get("tablespaces"));
            assertTrue(Files.isDirectory(backupDir.resolve(oid)), "tablespace copied into base/<id>/<oid>");

            // Barman 3.4 reads our catalog and prints what we print.
            assertEquals(home.barman34("list-backup", "demo").ok().out(), home.barman("list-backups", "demo").ok().out());
            assertEquals(home.barman34("show-backup", "demo", "latest").ok().out(),
                    home.barman("show-backup", "demo", "latest").ok().out());

            // Restored by hand, up to the backup's end only: exactly the rows committed before it ended.
            String copy = name + "-r1";
            restored.add(copy);
            restoreByHand(backupDir, copy, major, port + 100, oid, home);
            assertConsistent(copy, info.get("begin_xlog"), info.get("end_xlog"), name);

            // A second backup after a small change reuses the first one through hard links.
            Lab.psql(name, "CREATE TABLE small_change AS SELECT 1 AS x");
            Proc second = home.barman("backup", "demo", "--wait").ok();
            String id2 = second.out().lines().filter(l -> l.startsWith("Starting backup using")).findFirst()
                    .orElseThrow().replaceAll(".*/base/(\\S+)$", "$1");
            Path backupDir2 = home.root.resolve("demo/base/" + id2);
            assertLinkedToFirst(backupDir, backupDir2, second.out(), name);

            // Barman 3.4's recover restores our second backup (tablespace moved aside from the primary's).
            String copy2 = name + "-r2";
            restored.add(copy2);
            recoverWithBarman34(home, id2, copy2, major, port + 200);
            assertEquals("1", Lab.psql(copy2, "SELECT count(*) FROM small_change"));
            assertTicksContiguous(copy2);
        } finally {
            load.forEach(Process::destroyForcibly);
            for (String r : restored) {
                Lab.lab("pg", "destroy", r);
                Proc.run("rm", "-rf", "/var/lib/edb/" + r + "-tbs").ok();
            }
            Lab.lab("pg", "destroy", name);
            Proc.run("rm", "-rf", tablespace.toString()).ok();
            home.delete();
        }
    }

    /** The backup's lines in the log file, in Barman's format, under the names of Barman's modules. */
    private static void assertBackupLogged(Path log, String id) throws IOException {
        List<String> logged = Files.readAllLines(log);
        String head = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} \\[\\d+] ";
        for (String line : List.of(
                "barman.backup INFO: Starting backup using rsync-concurrent method for server demo in .*/" + id,
                "barman.backup_executor INFO: Starting backup copy via rsync/SSH for " + id,
                "barman.backup INFO: Backup completed \\(start time: .*")) {
            assertTrue(logged.stream().anyMatch(l -> l.matches(head + line)),
                    line + " in:\n" + String.join("\n", logged));
        }
    }

    /** The tutorial's lines, in its order; returns the backup id. */
    static String assertTutorialShape(String out) {
        List<String> lines = out.lines().toList();
        String id = lines.get(0).replaceAll("^Starting backup using rsync-concurrent method for server demo in "
                + ".*/demo/base/(\\d{8}T\\d{6})$", "$1");
        assertTrue(id.matches("\\d{8}T\\d{6}"), out);
        String[] expected = {
            "Backup start at LSN: [0-9A-F]+/[0-9A-F]+ \\([0-9A-F]{24}, [0-9A-F]{8}\\)",
            "Starting backup copy via rsync/SSH for " + id,
            "Copy done \\(time: .+\\)",
            "Asking PostgreSQL server to finalize the backup\\.",
            "Backup size: [\\d.]+ [KMG]?i?B\\. Actual size on disk: [\\d.]+ [KMG]?i?B \\(-[\\d.]+% deduplication ratio\\)\\.",
            "Backup end at LSN: [0-9A-F]+/[0-9A-F]+ \\([0-9A-F]{24}, [0-9A-F]{8}\\)",
            "Backup completed \\(start time: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d{6})?, elapsed time: .+\\)",
            "Waiting for the WAL file [0-9A-F]{24} from server 'demo'",
            "Processing xlog segments from file archival for demo",
        };
        int at = 1;
        for (String pattern : expected) {
            while (at < lines.size() && !lines.get(at).matches(pattern)) {
                assertTrue(lines.get(at).startsWith("This is the first backup") || lines.get(at).startsWith("\t")
                        || lines.get(at).startsWith("WAL segments preceding"), "unexpected line '" + lines.get(at)
                        + "' before /" + pattern + "/ in:\n" + out);
                at++;
            }
            assertTrue(at < lines.size(), "missing /" + pattern + "/ in:\n" + out);
            at++;
        }
        assertEquals(2, lines.stream().filter(l -> l.equals("This is the first backup for server demo")).count(), out);
        return id;
    }

    private static void restoreByHand(Path backupDir, String copy, int major, int port, String oid, BarmanHome home)
            throws Exception {
        Path data = Path.of("/var/lib/edb/" + copy + "/data");
        Path tbs = Path.of("/var/lib/edb/" + copy + "-tbs");
        Lab.lab("pg", "destroy", copy);
        Proc.run("rm", "-rf", tbs.toString()).ok();
        Proc.run("mkdir", "-p", data.getParent().resolve("run").toString()).ok();
        Proc.run("cp", "-a", backupDir.resolve("data").toString(), data.toString()).ok();
        Proc.run("cp", "-a", backupDir.resolve(oid).toString(), tbs.toString()).ok();
        Proc.run("ln", "-s", tbs.toString(), data.resolve("pg_tblspc").resolve(oid).toString()).ok();
        Path conf = data.resolve("postgresql.conf");
        Files.writeString(conf, Files.readString(conf)
                .replaceAll("(?m)^port = .*$", "port = " + port)
                .replaceAll("(?m)^unix_socket_directories = .*$", "unix_socket_directories = '/var/lib/edb/" + copy + "/run'")
                .replaceAll("(?m)^archive_command = .*$", "archive_command = 'true'")
                + "restore_command = 'barman-wal-restore -U barman -c " + home.conf + " backup-srv demo %f %p'\n"
                + "recovery_target = 'immediate'\nrecovery_target_action = 'promote'\n");
        Files.writeString(data.resolve("recovery.signal"), "");
        Proc.run("chown", "-R", "enterprisedb:", data.getParent().toString(), tbs.toString()).ok();
        assertEquals("700", Proc.run("stat", "-c", "%a", data.toString()).ok().out().strip(),
                "the data directory keeps PGDATA's mode, which PostgreSQL requires");
        Lab.lab("pg", "start", copy, String.valueOf(major), "pg1-srv", String.valueOf(port));
        waitFor(() -> Lab.psql(copy, "SELECT pg_is_in_recovery()").equals("f"), copy + " to finish recovery");
    }

    /**
     * Every tick written before the backup started is there, none written after it ended, no gap; and pgbench's
     * four balances agree (each TPC-B transaction is whole or absent).
     */
    private static void assertConsistent(String copy, String beginLsn, String endLsn, String primary) {
        assertTicksContiguous(copy);
        String maxRestored = Lab.psql(copy, "SELECT max(id) FROM ticks");
        assertEquals("0", Lab.psql(primary, "SELECT count(*) FROM ticks WHERE lsn < '" + beginLsn + "' AND id > "
                + maxRestored), "ticks written before the backup started are restored");
        assertEquals("0", Lab.psql(copy, "SELECT count(*) FROM ticks WHERE lsn > '" + endLsn + "'"),
                "no tick written after the backup ended");
        assertTrue(Long.parseLong(Lab.psql(primary, "SELECT count(*) FROM ticks WHERE lsn BETWEEN '" + beginLsn
                + "' AND '" + endLsn + "'")) > 0, "the load ran during the backup");
        String sums = Lab.psql(copy, "SELECT (SELECT sum(abalance) FROM pgbench_accounts) || ' ' || "
                + "(SELECT sum(tbalance) FROM pgbench_tellers) || ' ' || (SELECT sum(bbalance) FROM pgbench_branches)"
                + " || ' ' || (SELECT coalesce(sum(delta), 0) FROM pgbench_history)");
        String[] s = sums.split(" ");
        assertTrue(s[0].equals(s[1]) && s[1].equals(s[2]) && s[2].equals(s[3]), "pgbench balances agree: " + sums);
    }

    private static void assertTicksContiguous(String copy) {
        assertEquals("t", Lab.psql(copy, "SELECT count(*) = coalesce(max(id), 0) FROM ticks"),
                "ticks 1..N without a gap");
    }

    /** Unchanged files of the second backup are the first backup's inodes; sizes say so. */
    private static void assertLinkedToFirst(Path first, Path second, String out, String primary) throws IOException {
        int shared = 0;
        int files = 0;
        long size = 0;
        long unshared = 0;
        try (Stream<Path> all = Files.walk(second)) {
            // backup.info is measured too, as it was when the sizes were computed: compared apart below.
            for (Path f : all.filter(Files::isRegularFile).filter(f -> !f.endsWith("backup.info")).toList()) {
                files++;
                long length = Files.size(f);
                size += length;
                int links = ((Number) Files.getAttribute(f, "unix:nlink")).intValue();
                Path twin = first.resolve(second.relativize(f));
                if (Files.exists(twin) && Files.getAttribute(twin, "unix:ino").equals(Files.getAttribute(f, "unix:ino"))) {
                    shared++;
                    assertTrue(links >= 2);
                } else if (links == 1) {
                    unshared += length;
                }
            }
        }
        assertEquals(Files.getAttribute(first.resolve("data/PG_VERSION"), "unix:ino"),
                Files.getAttribute(second.resolve("data/PG_VERSION"), "unix:ino"), "PG_VERSION is a hard link");
        assertTrue(shared > files / 2, shared + " of " + files + " files are hard links to the first backup");
        // template0 accepts no connections: nothing writes its files, so every one of them is a link.
        String template0 = Lab.psql(primary, "SELECT oid FROM pg_database WHERE datname = 'template0'");
        try (Stream<Path> t0 = Files.list(second.resolve("data/base/" + template0))) {
            for (Path f : t0.toList()) {
                assertEquals(Files.getAttribute(first.resolve(second.relativize(f)), "unix:ino"),
                        Files.getAttribute(f, "unix:ino"), f + " is a hard link to the first backup's");
            }
        }
        Map<String, String> info = backupInfo(second.resolve("backup.info"));
        long infoSize = Long.parseLong(info.get("size")) - size;
        assertTrue(infoSize > 500 && infoSize < 4096, "size counts every file: " + info.get("size") + " vs " + size);
        assertEquals(unshared + infoSize, Long.parseLong(info.get("deduplicated_size")), "only files with one link");
        assertTrue(out.lines().anyMatch(l -> l.matches("Backup size: .*\\. Actual size on disk: .* \\(-[1-9][\\d.]*% "
                + "deduplication ratio\\)\\.")), out);
    }

    private static void recoverWithBarman34(BarmanHome home, String id, String copy, int major, int port)
            throws Exception {
        Path data = Path.of("/var/lib/edb/" + copy + "/data");
        Path tbs = Path.of("/var/lib/edb/" + copy + "-tbs");
        Lab.lab("pg", "destroy", copy);
        Proc.run("rm", "-rf", tbs.toString()).ok();
        Proc.run("mkdir", "-p", data.toString(), tbs.toString(), data.getParent().resolve("run").toString()).ok();
        Proc.run("chown", "barman:", data.toString(), tbs.toString()).ok();
        Proc recover = home.barman34("recover", "--tablespace", "tbs:" + tbs, "demo", id, data.toString());
        assertEquals(0, recover.exit(), recover.out() + recover.err());
        assertTrue(recover.out().contains("Your PostgreSQL server has been successfully prepared for recovery!"),
                recover.out());
        Path conf = data.resolve("postgresql.conf");
        Files.writeString(conf, Files.readString(conf)
                .replaceAll("(?m)^port = .*$", "port = " + port)
                .replaceAll("(?m)^unix_socket_directories = .*$", "unix_socket_directories = '/var/lib/edb/" + copy
                        + "/run'"));
        Proc.run("chown", "-R", "enterprisedb:", data.getParent().toString(), tbs.toString()).ok();
        assertEquals("700", Proc.run("stat", "-c", "%a", data.toString()).ok().out().strip(),
                "the data directory keeps PGDATA's mode, which PostgreSQL requires");
        Lab.lab("pg", "start", copy, String.valueOf(major), "pg1-srv", String.valueOf(port));
        waitFor(() -> Lab.psql(copy, "SELECT pg_is_in_recovery()").equals("f"), copy + " to finish recovery");
    }

    static Map<String, String> backupInfo(Path file) throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            values.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return values;
    }

    static Proc pgbench(String name, int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of("pgbench", "-h", "/var/lib/edb/" + name + "/run", "-p",
                String.valueOf(port)));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        return Proc.as("enterprisedb", cmd.toArray(new String[0]));
    }

    static Process pgbenchInBackground(String name, int port, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", "enterprisedb", "--", "pgbench", "-h",
                "/var/lib/edb/" + name + "/run", "-p", String.valueOf(port)));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void waitFor(Condition condition, String what) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.holds()) {
                    return;
                }
            } catch (AssertionError | RuntimeException notYet) {
                // Not up yet.
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what);
    }
}
