package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code backup_method = postgres} (pg_basebackup 15, Debian's, the lab's only one) against PostgreSQL 13 and 15,
 * with a tablespace outside PGDATA, beside a twin configuration Barman 3.4 backs up the same server with (the WAL
 * reaches both catalogs through barman-wal-archive). Our backup.info has Barman 3.4's keys and values but for the
 * positions and times of each backup; Barman 3.4 lists, shows and recovers our backup, we recover Barman 3.4's;
 * both recovered clusters start with every row. PostgreSQL 17 is newer than pg_basebackup 15: the backup is refused
 * before anything is written.
 */
class StreamingBackupIT {
    /** Keys whose values differ between two backups of one server: where and when each one was taken, its size. */
    static final List<String> PER_BACKUP = List.of("backup_label", "begin_offset", "begin_time", "begin_wal",
            "begin_xlog", "copy_stats", "deduplicated_size", "end_offset", "end_time", "end_wal", "end_xlog", "size");

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 15})
    void backupRecoveredBothWays(int major) throws Exception {
        String name = "pgbb-" + major;
        int port = 6400 + major;
        Path tablespace = Path.of("/var/lib/edb/" + name + "-tbs");
        BarmanHome ours = streamingHome("ours" + major, port);
        BarmanHome theirs = streamingHome("theirs" + major, port);
        List<String> copies = List.of(name + "-r1", name + "-r2");
        try {
            System.out.println("StreamingBackupIT: running against PostgreSQL "
                    + startPrimary(name, major, port, tablespace, ours, theirs));

            Proc check = ours.barman("check", "demo");
            assertEquals(0, check.exit(), check.out() + check.err());
            assertEquals(pgBaseBackupRows(theirs.barman34("check", "demo").out()), pgBaseBackupRows(check.out()));
            assertTrue(pgBaseBackupRows(check.out()).contains("\tpg_basebackup compatible: OK\n"), check.out());

            Proc backup = ours.barman("backup", "demo", "--wait").ok();
            String id = backupId(backup.out());
            assertBackupShape(backup.out(), id);
            Proc theirBackup = theirs.barman34("backup", "demo", "--wait").ok();
            String theirId = backupId(theirBackup.out());
            Lab.psql(name, "INSERT INTO rows_in_base SELECT generate_series(3001, 3010)");
            ours.barman("switch-wal", "--force", "--archive", "demo").ok();
            theirs.barman34("switch-wal", "--force", "--archive", "demo").ok();

            // The same keys and values as Barman 3.4's backup.info of the same server, but for the per-backup ones.
            Path dir = ours.root.resolve("demo/base/" + id);
            Map<String, String> info = backupInfo(dir.resolve("backup.info"));
            Map<String, String> theirInfo = backupInfo(theirs.root.resolve("demo/base/" + theirId + "/backup.info"));
            // Each catalog has every segment from its backup's begin on, the 10 rows' one included.
            assertNoGap(ours, info.get("begin_wal"));
            assertNoGap(theirs, theirInfo.get("begin_wal"));
            assertEquals(theirInfo.keySet(), info.keySet());
            for (String key : info.keySet()) {
                if (!PER_BACKUP.contains(key)) {
                    assertEquals(theirInfo.get(key), info.get(key), key);
                }
            }
            assertEquals("postgres", info.get("mode"));
            assertEquals("DONE", info.get("status"));
            String oid = Lab.psql(name, "SELECT oid FROM pg_tablespace WHERE spcname = 'tbs'");
            assertEquals("[('tbs', " + oid + ", '" + tablespace + "')]", info.get("tablespaces"));
            assertTrue(info.get("copy_stats").matches("\\{'copy_time': [0-9.]+, 'total_time': [0-9.]+}"),
                    info.get("copy_stats"));
            assertTrue(info.get("backup_label").startsWith("'START WAL LOCATION: " + info.get("begin_xlog")
                    + " (file " + info.get("begin_wal") + ")\\n"), info.get("backup_label"));
            try (Stream<Path> inTablespace = Files.list(dir.resolve(oid))) {
                assertTrue(inTablespace.anyMatch(p -> p.getFileName().toString().startsWith("PG_" + major + "_")),
                        "the tablespace is in base/<id>/<oid>, as Barman lays it out");
            }
            assertTrue(Files.exists(dir.resolve("data/backup_label")));
            try (Stream<Path> wal = Files.list(dir.resolve("data/pg_wal"))) {
                assertEquals(List.of("archive_status"), wal.map(p -> p.getFileName().toString()).toList(),
                        "no WAL in the backup: the archive has it");
            }

            // Barman 3.4 lists and shows our backup as we do.
            assertEquals(ours.barman34("list-backups", "demo").ok().out(), ours.barman("list-backups", "demo").ok().out());
            assertEquals(ours.barman34("show-backup", "demo", id).ok().out(),
                    ours.barman("show-backup", "demo", id).ok().out());
            assertEquals(theirs.barman34("show-backup", "demo", theirId).ok().out(),
                    theirs.barman("show-backup", "demo", theirId).ok().out());

            // Barman 3.4 recovers ours, we recover Barman 3.4's: both start with every row.
            Map<String, String> recovered = new java.util.HashMap<>();
            String first = copies.get(0);
            recover(() -> ours.barman34("recover", "--tablespace", "tbs:" + tbs(first), "demo", id,
                    data(first).toString()), first, major, port + 20, recovered);
            String second = copies.get(1);
            recover(() -> theirs.barman("recover", "--tablespace", "tbs:" + tbs(second), "demo", theirId,
                    data(second).toString()), second, major, port + 40, recovered);
            for (String copy : copies) {
                assertEquals("5000", Lab.psql(copy, "SELECT count(*) FROM rows_in_tbs"), copy);
                assertEquals("3010", Lab.psql(copy, "SELECT count(*) FROM rows_in_base"), copy + "\n"
                        + recovered.get(copy) + "\nlog:\n" + Proc.run("tail", "-30", "/var/lib/edb/" + copy + "/log")
                        .out());
                assertEquals(tbs(copy).toString(), Lab.psql(copy, "SELECT pg_tablespace_location(" + oid + ")"));
            }
            // pg_basebackup's manifest, renamed with the backup's id by both recoveries.
            assertTrue(Files.exists(data(first).resolve("backup_manifest." + id)), first);
            assertTrue(Files.exists(data(second).resolve("backup_manifest." + theirId)), second);
            for (String copy : copies) {
                assertFalse(Files.exists(data(copy).resolve("backup_manifest")), copy);
            }
        } finally {
            for (String copy : copies) {
                Lab.lab("pg", "destroy", copy);
                Proc.run("rm", "-rf", tbs(copy).toString()).ok();
            }
            Lab.lab("pg", "destroy", name);
            Proc.run("rm", "-rf", tablespace.toString()).ok();
            ours.delete();
            theirs.delete();
        }
    }

    /**
     * PostgreSQL 17 and pg_basebackup 15 (found in path_prefix): the check row fails as Barman 3.4's, and the
     * backup is refused with one line naming both versions, before any backup folder exists.
     */
    @Test
    void postgres17IsRefusedByAnOlderPgBaseBackup() throws Exception {
        String name = "pgbb-17";
        int port = 6417;
        BarmanHome home = streamingHome("pg17", port);
        try {
            Files.writeString(home.root.resolve("barman.d/demo.conf"),
                    Files.readString(home.root.resolve("barman.d/demo.conf"))
                            + "path_prefix = /usr/lib/postgresql/15/bin\n");
            String version = Lab.startPostgres(name, 17, "pg1-srv", port).split(" ")[0];
            Proc check = home.barman("check", "demo");
            assertEquals(1, check.exit(), check.out());
            String row = "\tpg_basebackup compatible: FAILED (PostgreSQL version: " + version
                    + ", pg_basebackup version: 15";
            assertTrue(check.out().contains(row), check.out());
            assertEquals(pgBaseBackupRows(home.barman34("check", "demo").out()), pgBaseBackupRows(check.out()));

            Proc backup = home.barman("backup", "demo");
            assertEquals(1, backup.exit(), backup.out() + backup.err());
            List<String> errors = backup.err().lines().filter(l -> l.startsWith("ERROR: ")).toList();
            assertTrue(errors.get(0).matches("ERROR: pg_basebackup 15\\.\\d+ \\(/usr/lib/postgresql/15/bin/"
                    + "pg_basebackup\\) cannot back up PostgreSQL " + version.replace(".", "\\.") + " \\(server "
                    + "demo\\): backup_method = postgres needs pg_basebackup 17 or later \\(path_prefix is searched "
                    + "before PATH\\)"), backup.err());
            assertEquals("ERROR: Impossible to start the backup. Check the log for more details, or run 'barman "
                    + "check demo'", errors.get(1));
            assertEquals(2, errors.size(), backup.err());
            try (Stream<Path> base = Files.list(home.root.resolve("demo/base"))) {
                assertEquals(List.of(), base.toList(), "no backup folder is written");
            }
            // Barman 3.4 refuses it too, with its generic line (its log, on stderr here, names the check).
            Proc theirs = home.barman34("backup", "demo");
            assertEquals(1, theirs.exit());
            assertTrue(theirs.err().lines().anyMatch(errors.get(1)::equals), theirs.err());
            assertTrue(theirs.err().contains("ERROR: Check 'pg_basebackup compatible' failed for server 'demo'"),
                    theirs.err());
        } finally {
            Lab.lab("pg", "destroy", name);
            home.delete();
        }
    }

    static BarmanHome streamingHome(String name, int port) throws IOException {
        BarmanHome home = new BarmanHome(name);
        Files.writeString(home.root.resolve("barman.d/demo.conf"), """
                [demo]
                description = "Streaming backups"
                conninfo = host=pg1-srv user=barman dbname=postgres port=%d
                streaming_conninfo = host=pg1-srv user=barman port=%d
                backup_method = postgres
                archiver = on
                immediate_checkpoint = true
                """.formatted(port, port));
        return home.ownedByBarman();
    }

    /** The rows of backup_method = postgres in a check's output. */
    static String pgBaseBackupRows(String check) {
        StringBuilder rows = new StringBuilder();
        check.lines().filter(l -> l.startsWith("\tpg_basebackup")).forEach(l -> rows.append(l).append('\n'));
        return rows.toString();
    }

    static String backupId(String out) {
        return out.lines().filter(l -> l.startsWith("Starting backup using postgres method for server demo in "))
                .findFirst().orElseThrow(() -> new AssertionError(out)).replaceAll(".*/base/(\\S+)$", "$1");
    }

    /** Barman 3.4's lines for a pg_basebackup backup, in its order. */
    static void assertBackupShape(String out, String id) {
        String[] expected = {
            "Starting backup using postgres method for server demo in .*/demo/base/" + id,
            "Backup start at LSN: [0-9A-F]+/[0-9A-F]+ \\([0-9A-F]{24}, [0-9A-F]{8}\\)",
            "Starting backup copy via pg_basebackup for " + id,
            "Copy done \\(time: .+\\)",
            "Finalising the backup\\.",
            "Backup size: [\\d.]+ [KMG]?i?B",
            "Backup end at LSN: [0-9A-F]+/[0-9A-F]+ \\([0-9A-F]{24}, [0-9A-F]{8}\\)",
            "Backup completed \\(start time: .+, elapsed time: .+\\)",
        };
        List<String> lines = out.lines().toList();
        int at = 0;
        for (String pattern : expected) {
            while (at < lines.size() && !lines.get(at).matches(pattern)) {
                at++;
            }
            assertTrue(at < lines.size(), "missing /" + pattern + "/ in:\n" + out);
            at++;
        }
    }

    private static Path data(String copy) {
        return Path.of("/var/lib/edb/" + copy + "/data");
    }

    private static Path tbs(String copy) {
        return Path.of("/var/lib/edb/" + copy + "-tbs");
    }

    /**
     * A primary archiving into both catalogs, with a tablespace and the rows the recovered copies must have (5000 in
     * the tablespace, 3000 in the base); returns its version. Two calls in one archive_command: without
     * --look-ahead 0, a call sends the files already ready with its own and marks them done, so PostgreSQL never
     * runs the other call for them (the other catalog then misses segments, and its recovery stops at the gap).
     */
    static String startPrimary(String name, int major, int port, Path tablespace, BarmanHome ours,
                               BarmanHome theirs) {
        Lab.lab("pg", "destroy", name);
        Proc.run("rm", "-rf", tablespace.toString()).ok();
        Proc.as("enterprisedb", "mkdir", "-p", tablespace.toString()).ok();
        String version = Lab.lab("pg", "start", name, String.valueOf(major), "pg1-srv", String.valueOf(port),
                "barman-wal-archive --look-ahead 0 -c " + ours.conf + " backup-srv demo %p && "
                        + "barman-wal-archive --look-ahead 0 -c " + theirs.conf + " backup-srv demo %p")
                .out().strip();
        Lab.psql(name, "CREATE TABLESPACE tbs LOCATION '" + tablespace + "'");
        Lab.psql(name, "CREATE TABLE rows_in_tbs TABLESPACE tbs AS SELECT generate_series(1, 5000) AS x");
        Lab.psql(name, "CREATE TABLE rows_in_base AS SELECT generate_series(1, 3000) AS x");
        ours.barman("switch-wal", "--force", "--archive", "demo").ok();
        theirs.barman34("switch-wal", "--force", "--archive", "demo").ok();
        return version;
    }

    /** After a recover run as the barman user into folders it owns: the cluster started on its own port. */
    private static void recover(Supplier<Proc> command, String copy, int major, int port,
                                Map<String, String> outputs) throws Exception {
        Lab.lab("pg", "destroy", copy);
        Proc.run("rm", "-rf", tbs(copy).toString()).ok();
        Proc.run("mkdir", "-p", data(copy).toString(), tbs(copy).toString()).ok();
        Proc.run("chown", "barman:", data(copy).toString(), tbs(copy).toString()).ok();
        Proc recover = command.get();
        outputs.put(copy, recover.out() + recover.err());
        assertEquals(0, recover.exit(), recover.out() + recover.err());
        assertTrue(recover.out().contains("Your PostgreSQL server has been successfully prepared for recovery!"),
                recover.out());
        Path data = data(copy);
        Path conf = data.resolve("postgresql.conf");
        Files.writeString(conf, Files.readString(conf)
                .replaceAll("(?m)^port = .*$", "port = " + port)
                .replaceAll("(?m)^unix_socket_directories = .*$", "unix_socket_directories = '/var/lib/edb/" + copy
                        + "/run'"));
        Proc.run("mkdir", "-p", data.getParent().resolve("run").toString()).ok();
        Proc.run("chown", "-R", "enterprisedb:", data.getParent().toString(), tbs(copy).toString()).ok();
        Lab.lab("pg", "start", copy, String.valueOf(major), "pg1-srv", String.valueOf(port));
        BackupIT.waitFor(() -> Lab.psql(copy, "SELECT pg_is_in_recovery()").equals("f"), copy + " to finish recovery");
    }

    /** The segments of {@code home}'s xlog.db from {@code beginWal} on follow each other, without a gap. */
    static void assertNoGap(BarmanHome home, String beginWal) throws IOException {
        String xlogDb = Files.readString(home.root.resolve("demo/wals/xlog.db"));
        List<Long> segments = xlogDb.lines().map(l -> l.split("\t")[0]).filter(n -> n.length() == 24)
                .filter(n -> n.compareTo(beginWal) >= 0).map(n -> Long.parseLong(n.substring(8), 16)).toList();
        assertTrue(segments.size() >= 2, xlogDb);
        for (int i = 1; i < segments.size(); i++) {
            assertEquals(segments.get(i - 1) + 1, segments.get(i), "a segment is missing in " + home.root + ":\n"
                    + xlogDb);
        }
    }

    static Map<String, String> backupInfo(Path file) throws IOException {
        return new TreeMap<>(BackupIT.backupInfo(file));
    }
}
