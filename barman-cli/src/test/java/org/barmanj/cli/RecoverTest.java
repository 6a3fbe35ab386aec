package org.barmanj.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Local {@code barman recover} over a small catalog: backup {@link #OLDER} is complete and restorable (its data
 * folder, its WAL file archived and catalogued; begin and end times in 2020). The refusals that must come before
 * the destination is touched, and the target times Barman 3.4 reads.
 */
class RecoverTest {
    static final String OLDER = "20300101T000000";
    static final String NEWER = "20300102T000000";

    @TempDir
    Path dir;
    Path conf;
    Path home;
    Path destination;

    @BeforeEach
    void catalog() throws IOException {
        home = dir.resolve("home");
        conf = dir.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + home + "\nbarman_user = "
                + System.getProperty("user.name") + "\n[demo]\nssh_command = ssh enterprisedb@pg1-srv\n"
                + "conninfo = host=127.0.0.1 user=barman dbname=postgres port=1\nbackup_method = rsync\n"
                + "backup_options = concurrent_backup\narchiver = on\n");
        writeBackup(OLDER, backupInfo());
        Path data = home.resolve("demo/base/" + OLDER + "/data");
        Files.createDirectories(data.resolve("base/1"));
        Files.writeString(data.resolve("PG_VERSION"), "15\n");
        Files.writeString(data.resolve("postgresql.conf"), "port = 5432\n");
        Files.writeString(data.resolve("base/1/1259"), "a relation");
        Path wals = home.resolve("demo/wals");
        Files.createDirectories(wals.resolve("0000000100000000"));
        Files.writeString(wals.resolve("0000000100000000/000000010000000000000002"), "a WAL file");
        Files.writeString(wals.resolve("xlog.db"), "000000010000000000000002\t10\t1893456000.5\tNone\n");
        destination = dir.resolve("pgdata");
        Files.createDirectories(destination.resolve("base/1"));
        Files.writeString(destination.resolve("PG_VERSION"), "15\n");
        Files.writeString(destination.resolve("base/1/1259"), "the destination's own relation");
        Files.writeString(destination.resolve("only-in-destination"), "not in any backup");
    }

    static String backupInfo() {
        return """
                backup_label=None
                begin_offset=40
                begin_time=2020-01-01 00:00:00.000000+00:00
                begin_wal=000000010000000000000002
                begin_xlog=0/2000028
                compression=None
                config_file=/var/lib/edb/pg1/data/postgresql.conf
                end_offset=256
                end_time=2020-01-01 00:00:01.000000+00:00
                end_wal=000000010000000000000002
                end_xlog=0/2000100
                error=None
                hba_file=/var/lib/edb/pg1/data/pg_hba.conf
                ident_file=/var/lib/edb/pg1/data/pg_ident.conf
                mode=rsync-concurrent
                pgdata=/var/lib/edb/pg1/data
                server_name=demo
                size=1024
                status=DONE
                systemid=7711878765630343774
                tablespaces=None
                timeline=1
                version=150018
                xlog_segment_size=16777216
                """;
    }

    void writeBackup(String id, String info) throws IOException {
        Path folder = home.resolve("demo/base/" + id);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("backup.info"), info);
    }

    CliRun barman(String... args) {
        return CliRun.withConfig(conf, args);
    }

    /** Every file and folder under {@code root}: its content (folders: empty) and modification time. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String content = Files.isRegularFile(p) ? Files.readString(p) : "";
                state.put(root.relativize(p).toString(), content + " @" + Files.getLastModifiedTime(p));
            }
        }
        return state;
    }

    /**
     * The newest backup.info is corrupt: 'latest' may be it, so the older backup is not restored in its stead
     * (Barman 3.4 stops every command of the server with an EXCEPTION on a corrupt backup.info).
     */
    @Test
    void latestWithACorruptNewestBackupInfoIsRefused() throws IOException {
        writeBackup(NEWER, backupInfo().replace("status=DONE\n", "status=DONE\ngarbage\n"));
        Path newerInfo = home.resolve("demo/base/" + NEWER + "/backup.info");
        Map<String, String> before = snapshot(destination);
        for (String alias : new String[] {"latest", "last"}) {
            CliRun run = barman("recover", "demo", alias, destination.toString());
            assertEquals(1, run.exit(), run.out() + run.err());
            assertEquals("", run.out());
            assertEquals("ERROR: Cannot tell which backup is '" + alias + "' for server 'demo': corrupt backup.info "
                    + newerInfo + " line 20: 'garbage' is not a key=value line; give the backup ID instead\n",
                    run.err());
            assertEquals(before, snapshot(destination), "the destination is untouched");
        }
        // By its id, the older backup is what the user asks for: restored, the corrupt one warned about.
        CliRun byId = barman("recover", "demo", OLDER, destination.toString());
        assertEquals(0, byId.exit(), byId.out() + byId.err());
        assertEquals("WARNING: corrupt backup.info " + newerInfo + " line 20: 'garbage' is not a key=value line\n",
                byId.err());
        assertEquals("Your PostgreSQL server has been successfully prepared for recovery!",
                byId.out().lines().reduce((a, b) -> b).orElse(""));
        CliRun corrupt = barman("recover", "demo", NEWER, destination.toString());
        assertEquals(1, corrupt.exit(), corrupt.out() + corrupt.err());
        assertEquals("ERROR: corrupt backup.info " + newerInfo + " line 20: 'garbage' is not a key=value line\n",
                corrupt.err());
    }

    /** Likewise 'oldest' with a corrupt older backup.info, and 'last-failed' with a corrupt newer one. */
    @Test
    void oldestAndLastFailedPastACorruptBackupInfoAreRefused() throws IOException {
        String oldest = "20291231T000000";
        writeBackup(oldest, "status=DONE\ngarbage\n");
        Path oldestInfo = home.resolve("demo/base/" + oldest + "/backup.info");
        Map<String, String> before = snapshot(destination);
        CliRun run = barman("recover", "demo", "oldest", destination.toString());
        assertEquals(1, run.exit(), run.out() + run.err());
        String problem = "corrupt backup.info " + oldestInfo + " line 2: 'garbage' is not a key=value line";
        assertEquals("ERROR: Cannot tell which backup is 'oldest' for server 'demo': " + problem
                + "; give the backup ID instead\n", run.err());
        CliRun failed = barman("show-backup", "demo", "last-failed");
        assertEquals(1, failed.exit(), failed.out() + failed.err());
        assertEquals("ERROR: Cannot tell which backup is 'last-failed' for server 'demo': " + problem
                + "; give the backup ID instead\n", failed.err());
        assertEquals(before, snapshot(destination), "the destination is untouched");
        // A corrupt backup.info older than the one 'latest' picks does not stand in its way.
        CliRun latest = barman("show-backup", "demo", "latest");
        assertEquals(0, latest.exit(), latest.out() + latest.err());
        assertEquals("Backup " + OLDER + ":", latest.out().lines().findFirst().orElse(""));
    }

    /**
     * A postmaster.pid naming a live process called postgres (here a copy of sleep under that name; RecoveryIT
     * runs this against real PostgreSQL servers): refused before the destination is touched. Naming a live
     * process of another program (a pid reused after a crash), the file is stale: the recover goes on and
     * deletes it, as Barman does.
     */
    @Test
    void aDestinationWhosePostmasterPidNamesARunningPostgresIsRefused() throws Exception {
        Path postgres = dir.resolve("bin/postgres");
        Files.createDirectories(postgres.getParent());
        Files.copy(Path.of("/bin/sleep"), postgres);
        Process live = new ProcessBuilder(postgres.toString(), "60").start();
        try {
            Files.writeString(destination.resolve("postmaster.pid"), live.pid() + "\n" + destination + "\n");
            Map<String, String> before = snapshot(destination);
            CliRun run = barman("recover", "demo", OLDER, destination.toString());
            assertEquals(1, run.exit(), run.out() + run.err());
            assertEquals("Starting local restore for server demo using backup " + OLDER + "\nDestination directory: "
                    + destination + "\n", run.out());
            assertEquals("ERROR: The destination directory " + destination + " is the data directory of a running "
                    + "PostgreSQL server: its postmaster.pid names process " + live.pid() + " (postgres); stop that "
                    + "server, or recover into another directory\n", run.err());
            assertEquals(before, snapshot(destination), "the destination is untouched");
        } finally {
            live.destroy();
            live.waitFor();
        }
        Files.writeString(destination.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n");
        CliRun stale = barman("recover", "demo", OLDER, destination.toString());
        assertEquals(0, stale.exit(), stale.out() + stale.err());
        assertEquals("Your PostgreSQL server has been successfully prepared for recovery!",
                stale.out().lines().reduce((a, b) -> b).orElse(""));
        assertFalse(Files.exists(destination.resolve("postmaster.pid")), "a stale postmaster.pid is deleted");
        assertFalse(Files.exists(destination.resolve("only-in-destination")));
        assertEquals("a relation", Files.readString(destination.resolve("base/1/1259")));
    }

    /**
     * The issue's three forms, which the build before refused. Expected: what Debian's Barman 3.4
     * (/usr/bin/barman) printed and wrote, run with TZ=Europe/Rome over this same catalog: the time as read in
     * the PITR line (a time without zone in this host's zone), the text as given in postgresql.auto.conf.
     */
    @Test
    void targetTimesBarman34Reads() throws IOException {
        String[][] cases = {
            {"2030-01-01", "2030-01-01 00:00:00+01:00"},
            {"20300101T100000", "2030-01-01 10:00:00+01:00"},
            {"2030-01-01 10:00:00 UTC", "2030-01-01 10:00:00+00:00"},
        };
        TimeZone zone = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("Europe/Rome"));
        try {
            for (String[] c : cases) {
                deleteTree(destination);
                CliRun run = barman("recover", "--target-time", c[0], "demo", "latest", destination.toString());
                assertEquals(0, run.exit(), run.out() + run.err());
                assertEquals("", run.err());
                assertEquals(List.of("Starting local restore for server demo using backup " + OLDER,
                        "Destination directory: " + destination, "Doing PITR. Recovery target time: '" + c[1] + "'",
                        "Copying the base backup.", "Copying required WAL segments.",
                        "Generating recovery configuration", "Identify dangerous settings in destination directory."),
                        run.out().lines().limit(7).toList());
                assertEquals(List.of("restore_command = 'cp barman_wal/%f %p'",
                        "recovery_end_command = 'rm -fr barman_wal'", "recovery_target_time = '" + c[0] + "'"),
                        Files.readAllLines(destination.resolve("postgresql.auto.conf")));
            }
        } finally {
            TimeZone.setDefault(zone);
        }
        CliRun bad = barman("recover", "--target-time", "2030-01-01 10am", "demo", "latest", destination.toString());
        assertEquals(1, bad.exit());
        assertEquals("ERROR: Unable to parse the target time parameter '2030-01-01 10am': expected "
                + "YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][ ZONE] or YYYYMMDD[THHMMSS][ZONE], ZONE being Z, UTC, GMT, +HH, "
                + "+HHMM or +HH:MM (none: this host's time zone)\n", bad.err());
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
