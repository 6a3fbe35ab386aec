package org.barmanj.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The log file of the installed barman, run as the barman user: archive-wal's and cron's lines (cron's archiver
 * is a process of its own, which logs too), the same error line as Barman 3.4 writes into the same file,
 * logrotate's two modes done as logrotate does them (the lab has no logrotate: rename then create, copy then
 * truncate) between real runs, and a log folder the barman user may not write to.
 */
class LogFileIT {
    private static final Pattern LINE = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} \\[(\\d+)] (\\S+ (?:DEBUG|INFO|WARNING|ERROR): .*)");

    /** The records of the log: pid, then "name LEVEL: message"; every line in Barman's format. */
    private static List<String[]> records(Path log) throws IOException {
        return Files.readAllLines(log).stream().map(l -> {
            Matcher m = LINE.matcher(l);
            assertTrue(m.matches(), "Barman's format: " + l);
            return new String[] {m.group(1), m.group(2)};
        }).toList();
    }

    private static List<String> messages(Path log) throws IOException {
        return records(log).stream().map(r -> r[1]).toList();
    }

    private static void incoming(BarmanHome home, String name) {
        Path folder = home.root.resolve("demo/incoming");
        Proc.as(home.user, "sh", "-c", "mkdir -p " + folder + " && head -c 1048576 /dev/zero > " + folder + "/" + name)
                .ok();
    }

    @Test
    void commandsCronBarman34AndLogrotate() throws IOException {
        BarmanHome home = new BarmanHome("logfile").tutorialServer("pg1-srv", 1);
        Path log = home.root.resolve("log/barman.log");
        Files.writeString(home.conf, Files.readString(home.conf) + "log_file = " + log + "\n");
        home.ownedByBarman();
        try {
            incoming(home, "000000010000000000000003");
            Proc archive = home.barman("-q", "archive-wal", "demo").ok();
            assertEquals("", archive.out());
            assertEquals(List.of("barman.wal_archiver INFO: Processing xlog segments from file archival for demo",
                    "barman.wal_archiver INFO: \t000000010000000000000003"), messages(log));
            assertEquals("600", Proc.run("stat", "-c", "%a %U", log.toString()).ok().out().strip().split(" ")[0]);

            // Barman 3.4 writes the same line for the same error, into the same file.
            assertEquals(1, home.barman("list-backups", "nosuch").exit());
            assertEquals(1, home.barman34("list-backups", "nosuch").exit());
            List<String> both = messages(log);
            assertEquals("barman.cli ERROR: Unknown server 'nosuch'", both.get(both.size() - 2));
            assertEquals(both.get(both.size() - 2), both.get(both.size() - 1));

            // cron: its own line, and its archiver's (another process).
            incoming(home, "000000010000000000000004");
            home.barman("cron").ok();
            List<String[]> cron = records(log);
            String[] started = cron.stream().filter(r -> r[1].equals(
                    "barman.server INFO: Starting WAL archiving for server demo")).findFirst().orElseThrow();
            String[] archived = cron.stream().filter(r -> r[1].equals(
                    "barman.wal_archiver INFO: \t000000010000000000000004")).findFirst().orElseThrow();
            assertNotEquals(started[0], archived[0], "the archiver's own process logs its lines");

            // logrotate's create: renamed, a new file created with barman's ownership; the next run writes there.
            Proc.run("mv", log.toString(), log + ".1").ok();
            Proc.run("install", "-m", "600", "-o", home.user, "/dev/null", log.toString()).ok();
            assertEquals(1, home.barman("list-backups", "nosuch").exit());
            assertEquals(List.of("barman.cli ERROR: Unknown server 'nosuch'"), messages(log));
            assertEquals(cron.size(), records(Path.of(log + ".1")).size(), "the rotated file is left alone");

            // logrotate's copytruncate: copied, then emptied in place; the next record is at the start, no NULs.
            Proc.run("cp", "-p", log.toString(), log + ".2").ok();
            Proc.run("truncate", "-s", "0", log.toString()).ok();
            incoming(home, "000000010000000000000005");
            home.barman("archive-wal", "demo").ok();
            byte[] bytes = Files.readAllBytes(log);
            for (byte b : bytes) {
                assertNotEquals(0, b, "no hole of NULs");
            }
            assertEquals(List.of("barman.wal_archiver INFO: Processing xlog segments from file archival for demo",
                    "barman.wal_archiver INFO: \t000000010000000000000005"), messages(log));
        } finally {
            home.delete();
        }
    }

    @Test
    void aLogFolderBarmanMayNotWriteTo() throws IOException {
        Path folder = Files.createTempDirectory("barman-it-rootlog");
        Proc.run("chmod", "755", folder.toString()).ok();
        Path log = folder.resolve("barman.log");
        BarmanHome home = new BarmanHome("rootlog").tutorialServer("pg1-srv", 1);
        Files.writeString(home.conf, Files.readString(home.conf) + "log_file = " + log + "\n");
        home.ownedByBarman();
        try {
            incoming(home, "000000010000000000000003");
            Proc archive = home.barman("archive-wal", "demo");
            assertEquals(0, archive.exit());
            assertEquals("Processing xlog segments from file archival for demo\n\t000000010000000000000003\n",
                    archive.out());
            assertEquals("WARNING: Failed opening the requested log file '" + log
                    + "': Permission denied. Logging is off for this command.\n", archive.err());
            Proc unknown = home.barman("list-backups", "nosuch");
            assertEquals(1, unknown.exit(), "the command's own exit code");
            assertEquals("WARNING: Failed opening the requested log file '" + log
                    + "': Permission denied. Logging is off for this command.\nERROR: Unknown server 'nosuch'\n",
                    unknown.err());
        } finally {
            home.delete();
            Proc.run("rm", "-rf", folder.toString()).ok();
        }
    }
}
