package org.barmanj.cli;

import org.junit.jupiter.api.Test;
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
 * Settings Barman accepts that this version does not implement are refused by the work that would use them, with
 * one line naming the option, the value, the server and what is supported, and by a failing {@code check} row with
 * the same line; settings that only tune speed are ignored with a warning naming where they are set. (Backup methods
 * and exclusive backups: {@link UnsupportedBackupMethodTest}.) No PostgreSQL is needed: each refusal comes first.
 */
class UnsupportedSettingsTest {
    private static final String WAL = "000000010000000000000002";

    @TempDir
    Path dir;

    private Path conf(String serverSettings) throws IOException {
        Path conf = dir.resolve("barman.conf");
        // Port 1 on loopback: nothing listens, so the checks' PostgreSQL connection fails at once.
        Files.writeString(conf, "[barman]\nbarman_home = " + dir + "/home\nbarman_user = "
                + System.getProperty("user.name") + "\n[pg]\nconninfo = host=127.0.0.1 port=1 user=barman "
                + "dbname=postgres\nssh_command = ssh postgres@127.0.0.1\nbackup_options = concurrent_backup\n"
                + "archiver = on\n"
                + serverSettings.replace("|", "\n") + "\n");
        return conf;
    }

    private CliRun barman(String serverSettings, String... args) throws IOException {
        return CliRun.withConfig(conf(serverSettings), args);
    }

    /** A WAL file waiting in incoming/, as put-wal leaves it. */
    private Path incomingWal() throws IOException {
        Path incoming = dir.resolve("home/pg/incoming");
        Files.createDirectories(incoming);
        Path wal = incoming.resolve(WAL);
        Files.write(wal, new byte[16 << 20]);
        return wal;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "autogenerate_manifest = true; autogenerate_manifest; autogenerate_manifest = true is not supported by "
                    + "this version (server pg): supported: false",
            "primary_conninfo = host=pg2 user=barman; primary_conninfo; primary_conninfo = host=pg2 user=barman is "
                    + "not supported by this version (server pg): supported: unset (backups from a standby are not "
                    + "implemented)",
            "wal_conninfo = host=pg2 user=barman; wal_conninfo; wal_conninfo = host=pg2 user=barman is not "
                    + "supported by this version (server pg): supported: unset (WAL switches and archiving checks "
                    + "use conninfo)",
            "primary_ssh_command = ssh barman@primary; primary_ssh_command; primary_ssh_command = ssh "
                    + "barman@primary is not supported by this version (server pg): supported: unset (passive nodes "
                    + "and their sync-info, sync-backup and sync-wals are not implemented)",
            "compression = snappy; compression settings; compression = snappy is not supported by this version "
                    + "(server pg): supported: gzip, pygzip, pigz, bzip2, pybzip2, xz, zstd, lz4, none",
            "compression = custom|custom_compression_filter = snzip; compression settings; compression = custom is "
                    + "not supported by this version (server pg): supported: gzip, pygzip, pigz, bzip2, pybzip2, xz, "
                    + "zstd, lz4, none",
            "encryption = gpg|encryption_key_id = barman@example; encryption; encryption = gpg is not supported by "
                    + "this version (server pg): supported: none",
            "worm_mode = on; worm_mode; worm_mode = on is not supported by this version (server pg): supported: off"})
    void backupAndCheckRefuseIt(String settings, String checkRow, String refusal) throws IOException {
        CliRun backup = barman(settings, "backup", "pg");
        assertEquals(1, backup.exit(), backup.err());
        assertEquals("ERROR: " + refusal + "\n", backup.err());
        assertEquals("", backup.out());
        assertFalse(Files.exists(dir.resolve("home/pg/base")), "no backup folder is created");

        CliRun check = barman(settings, "check", "pg");
        assertEquals(1, check.exit(), check.out() + check.err());
        assertTrue(check.out().contains("\t" + checkRow + ": FAILED (" + refusal + ")\n"), check.out());

        CliRun nagios = barman(settings, "check", "--nagios", "pg");
        assertEquals(2, nagios.exit(), nagios.out());
        assertTrue(nagios.out().startsWith("BARMAN CRITICAL"), nagios.out());
    }

    /**
     * backup_compression with backup_method = rsync disables the server as Barman 3.4 does: its line on every
     * command, check's configuration row.
     */
    @Test
    void backupCompressionDisablesAnRsyncServer() throws IOException {
        String line = "backup_compression option is not supported by rsync backup_method";
        CliRun backup = barman("backup_compression = gzip", "backup", "pg");
        assertEquals(new CliRun(1, "", "ERROR: " + line + "\n"), backup);
        assertEquals(new CliRun(1, "", "ERROR: " + line + "\n"), barman("backup_compression = gzip", "list-backups",
                "pg"));
        CliRun check = barman("backup_compression = gzip", "check", "pg");
        assertTrue(check.out().startsWith("Server pg (WARNING: disabled):\n"), check.out());
        assertTrue(check.out().contains("\tconfiguration: FAILED\n\t\t" + line + "\n"), check.out());
    }

    /**
     * Archiving with a compression, an encryption or the immutable storage this version does not have is refused:
     * the WAL files stay in incoming/ (archiving them plainly would be doing something else than asked), xlog.db is
     * not written.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "compression = snappy; compression = snappy is not supported by this version (server pg): supported: "
                    + "gzip, pygzip, pigz, bzip2, pybzip2, xz, zstd, lz4, none",
            "compression = custom; compression = custom is not supported by this version (server pg): supported: "
                    + "gzip, pygzip, pigz, bzip2, pybzip2, xz, zstd, lz4, none",
            "encryption = gpg; encryption = gpg is not supported by this version (server pg): supported: none",
            "worm_mode = on; worm_mode = on is not supported by this version (server pg): supported: off"})
    void archiveWalRefusesIt(String settings, String refusal) throws IOException {
        Path wal = incomingWal();
        CliRun archive = barman(settings, "archive-wal", "pg");
        assertEquals(1, archive.exit(), archive.out() + archive.err());
        assertEquals("ERROR: " + refusal + "\n", archive.err());
        assertEquals("", archive.out());
        assertTrue(Files.exists(wal), "the WAL file waits in incoming/");
        assertFalse(Files.exists(dir.resolve("home/pg/wals/xlog.db")), "nothing is catalogued");
        // The same setting on a supported value archives it.
        CliRun gzip = barman("compression = gzip", "archive-wal", "pg");
        assertEquals(0, gzip.exit(), gzip.out() + gzip.err());
        assertFalse(Files.exists(wal));
        assertTrue(Files.readString(dir.resolve("home/pg/wals/xlog.db")).startsWith(WAL + "\t"));
    }

    /** Settings that only tune speed: one warning each, naming where they are set; the commands work. */
    @Test
    void tuningSettingsThisVersionIgnoresAreWarnedAbout() throws IOException {
        Path conf = conf("compression = gzip|compression_level = high|parallel_jobs_start_batch_size = 5"
                + "|path_prefix = /usr/lib/postgresql/15/bin");
        CliRun list = CliRun.withConfig(conf, "list-servers");
        assertEquals(0, list.exit(), list.err());
        assertEquals("pg\n", list.out());
        assertEquals("WARNING: compression_level = high is ignored by this version (server pg, " + conf + " line 10): "
                + "each compressor runs at its default level\n"
                + "WARNING: parallel_jobs_start_batch_size = 5 is ignored by this version (server pg, " + conf
                + " line 11): all parallel_jobs rsync workers start at once\n"
                + "WARNING: path_prefix = /usr/lib/postgresql/15/bin is ignored by this version (server pg, " + conf
                + " line 12): rsync, ssh and the compressors are found through PATH (only hook scripts and "
                + "pg_basebackup are searched in it before PATH)\n", list.err());
        Path wal = incomingWal();
        CliRun archive = CliRun.withConfig(conf, "archive-wal", "pg");
        assertEquals(0, archive.exit(), archive.err());
        assertFalse(Files.exists(wal), "archived");
    }

    /**
     * A Barman 3.17 configuration model is not a server: taken as one, its settings would be checked and backed up
     * on their own. Its section is ignored with one line; {@code model = false} is a server like any other.
     */
    @Test
    void modelSectionsAreIgnoredWithOneLine() throws IOException {
        Path conf = conf("[pg-model]|model = true|cluster = pg|conninfo = host=pg2 user=barman|ssh_command = ssh pg2"
                + "|[plain]|model = false|conninfo = host=pg3|ssh_command = ssh pg3|backup_options = concurrent_backup"
                + "|archiver = on");
        CliRun list = CliRun.withConfig(conf, "list-servers");
        assertEquals(0, list.exit(), list.err());
        assertEquals("pg\nplain\n", list.out());
        assertEquals("WARNING: Ignoring section [pg-model] (" + conf + " line 10): model = true is not supported by "
                + "this version: supported: server sections (model = false or unset)\n", list.err());
        CliRun check = CliRun.withConfig(conf, "check", "pg-model");
        assertEquals(1, check.exit(), check.out() + check.err());
        assertTrue(check.err().endsWith("ERROR: Unknown server 'pg-model'\n"), check.err());
    }

    /** status lists what this version refuses, so that no row reads as if it were in effect. */
    @Test
    void statusNamesTheSettingsThisVersionRefuses() throws IOException {
        CliRun status = barman("worm_mode = on|recovery_options = delta-restore", "status", "pg");
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().endsWith("\tSettings not supported by this version: worm_mode = on is not supported "
                + "by this version (server pg): supported: off; recovery_options = delta-restore is not supported by "
                + "this version (server pg): supported: get-wal\n"), status.out());
        CliRun plain = barman("", "status", "pg");
        assertFalse(plain.out().contains("not supported"), plain.out());
    }

    /** A passive node's status is Barman's: no PostgreSQL rows (the primary's), the primary's ssh command. */
    @Test
    void statusOfAPassiveNodeShowsThePrimarysSshCommand() throws IOException {
        CliRun status = barman("primary_ssh_command = ssh barman@primary", "status", "pg");
        assertEquals(0, status.exit(), status.err());
        assertFalse(status.out().contains("PostgreSQL version"), status.out());
        assertTrue(status.out().contains("\tPassive node: True\n"), status.out());
        assertTrue(status.out().contains("\tSSH command to primary server: ssh barman@primary\n"), status.out());
    }
}
