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
}
