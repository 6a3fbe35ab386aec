package org.barmanj.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** No password of a connection string reaches the console or JSON output, whatever prints it. */
class RedactionTest {
    private static final String SECRET = "s3cret-Pa55";

    @TempDir
    Path dir;

    private CliRun barman(String... args) throws IOException {
        Path conf = dir.resolve("barman.conf");
        // Port 1 on loopback: nothing listens, so a PostgreSQL connection fails at once.
        Files.writeString(conf, "[barman]\nbarman_home = " + dir + "/home\nbarman_user = "
                + System.getProperty("user.name") + "\n[pg]\nssh_command = ssh postgres@127.0.0.1\n"
                + "conninfo = host=127.0.0.1 port=1 user=barman password=" + SECRET + " dbname=postgres\n"
                + "streaming_conninfo = postgresql://streaming_barman:" + SECRET + "@127.0.0.1:1/postgres\n"
                + "archiver = on\nbackup_options = concurrent_backup\n");
        return CliRun.withConfig(conf, args);
    }

    @Test
    void showServersConsole() throws IOException {
        CliRun run = barman("show-servers", "pg");
        assertEquals(0, run.exit(), run.err());
        assertFalse(run.out().contains(SECRET), run.out());
        assertTrue(run.out().contains(
                "\tconninfo: host=127.0.0.1 port=1 user=barman password=*REDACTED* dbname=postgres\n"), run.out());
        assertTrue(run.out().contains(
                "\tstreaming_conninfo: postgresql://streaming_barman:*REDACTED*@127.0.0.1:1/postgres\n"), run.out());
    }

    @Test
    void showServersJson() throws IOException {
        CliRun run = barman("-f", "json", "show-servers", "pg");
        assertEquals(0, run.exit(), run.err());
        assertFalse(run.out().contains(SECRET), run.out());
        assertTrue(run.out().contains(
                "\"conninfo\": \"host=127.0.0.1 port=1 user=barman password=*REDACTED* dbname=postgres\""), run.out());
        assertTrue(run.out().contains(
                "\"streaming_conninfo\": \"postgresql://streaming_barman:*REDACTED*@127.0.0.1:1/postgres\""),
                run.out());
    }

    @Test
    void noCommandPrintsIt() throws IOException {
        for (String[] args : new String[][] {{"show-servers", "all"}, {"-d", "check", "pg"}, {"-d", "status", "pg"},
                {"-d", "-f", "json", "check", "pg"}, {"list-servers"}, {"show-servers", "--bogus"}}) {
            CliRun run = barman(args);
            assertFalse(run.out().contains(SECRET) || run.err().contains(SECRET),
                    String.join(" ", args) + ":\n" + run.out() + run.err());
        }
    }
}
