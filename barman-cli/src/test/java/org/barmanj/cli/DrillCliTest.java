package org.barmanj.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barman drill}'s refusals (one line, the exit code, nothing written), and the {@code restore drill} row of
 * check and {@code Last drill} of show-backup, which appear only with drill settings and a {@code drill.json}.
 * The drills themselves need PostgreSQL: DrillIT.
 */
class DrillCliTest {
    private static final String ID = RecoverTest.OLDER;

    @TempDir
    Path dir;
    Path home;
    Path conf;

    @BeforeEach
    void catalog() throws IOException {
        home = dir.resolve("home");
        Path folder = home.resolve("demo/base/" + ID);
        Files.createDirectories(folder.resolve("data"));
        Files.writeString(folder.resolve("backup.info"), RecoverTest.backupInfo());
        Path wals = home.resolve("demo/wals");
        Files.createDirectories(wals.resolve("0000000100000000"));
        Files.writeString(wals.resolve("0000000100000000/000000010000000000000002"), "a WAL file");
        Files.writeString(wals.resolve("xlog.db"), "000000010000000000000002\t10\t1893456000.5\tNone\n");
        conf = dir.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + home + "\nbarman_user = "
                + System.getProperty("user.name") + "\n[demo]\nssh_command = ssh enterprisedb@pg1-srv\n"
                + "conninfo = host=127.0.0.1 user=barman dbname=postgres port=1\nbackup_options = concurrent_backup\n"
                + "archiver = on\n");
    }

    private void drillFile(String text) throws IOException {
        Files.writeString(Path.of(conf + ".drill"), text);
    }

    @Test
    void refusals() throws IOException {
        CliRun standby = CliRun.withConfig(conf, "drill", "--standby-mode", "demo");
        assertEquals(2, standby.exit(), standby.err());
        assertTrue(standby.err().startsWith("ERROR: barman drill: --standby-mode is not allowed"), standby.err());

        CliRun unknown = CliRun.withConfig(conf, "drill", "demo", "20000101T000000");
        assertEquals(1, unknown.exit(), unknown.err());
        assertEquals("ERROR: Unknown backup '20000101T000000' for server 'demo'\n", unknown.err());

        drillFile("[demo]\ndrill_maximum_age = 7 fortnights\n");
        CliRun bad = CliRun.withConfig(conf, "drill", "demo");
        assertEquals(1, bad.exit(), bad.err());
        assertEquals("ERROR: Invalid value '7 fortnights' for drill_maximum_age in [demo] section (" + conf
                + ".drill line 2): allowed: N {hour|day|week|month}[s], e.g. '1 week'\n", bad.err());

        drillFile("[demo]\ndrill_bin_path = " + dir + "\ndrill_colour = blue\n");
        CliRun noBin = CliRun.withConfig(conf, "drill", "demo");
        assertEquals(1, noBin.exit(), noBin.err());
        assertTrue(noBin.err().startsWith("WARNING: Invalid configuration option \"drill_colour\" in [demo] section ("
                + conf + ".drill line 3): not a drill option\nERROR: No PostgreSQL 15 binaries found for the drill"),
                noBin.err());
        assertFalse(Files.exists(home.resolve("demo/drill")), "nothing made");
        assertFalse(Files.exists(home.resolve("demo/base/" + ID + "/drill.json")));
    }

    @Test
    void checkRowAndShowBackupLineOnlyWithDrills() throws IOException {
        CliRun plain = CliRun.withConfig(conf, "check", "demo");
        assertFalse(plain.out().contains("restore drill"), plain.out());
        String show = CliRun.withConfig(conf, "show-backup", "demo", ID).out();
        assertFalse(show.contains("Last drill"), show);

        drillFile("[demo]\ndrill_maximum_age = 1 day\n");
        CliRun none = CliRun.withConfig(conf, "check", "demo");
        assertTrue(none.out().endsWith("\trestore drill: FAILED (no drill recorded)\n"), none.out());

        String ended = OffsetDateTime.now(ZoneOffset.UTC).minusHours(2).toString();
        Files.writeString(home.resolve("demo/base/" + ID + "/drill.json"), """
                {"server": "demo", "backup_id": "%s", "started": "%s", "ended": "%s", "postgres_version": "15.18",
                 "target": "end of the archived WAL",
                 "checks": [{"name": "restore", "result": "OK", "method": null, "detail": "copied"}],
                 "figures": {"total_seconds": 12.5}}
                """.formatted(ID, ended, ended));
        CliRun ok = CliRun.withConfig(conf, "check", "demo");
        assertTrue(ok.out().matches("(?s).*\trestore drill: OK \\(last drill of " + ID
                + " 2 hours(, \\d+ seconds?)? ago, total 12 seconds\\)\n"), ok.out());
        assertTrue(CliRun.withConfig(conf, "show-backup", "demo", ID).out()
                .contains("    Last drill           : OK, "), "show-backup");

        drillFile("[demo]\ndrill_maximum_age = 1 hour\n");
        CliRun old = CliRun.withConfig(conf, "check", "demo");
        assertTrue(old.out().matches("(?s).*\trestore drill: FAILED \\(too old: last drill of " + ID
                + " 2 hours(, \\d+ seconds?)? ago, maximum 1 hour\\)\n"), old.out());
        CliRun nagios = CliRun.withConfig(conf, "check", "--nagios", "demo");
        assertEquals(2, nagios.exit(), nagios.out());
        assertTrue(nagios.out().contains("demo.restore drill: FAILED (too old"), nagios.out());
    }

    @Test
    void forecastFromTheRecordedDrill() throws IOException {
        CliRun none = CliRun.withConfig(conf, "drill", "--forecast", "demo");
        assertEquals(1, none.exit(), none.err());
        assertEquals("ERROR: No forecast for server demo: no drill has restored and started a backup yet (run "
                + "'barman drill demo')\n", none.err());
        CliRun withId = CliRun.withConfig(conf, "drill", "--forecast", "demo", ID);
        assertEquals(2, withId.exit(), withId.err());
        assertTrue(withId.err().startsWith("ERROR: barman drill: --forecast takes only SERVER_NAME"), withId.err());

        // 3 segments after the backup's end (000000010000000000000002), stored compressed at 1 MiB each
        Path wals = home.resolve("demo/wals/0000000100000000");
        StringBuilder xlog = new StringBuilder("000000010000000000000002\t10\t1893456000.5\tNone\n");
        for (int i = 3; i <= 5; i++) {
            String name = "00000001000000000000000" + i;
            Files.writeString(wals.resolve(name), "a WAL file");
            xlog.append(name).append("\t1048576\t1893456001.5\tgzip\n");
        }
        Files.writeString(home.resolve("demo/wals/xlog.db"), xlog.toString());
        // restore: 16 MiB + 16 MiB written in 2 s; redo of 64 MiB in 2 s; accepts connections after 2.5 s
        String ended = OffsetDateTime.now(ZoneOffset.UTC).toString();
        Files.writeString(home.resolve("demo/base/" + ID + "/drill.json"), """
                {"server": "demo", "backup_id": "%s", "started": "%s", "ended": "%s", "postgres_version": "15.18",
                 "target": "end of the archived WAL",
                 "checks": [{"name": "restore", "result": "OK", "method": null, "detail": "copied"}],
                 "figures": {"copy_seconds": 2.0, "wal_replay_seconds": 0.1, "accept_connections_seconds": 2.5,
                 "total_seconds": 12.5, "bytes_copied": 16777216, "wal_segments": 1, "wal_bytes": 16777216,
                 "redo_bytes": 67108864, "redo_seconds": 2.0}}
                """.formatted(ID, ended, ended));
        CliRun f = CliRun.withConfig(conf, "drill", "--forecast", "demo");
        assertEquals(0, f.exit(), f.err());
        String[] lines = f.out().split("\n");
        assertEquals(5, lines.length, f.out());
        assertTrue(lines[0].startsWith("Forecast: restore of backup " + ID + " of server demo and the WAL archived "
                + "since (rates of the drill of " + ID + " at "), lines[0]);
        // 1024 B of base backup + 4 segments of 16 MiB at 16 MiB/s
        assertEquals("\tcopy: 4.0 s (64.0 MiB: base backup 1.0 KiB + 4 WAL segments uncompressed 64.0 MiB, 3 of "
                + "them after the backup's end, 3.0 MiB as stored; at 16.0 MiB/s)", lines[1]);
        assertTrue(lines[2].startsWith("\tWAL replay: 2.0 s (64.0 MiB at 32.0 MiB/s, the redo rate of the drill of "
                + ID), lines[2]);
        assertEquals("\tstart: 0.5 s (to accept connections, without the redo)", lines[3]);
        assertEquals("\ttotal: 6.5 s", lines[4]);

        CliRun json = CliRun.withConfig(conf, "-f", "json", "drill", "--forecast", "demo");
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().contains("\"total_seconds\": 6.5"), json.out());
        assertTrue(json.out().contains("\"wal_segments_after_backup\": 3"), json.out());
    }
}
