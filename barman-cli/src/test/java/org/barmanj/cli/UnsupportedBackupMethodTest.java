package org.barmanj.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Backup methods this version does not have are refused by {@code backup} and {@code check}, never run as rsync: a
 * {@code local-rsync} server without {@code ssh_command} would otherwise have a local folder of the backup host
 * copied and recorded as its backup.
 */
class UnsupportedBackupMethodTest {
    @TempDir
    Path dir;

    private CliRun barman(String serverSettings, String... args) throws IOException {
        Path conf = dir.resolve("barman.conf");
        // Port 1 on loopback: nothing listens, so the checks' PostgreSQL connection fails at once.
        Files.writeString(conf, "[barman]\nbarman_home = " + dir + "/home\nbarman_user = "
                + System.getProperty("user.name") + "\n[pg]\nconninfo = host=127.0.0.1 port=1 user=barman "
                + "dbname=postgres\narchiver = on\n" + serverSettings.replace("|", "\n") + "\n");
        return CliRun.withConfig(conf, args);
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "backup_method = local-rsync|backup_options = concurrent_backup; backup_method = local-rsync is not supported by this version (server pg): "
                    + "supported: rsync, postgres",
            "backup_method = snapshot|ssh_command = ssh postgres@127.0.0.1; backup_method = snapshot is not "
                    + "supported by this version (server pg): supported: rsync, postgres",
            "backup_method = rsync|backup_options = exclusive_backup|ssh_command = ssh postgres@127.0.0.1; "
                    + "backup_options = exclusive_backup is not supported by this version (server pg): "
                    + "supported: concurrent_backup"})
    void backupAndCheckRefuseIt(String settings, String refusal) throws IOException {
        CliRun backup = barman(settings, "backup", "pg");
        assertEquals(1, backup.exit(), backup.err());
        assertEquals("ERROR: " + refusal + "\n", backup.err());
        assertEquals("", backup.out());
        assertFalse(Files.exists(dir.resolve("home/pg/base")), "no backup folder is created");

        CliRun check = barman(settings, "check", "pg");
        assertEquals(1, check.exit(), check.out() + check.err());
        assertTrue(check.out().contains("\tbackup method: FAILED (" + refusal + ")\n"), check.out());

        CliRun nagios = barman(settings, "check", "--nagios", "pg");
        assertEquals(2, nagios.exit(), nagios.out());
        assertTrue(nagios.out().startsWith("BARMAN CRITICAL"), nagios.out());
    }

    /** Barman's validation of backup_method = postgres: rsync-only options disable the server, each named. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "reuse_backup = link; reuse_backup option is not supported by postgres backup_method",
            "network_compression = true; network_compression option is not supported by postgres backup_method",
            "tablespace_bandwidth_limit = tbs:100; tablespace_bandwidth_limit option is not supported by postgres "
                    + "backup_method"})
    void postgresMethodDisablesRsyncOnlyOptions(String setting, String problem) throws IOException {
        CliRun check = barman("backup_method = postgres|" + setting, "check", "pg");
        assertEquals(1, check.exit(), check.out() + check.err());
        assertTrue(check.out().contains("\tconfiguration: FAILED\n") || check.out().contains(problem),
                check.out());
        assertTrue(check.out().contains(problem), check.out());
        assertFalse(check.out().contains("\tssh:"), "no ssh row for backup_method = postgres: " + check.out());
        assertTrue(check.out().contains("\tpg_basebackup: "), check.out());
    }

    /** As Barman: exclusive_backup becomes concurrent_backup with a warning; parallel_jobs is warned about. */
    @org.junit.jupiter.api.Test
    void postgresMethodOverridesExclusiveBackup() throws IOException {
        CliRun list = barman("backup_method = postgres|backup_options = exclusive_backup|parallel_jobs = 4",
                "list-servers");
        assertEquals(0, list.exit(), list.err());
        assertTrue(list.err().contains("WARNING: 'exclusive_backup' is not a valid backup_option using postgres "
                + "backup_method. Overriding with 'concurrent_backup'.\n"), list.err());
        assertTrue(list.err().contains("WARNING: parallel_jobs = 4 is ignored by this version (server pg, "),
                list.err());
        CliRun check = barman("backup_method = postgres|backup_options = exclusive_backup", "check", "pg");
        assertFalse(check.out().contains("backup method: FAILED"), check.out());
    }
}
