package org.barmanj.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code recover} refuses, before the destination is touched, what it cannot restore correctly: a setting this
 * version does not implement, a backup that a newer Barman (or Barman's postgres method) wrote into a shared catalog
 * in a form that is not a plain copy of the files, and WAL files stored in a compression or encryption it cannot
 * read. Each with its one line and exit code 1; the same catalog without them is restored (the last test).
 */
class RecoverRefusalsTest {
    private static final String ID = RecoverTest.OLDER;
    private static final String WAL = "000000010000000000000002";

    @TempDir
    Path dir;
    Path home;
    Path destination;

    @BeforeEach
    void catalog() throws IOException {
        home = dir.resolve("home");
        writeBackup(RecoverTest.backupInfo());
        Path data = home.resolve("demo/base/" + ID + "/data");
        Files.createDirectories(data.resolve("base/1"));
        Files.writeString(data.resolve("PG_VERSION"), "15\n");
        Files.writeString(data.resolve("base/1/1259"), "a relation");
        Path wals = home.resolve("demo/wals");
        Files.createDirectories(wals.resolve("0000000100000000"));
        Files.writeString(wals.resolve("0000000100000000/" + WAL), "a WAL file");
        Files.writeString(wals.resolve("xlog.db"), WAL + "\t10\t1893456000.5\tNone\n");
        destination = dir.resolve("pgdata");
        Files.createDirectories(destination);
        Files.writeString(destination.resolve("PG_VERSION"), "15\n");
    }

    private void writeBackup(String info) throws IOException {
        Path folder = home.resolve("demo/base/" + ID);
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("backup.info"), info);
    }

    private CliRun recover(String serverSettings) throws IOException {
        return CliRun.withConfig(conf(serverSettings), "recover", "demo", ID, destination.toString());
    }

    private Path conf(String serverSettings) throws IOException {
        Path conf = dir.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + home + "\nbarman_user = "
                + System.getProperty("user.name") + "\n[demo]\nssh_command = ssh enterprisedb@pg1-srv\n"
                + "conninfo = host=127.0.0.1 user=barman dbname=postgres port=1\nbackup_options = concurrent_backup\n"
                + "archiver = on\n" + serverSettings.replace("|", "\n") + "\n");
        return conf;
    }

    private void assertRefused(CliRun run, String refusal, Map<String, String> before) throws IOException {
        assertEquals(1, run.exit(), run.out() + run.err());
        assertEquals("", run.out());
        assertEquals("ERROR: " + refusal + "\n", run.err());
        assertEquals(before, RecoverTest.snapshot(destination), "the destination is untouched");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "recovery_options = delta-restore; recovery_options = delta-restore is not supported by this version "
                    + "(server demo): supported: get-wal",
            "recovery_options = get-wal,delta-restore; recovery_options = delta-restore is not supported by this "
                    + "version (server demo): supported: get-wal",
            "compression = snappy; compression = snappy is not supported by this version (server demo): "
                    + "supported: gzip, pygzip, pigz, bzip2, pybzip2, xz, zstd, lz4, none"})
    void settingsThisVersionDoesNotImplement(String settings, String refusal) throws IOException {
        Map<String, String> before = RecoverTest.snapshot(destination);
        assertRefused(recover(settings), refusal, before);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', quoteCharacter = '"', value = {
            "parent_backup_id=20291231T000000; parent_backup_id = 20291231T000000 (an incremental backup)",
            "compression=snappy; compression = snappy (a compressed backup)",
            "encryption=gpg; encryption = gpg (an encrypted backup)",
            "snapshots_info={'provider': 'gcp', 'snapshots': []}; snapshots_info set (a snapshot backup)"})
    void backupsThisVersionCannotRestore(String line, String what) throws IOException {
        String key = line.substring(0, line.indexOf('='));
        String info = RecoverTest.backupInfo();
        // A key Barman 3.4 has too (compression) is replaced; keys stay sorted, as Barman writes them.
        info = info.contains(key + "=") ? info.replaceAll("(?m)^" + key + "=.*$", line) : info + line + "\n";
        writeBackup(sorted(info));
        Map<String, String> before = RecoverTest.snapshot(destination);
        assertRefused(recover(""), "Cannot recover from backup '" + ID + "' of server 'demo': " + what
                + " is not supported by this version: supported: full backups, plain or compressed with gzip, lz4 or "
                + "zstd, without encryption or snapshots", before);
    }

    /** A compressed backup needs a staging folder on the recovery host, an absolute path: Barman 3.4's lines. */
    @Test
    void aCompressedBackupNeedsAStagingPath() throws IOException {
        writeBackup(sorted(RecoverTest.backupInfo().replaceAll("(?m)^compression=.*$", "compression=lz4")));
        Map<String, String> before = RecoverTest.snapshot(destination);
        assertRefused(recover(""), "Cannot recover from backup '" + ID + "' of server 'demo': backup is compressed "
                + "with lz4 compression but no recovery staging path is provided. Either set recovery_staging_path "
                + "in the Barman config or use the --recovery-staging-path argument.", before);
        assertRefused(CliRun.withConfig(conf(""), "recover", "--recovery-staging-path", "stage", "demo", ID,
                destination.toString()), "Cannot parse recovery staging path: Invalid value : 'stage' (must be an "
                + "absolute path)", before);
    }

    /** check-backup shares the rule: the backup.info is left as it is. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "parent_backup_id=20291231T000000; parent_backup_id = 20291231T000000 (an incremental backup)",
            "encryption=gpg; encryption = gpg (an encrypted backup)"})
    void checkBackupRefusesThemToo(String line, String what) throws IOException {
        String info = sorted(RecoverTest.backupInfo().replace("status=DONE", "status=WAITING_FOR_WALS") + line + "\n");
        writeBackup(info);
        CliRun run = CliRun.withConfig(conf(""), "check-backup", "demo", ID);
        assertEquals(new CliRun(1, "", "ERROR: Cannot check backup '" + ID + "' of server 'demo': " + what
                + " is not supported by this version: supported: full backups, plain or compressed with gzip, lz4 or "
                + "zstd, without encryption or snapshots\n"), run);
        assertEquals(info, Files.readString(home.resolve("demo/base/" + ID + "/backup.info")));
    }

    private static String sorted(String info) {
        return String.join("\n", info.lines().sorted().toList()) + "\n";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            WAL + "\t10\t1893456000.5\tsnappy; compression = snappy, which is not supported by this version: "
                    + "supported: gzip, pygzip, pigz, bzip2, pybzip2, xz, zstd, lz4, none",
            WAL + "\t10\t1893456000.5\tcustom; compression = custom, which is not supported by this version: "
                    + "supported: gzip, pygzip, pigz, bzip2, pybzip2, xz, zstd, lz4, none",
            WAL + "\t10\t1893456000.5\tNone\tgpg; encryption = gpg, which is not supported by this version: "
                    + "supported: none"})
    void walFilesThisVersionCannotRead(String xlogLine, String what) throws IOException {
        Files.writeString(home.resolve("demo/wals/xlog.db"), xlogLine + "\n");
        Map<String, String> before = RecoverTest.snapshot(destination);
        assertRefused(recover(""), "The WAL file " + WAL + " of server demo is stored with " + what, before);
    }

    @Test
    void withoutThemTheBackupIsRestored() throws IOException {
        CliRun run = recover("recovery_options = get-wal");
        assertEquals(0, run.exit(), run.out() + run.err());
        assertEquals("Your PostgreSQL server has been successfully prepared for recovery!",
                run.out().lines().reduce((a, b) -> b).orElse(""));
        assertEquals("a relation", Files.readString(destination.resolve("base/1/1259")));
    }
}
