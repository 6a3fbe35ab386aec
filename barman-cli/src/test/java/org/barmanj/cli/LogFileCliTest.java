package org.barmanj.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands' log file, end to end through the command line: Barman's line format and logger names for
 * archive-wal, cron, delete and errors, whatever {@code -q} and {@code -f json} do to the console; {@code log_level} and
 * {@code --log-level}; an unwritable log.
 */
class LogFileCliTest {
    /** Barman's default format; the logger name and level of each line are checked below. */
    private static final Pattern LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} \\[(\\d+)] (\\S+) (DEBUG|INFO|WARNING|ERROR): (.*)");

    @TempDir
    Path dir;
    Path conf;
    Path log;

    @BeforeEach
    void writeConfig() throws IOException {
        log = dir.resolve("log/barman.log");
        config("log_file = " + log + "\n");
    }

    private void config(String globals) throws IOException {
        conf = dir.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + dir + "/home\nbarman_user = "
                + System.getProperty("user.name") + "\n" + globals + "\n" + """
                [demo]
                description = "log file"
                ssh_command = ssh nobody@localhost
                conninfo = host=127.0.0.1 port=1 user=barman dbname=postgres connect_timeout=1
                backup_options = concurrent_backup
                archiver = on
                """);
    }

    private void incoming(String name) throws IOException {
        Path folder = dir.resolve("home/demo/incoming");
        Files.createDirectories(folder);
        Files.write(folder.resolve(name), new byte[1 << 20]); // the smallest WAL segment size
    }

    /** The log's records as "name LEVEL: message", each line checked against Barman's format. */
    private List<String> records() throws IOException {
        List<String> records = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "Barman's format: " + line);
            assertEquals(String.valueOf(ProcessHandle.current().pid()), m.group(1));
            records.add(m.group(2) + " " + m.group(3) + ": " + m.group(4));
        }
        return records;
    }

    @Test
    void archiveWalCronAndErrorsInBarmansFormat() throws IOException {
        incoming("000000010000000000000003");
        CliRun archive = CliRun.withConfig(conf, "-q", "archive-wal", "demo");
        assertEquals(0, archive.exit(), archive.err());
        assertEquals("", archive.out(), "-q silences the console...");
        assertEquals(List.of("barman.wal_archiver INFO: Processing xlog segments from file archival for demo",
                "barman.wal_archiver INFO: \t000000010000000000000003"), records(), "...not the log");

        incoming("000000010000000000000004");
        CliRun cron = CliRun.withConfig(conf, "cron");
        assertEquals(0, cron.exit(), cron.err());
        assertEquals("Starting WAL archiving for server demo\n", cron.out());
        assertEquals("barman.server INFO: Starting WAL archiving for server demo", last(records()));

        CliRun unknown = CliRun.withConfig(conf, "list-backups", "nosuch");
        assertEquals(1, unknown.exit());
        assertEquals("barman.cli ERROR: Unknown server 'nosuch'", last(records()));

        CliRun missing = CliRun.withConfig(conf, "get-wal", "demo", "000000010000000000000099");
        assertEquals(1, missing.exit());
        String error = missing.err().strip();
        assertTrue(error.startsWith("ERROR: "), error);
        assertEquals("barman.server ERROR: " + error.substring("ERROR: ".length()), last(records()),
                "the error of the core, under the name of the code that raised it");

        incoming("000000010000000000000005");
        CliRun json = CliRun.withConfig(conf, "-f", "json", "archive-wal", "demo");
        assertEquals(0, json.exit(), json.err());
        assertTrue(json.out().startsWith("{\"_INFO\": "), json.out());
        assertEquals("barman.wal_archiver INFO: \t000000010000000000000005", last(records()));

        int before = records().size();
        CliRun list = CliRun.withConfig(conf, "list-backups", "demo");
        CliRun servers = CliRun.withConfig(conf, "list-servers");
        assertEquals(0, list.exit() + servers.exit());
        assertEquals("demo - log file\n", servers.out());
        assertEquals(before, records().size(), "a command's results are not logged (Barman's output.result)");
    }

    @Test
    void logLevelFromConfigAndCommandLine() throws IOException {
        config("log_file = " + log + "\nlog_level = WARNING\n");
        incoming("000000010000000000000003");
        assertEquals(0, CliRun.withConfig(conf, "archive-wal", "demo").exit());
        assertEquals(1, CliRun.withConfig(conf, "list-backups", "nosuch").exit());
        assertEquals(List.of("barman.cli ERROR: Unknown server 'nosuch'"), records(), "INFO is below WARNING");

        incoming("000000010000000000000004");
        assertEquals(0, CliRun.withConfig(conf, "--log-level", "DEBUG", "archive-wal", "demo").exit());
        List<String> debug = records();
        assertTrue(debug.get(1).startsWith("barman.cli DEBUG: Initialised barmanj "), debug.get(1));
        assertEquals("barman.wal_archiver INFO: \t000000010000000000000004", last(debug),
                "--log-level overrides log_level");

        CliRun bad = CliRun.withConfig(conf, "--log-level", "LOUD", "list-servers");
        assertEquals(2, bad.exit());
        assertEquals("usage: barman -h\nbarman: error: argument --log-level: invalid choice: 'LOUD' (choose from "
                + "'NOTSET', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL')\n", bad.err());

        config("log_file = " + log + "\nlog_level = LOUD\n");
        Files.delete(log);
        incoming("000000010000000000000005");
        assertEquals(0, CliRun.withConfig(conf, "archive-wal", "demo").exit());
        assertEquals(List.of("barman.cli WARNING: unknown log_level in config file: LOUD",
                "barman.wal_archiver INFO: Processing xlog segments from file archival for demo",
                "barman.wal_archiver INFO: \t000000010000000000000005"), records(),
                "as Barman: an unknown log_level is logged, and INFO used");
    }

    @Test
    void unwritableLogWarnsOnceAndTheCommandWorks() throws IOException {
        Files.writeString(dir.resolve("file"), "");
        Path unwritable = dir.resolve("file/barman.log");
        config("log_file = " + unwritable + "\n");
        incoming("000000010000000000000003");
        CliRun archive = CliRun.withConfig(conf, "archive-wal", "demo");
        assertEquals(0, archive.exit());
        assertEquals("Processing xlog segments from file archival for demo\n\t000000010000000000000003\n",
                archive.out());
        assertEquals("WARNING: Failed opening the requested log file '" + unwritable + "': " + dir.resolve("file")
                + ": File exists. Logging is off for this command.\n", archive.err());
        CliRun unknown = CliRun.withConfig(conf, "list-backups", "nosuch");
        assertEquals(1, unknown.exit(), "the command's own exit code");
        assertEquals("WARNING: Failed opening the requested log file '" + unwritable + "': " + dir.resolve("file")
                + ": File exists. Logging is off for this command.\nERROR: Unknown server 'nosuch'\n", unknown.err());
    }

    /** delete's lines, and a refused delete's, on the catalog Barman 3.4 wrote in the tutorial (two backups). */
    @Test
    void deleteInBarmansFormat() throws IOException, URISyntaxException {
        conf = Barman34OutputTest.install(Path.of(getClass().getResource("/barman34/tutorial/catalog").toURI()), dir);
        Files.writeString(conf, Files.readString(conf) + "log_file = " + log + "\n");
        CliRun delete = CliRun.withConfig(conf, "delete", "demo", "oldest");
        assertEquals(0, delete.exit(), delete.err());
        List<String> deleted = records();
        assertEquals("barman.backup INFO: Deleting backup 20261124T230819 for server demo", deleted.get(0));
        assertTrue(deleted.contains("barman.backup INFO: Delete associated WAL segments:"), deleted.toString());
        assertTrue(deleted.contains("barman.backup INFO: \t000000010000000000000003"), deleted.toString());
        assertTrue(last(deleted).startsWith("barman.backup INFO: Deleted backup 20261124T230819 (start time: "),
                deleted.toString());

        Files.writeString(dir.resolve("barman.d/demo.conf"),
                Files.readString(dir.resolve("barman.d/demo.conf")) + "minimum_redundancy = 1\n");
        CliRun refused = CliRun.withConfig(conf, "delete", "demo", "latest");
        assertEquals(1, refused.exit());
        List<String> after = records().subList(deleted.size(), records().size());
        assertEquals(List.of("barman.backup WARNING: Skipping delete of backup 20261124T230824 for server demo due to "
                + "minimum redundancy requirements (minimum redundancy = 1, current redundancy = 1)",
                "barman.server ERROR: Cannot delete backup (demo 20261124T230824)"), after);
    }

    private static String last(List<String> records) {
        return records.get(records.size() - 1);
    }
}
