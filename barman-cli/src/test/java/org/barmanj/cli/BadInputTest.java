package org.barmanj.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each kind of bad input: a one-line message naming what is wrong, Barman's exit code, other servers unharmed. */
class BadInputTest {
    static final String DEMO = """
            [demo]
            description =  "Example of Advanced Server (via Ssh)"
            ssh_command = ssh enterprisedb@pg1-srv
            conninfo = host=pg1-srv user=barman dbname=postgres
            backup_method = rsync
            backup_options = concurrent_backup
            reuse_backup = link
            archiver = on
            """;

    @TempDir
    Path dir;
    Path conf;

    @BeforeEach
    void writeConfig() throws IOException {
        conf = dir.resolve("barman.conf");
        Files.createDirectories(dir.resolve("barman.d"));
        Files.writeString(conf, "[barman]\nbarman_home = " + dir + "/home\nbarman_user = "
                + System.getProperty("user.name") + "\nconfiguration_files_directory = " + dir + "/barman.d\n");
        serverFile("demo", DEMO);
    }

    private void serverFile(String name, String text) throws IOException {
        Files.writeString(dir.resolve("barman.d/" + name + ".conf"), text);
    }

    private CliRun barman(String... args) {
        return CliRun.withConfig(conf, args);
    }

    private static void assertOneLine(String text) {
        assertEquals(1, text.lines().count(), "expected one line, got: " + text);
    }

    @Test
    void unknownServer() {
        CliRun run = barman("list-backups", "nosuch");
        assertEquals(1, run.exit());
        assertEquals("ERROR: Unknown server 'nosuch'\n", run.err());
        CliRun show = barman("show-backup", "nosuch", "latest");
        assertEquals(1, show.exit());
        assertEquals("ERROR: Unknown server 'nosuch'\n", show.err());
        CliRun both = barman("list-backups", "demo", "nosuch");
        assertEquals(1, both.exit(), "an unknown server fails the command...");
        assertEquals("ERROR: Unknown server 'nosuch'\n", both.err());
        assertEquals("", both.out(), "...while demo (no backups) is still listed");
    }

    @Test
    void missingConfig() {
        CliRun run = CliRun.of("-c", dir + "/nope.conf", "list-servers");
        assertEquals(1, run.exit());
        assertEquals("ERROR: Configuration file '" + dir + "/nope.conf' does not exist\n", run.err());
    }

    @Test
    void unreadableConfig() {
        // A folder cannot be read as a file, even by root (a chmod 000 file is covered by the lab tests).
        CliRun run = CliRun.of("-c", dir.toString(), "list-servers");
        assertEquals(1, run.exit());
        assertTrue(run.err().startsWith("ERROR: Cannot read configuration file '" + dir + "': "), run.err());
        assertOneLine(run.err());
    }

    @Test
    void syntaxErrorInOneServerFileLeavesTheOthersWorking() throws IOException {
        serverFile("broken", DEMO.replace("[demo]", "[broken]") + "garbage\n");
        CliRun list = barman("list-servers");
        assertEquals(0, list.exit());
        assertEquals("broken - Example of Advanced Server (via Ssh) (WARNING: disabled)\n"
                + "demo - Example of Advanced Server (via Ssh)\n", list.out());
        String problem = "syntax error in " + dir + "/barman.d/broken.conf line 9: 'garbage': expected 'key = value'"
                + " or 'key: value'";
        assertTrue(list.err().contains("WARNING: " + problem + "; the servers defined in this file are disabled\n"),
                list.err());
        CliRun broken = barman("list-backups", "broken");
        assertEquals(1, broken.exit());
        assertTrue(broken.err().contains("ERROR: " + problem + "\n"), broken.err());
        CliRun demo = barman("list-backups", "demo");
        assertEquals(0, demo.exit());
    }

    @Test
    void syntaxErrorInTheMainFileIsFatal() throws IOException {
        Files.writeString(conf, Files.readString(conf) + "oops\n");
        CliRun run = barman("list-servers");
        assertEquals(1, run.exit());
        assertEquals("ERROR: syntax error in " + conf + " line 5: 'oops': expected 'key = value' or 'key: value'\n",
                run.err());
    }

    @Test
    void unknownOption() throws IOException {
        serverFile("demo", DEMO + "archive_timeout = 60\n");
        CliRun run = barman("list-servers");
        assertEquals(0, run.exit());
        assertEquals("demo - Example of Advanced Server (via Ssh)\n", run.out());
        assertEquals("WARNING: Invalid configuration option \"archive_timeout\" in [demo] section (" + dir
                + "/barman.d/demo.conf line 9): not a Barman option\n", run.err());
    }

    @Test
    void badValues() throws IOException {
        serverFile("demo", DEMO.replace("backup_method = rsync", "backup_method = floppy")
                + "retention_policy = FOREVER\n");
        CliRun run = barman("show-servers", "demo");
        assertEquals(0, run.exit());
        assertTrue(run.out().contains("\tbackup_method: rsync\n"), "falls back to the default, as Barman");
        assertTrue(run.out().contains("\tretention_policy: FOREVER\n"));
        assertEquals("WARNING: Ignoring invalid configuration value 'floppy' for key backup_method in [demo] section ("
                + dir + "/barman.d/demo.conf line 5): allowed: 'rsync', 'postgres', 'local-rsync', 'snapshot'\n"
                + "WARNING: Invalid configuration value 'FOREVER' for key retention_policy in [demo] section ("
                + dir + "/barman.d/demo.conf line 9): allowed: 'REDUNDANCY <n>' or 'RECOVERY WINDOW OF <n> "
                + "{DAYS|WEEKS|MONTHS}'; 'barman check demo' fails until it is fixed\n", run.err());
    }

    @Test
    void sameServerNameTwice() throws IOException {
        serverFile("other", DEMO.replace("Example", "Another"));
        CliRun run = barman("list-servers");
        assertEquals(0, run.exit());
        assertEquals("demo - Another of Advanced Server (via Ssh)\n", run.out());
        assertOneLine(run.err());
        assertTrue(run.err().startsWith("WARNING: Server [demo] is defined in more than one file (" + dir
                + "/barman.d/demo.conf, " + dir + "/barman.d/other.conf)"), run.err());
    }

    @Test
    void corruptBackupInfo() throws IOException {
        Path good = dir.resolve("home/demo/base/20261124T163325");
        Path bad = dir.resolve("home/demo/base/20261125T101010");
        Files.createDirectories(good);
        Files.createDirectories(bad);
        Files.writeString(good.resolve("backup.info"), "backup_name=good\nserver_name=demo\nstatus=FAILED\n");
        Files.writeString(bad.resolve("backup.info"), "server_name=demo\nsize=abc\nstatus=DONE\n");
        CliRun list = barman("list-backups", "demo");
        assertEquals(1, list.exit());
        assertEquals("demo 20261124T163325 'good' - FAILED\n", list.out(), "the readable backup is still listed");
        assertEquals("ERROR: corrupt backup.info " + bad + "/backup.info line 2: size=abc: expected an integer\n",
                list.err());
        CliRun show = barman("show-backup", "demo", "20261125T101010");
        assertEquals(1, show.exit());
        assertEquals("ERROR: corrupt backup.info " + bad + "/backup.info line 2: size=abc: expected an integer\n",
                show.err());
    }

    @Test
    void unknownBackup() {
        CliRun run = barman("show-backup", "demo", "20200101T000000");
        assertEquals(1, run.exit());
        assertEquals("ERROR: Unknown backup '20200101T000000' for server 'demo'\n", run.err());
    }

    @Test
    void quietSuppressesTheListing() {
        CliRun run = barman("-q", "list-servers");
        assertEquals(0, run.exit());
        assertEquals("", run.out());
    }

    @Test
    void usageErrorsExitTwo() {
        CliRun run = barman("list-backups");
        assertEquals(2, run.exit());
        assertTrue(run.err().contains("error: "), run.err());
        assertEquals(2, barman("no-such-command").exit());
        assertEquals(2, CliRun.of("-f", "xml", "list-servers").exit());
    }

    /** Refusals raised by the core's requests and service, with the exit code of their error code, once each. */
    @Test
    void refusalsExitWithTheirErrorCodesExitCode() {
        CliRun reuse = barman("backup", "--reuse-backup=bogus", "demo");
        assertEquals(2, reuse.exit());
        assertEquals("ERROR: argument --reuse-backup: invalid choice: 'bogus' (choose from 'copy', 'link', 'off')\n",
                reuse.err());
        CliRun name = barman("backup", "--name", "latest", "demo");
        assertEquals(2, name.exit());
        assertEquals("ERROR: argument --name: Backup name 'latest' is not allowed: backup ID or reserved word\n",
                name.err());
        CliRun action = barman("recover", "--target-action", "bogus", "demo", "latest", "/tmp/x");
        assertEquals(2, action.exit());
        assertEquals("ERROR: argument --target-action: invalid choice: 'bogus' (choose from 'pause', 'shutdown', "
                + "'promote')\n", action.err());
        CliRun rule = barman("recover", "--tablespace", "bad", "demo", "latest", "/tmp/x");
        assertEquals(1, rule.exit());
        assertEquals("ERROR: Invalid tablespace relocation rule 'bad'\nHINT: The valid syntax for a relocation rule is "
                + "NAME:LOCATION\n", rule.err());
        CliRun walName = barman("get-wal", "demo", "bogus");
        assertEquals(3, walName.exit());
        assertEquals("ERROR: 'bogus' is not a valid wal file name\n", walName.err());
        CliRun missing = barman("get-wal", "demo", "000000010000000000000001");
        assertEquals(1, missing.exit());
        assertEquals("ERROR: WAL file '000000010000000000000001' not found in server 'demo'\n", missing.err());
        CliRun json = barman("-f", "json", "get-wal", "demo", "bogus");
        assertEquals(3, json.exit());
        assertEquals("{\"_ERROR\": [\"'bogus' is not a valid wal file name\"]}", json.out());
        assertEquals("", json.err());
    }
}
