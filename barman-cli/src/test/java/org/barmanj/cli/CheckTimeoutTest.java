package org.barmanj.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code check_timeout} against an ssh host that accepts the connection and never answers (a listener on a
 * loopback address that never sends the ssh banner; the real ssh): {@code check} in its three outputs and
 * {@code backup}'s checks end after {@code check_timeout} seconds as Barman 3.4's do (its outputs recorded
 * against the same listener), and no ssh is left running.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CheckTimeoutTest {
    private static final int CHECK_TIMEOUT = 2;

    @TempDir
    Path dir;
    private Path conf;
    private ServerSocket mute;

    @BeforeEach
    void serverBehindAMuteHost() throws IOException {
        // Its backlog holds the connections ssh makes; nothing accepts them or writes to them.
        mute = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.77"));
        conf = dir.resolve("barman.conf");
        Files.createDirectories(dir.resolve("barman.d"));
        Files.writeString(conf, "[barman]\nbarman_home = " + dir + "/home\nbarman_user = "
                + System.getProperty("user.name") + "\nconfiguration_files_directory = " + dir + "/barman.d\n");
        // PostgreSQL refuses at once (nothing listens on port 1): only ssh hangs.
        Files.writeString(dir.resolve("barman.d/demo.conf"), "[demo]\nssh_command = ssh -p " + mute.getLocalPort()
                + " barman@127.0.0.77\nconninfo = host=127.0.0.1 user=barman dbname=postgres port=1\n"
                + "backup_method = rsync\nbackup_options = concurrent_backup\narchiver = on\ncheck_timeout = "
                + CHECK_TIMEOUT + "\n");
    }

    @AfterEach
    void closeListener() throws IOException {
        mute.close();
    }

    @Test
    void checkReportsTheTimeoutAfterTheChecksDoneSoFar() {
        long start = System.nanoTime();
        CliRun run = barman("check", "demo");
        assertTakesTheTimeout(start);
        assertEquals(1, run.exit(), run.err());
        assertEquals("""
                Server demo:
                \tWAL archive: FAILED (please make sure WAL shipping is setup)
                \tPostgreSQL: FAILED
                \tdirectories: OK
                \tretention policy settings: OK
                \tbackup maximum age: OK (no last_backup_maximum_age provided)
                \tbackup minimum size: OK (0 B)
                \twal maximum age: OK (no last_wal_maximum_age provided)
                \twal size: OK (0 B)
                \tcompression settings: OK
                \tfailed backups: OK (there are 0 failed backups)
                \tminimum redundancy requirements: OK (have 0 backups, expected at least 0)
                \tcheck timeout: FAILED (barman check command timed out)
                """, run.out());
        assertNoSshLeft();
    }

    /**
     * {@code check --check-timeout N} (Barman 3.17's option; Barman 3.4 has none, so there is no recorded output):
     * the checks end after N seconds even though the server's check_timeout is far longer, with the same lines.
     */
    @Test
    void checkTimeoutOptionOverridesTheServersCheckTimeout() throws IOException {
        Path server = dir.resolve("barman.d/demo.conf");
        Files.writeString(server, Files.readString(server).replace("check_timeout = " + CHECK_TIMEOUT,
                "check_timeout = 600"));
        long start = System.nanoTime();
        CliRun run = barman("check", "--check-timeout", String.valueOf(CHECK_TIMEOUT), "demo");
        assertTakesTheTimeout(start);
        assertEquals(1, run.exit(), run.err());
        assertTrue(run.out().endsWith("\tcheck timeout: FAILED (barman check command timed out)\n"), run.out());
        assertNoSshLeft();
    }

    /** A value that is not a number of seconds is refused as Barman 3.17's {@code check_non_negative} does. */
    @Test
    void checkTimeoutOptionRefusesWhatIsNotANumberOfSeconds() {
        for (String value : List.of("-1", "soon")) {
            CliRun run = barman("check", "--check-timeout", value, "demo");
            assertEquals(2, run.exit(), run.err());
            assertEquals("", run.out());
            assertTrue(run.err().contains("barman check: error: argument --check-timeout: '" + value
                    + "' is not a valid non negative integer\n"), run.err());
        }
    }

    @Test
    void checkJsonAndNagios() {
        CliRun json = barman("-f", "json", "check", "demo");
        assertEquals(1, json.exit(), json.err());
        assertEquals("{\"demo\": {\"backup_maximum_age\": {\"hint\": \"no last_backup_maximum_age provided\", "
                + "\"status\": \"OK\"}, \"backup_minimum_size\": {\"hint\": \"0 B\", \"status\": \"OK\"}, "
                + "\"check_timeout\": {\"hint\": \"barman check command timed out\", \"status\": \"FAILED\"}, "
                + "\"compression_settings\": {\"hint\": \"\", \"status\": \"OK\"}, \"directories\": {\"hint\": \"\", "
                + "\"status\": \"OK\"}, \"failed_backups\": {\"hint\": \"there are 0 failed backups\", \"status\": "
                + "\"OK\"}, \"minimum_redundancy_requirements\": {\"hint\": \"have 0 backups, expected at least 0\", "
                + "\"status\": \"OK\"}, \"postgresql\": {\"hint\": \"\", \"status\": \"FAILED\"}, "
                + "\"retention_policy_settings\": {\"hint\": \"\", \"status\": \"OK\"}, \"wal_archive\": {\"hint\": "
                + "\"please make sure WAL shipping is setup\", \"status\": \"FAILED\"}, \"wal_maximum_age\": {\"hint\": "
                + "\"no last_wal_maximum_age provided\", \"status\": \"OK\"}, \"wal_size\": {\"hint\": \"0 B\", "
                + "\"status\": \"OK\"}}}", json.out().strip());
        CliRun nagios = barman("check", "--nagios", "demo");
        assertEquals(2, nagios.exit(), nagios.err());
        assertEquals("""
                BARMAN CRITICAL - server demo has issues * demo FAILED: WAL archive, PostgreSQL, check timeout|demo=0B \
                demo_wals=0B
                demo.WAL archive: FAILED (please make sure WAL shipping is setup)
                demo.PostgreSQL: FAILED
                demo.check timeout: FAILED (barman check command timed out)
                """, nagios.out());
        assertNoSshLeft();
    }

    @Test
    void backupRefusesToStartOnceItsChecksTimeOut() throws IOException {
        long start = System.nanoTime();
        CliRun run = barman("backup", "demo");
        assertTakesTheTimeout(start);
        assertEquals(1, run.exit(), run.out());
        assertTrue(run.err().endsWith("ERROR: Impossible to start the backup. Check the log for more details, or run "
                + "'barman check demo'\n"), run.err());
        try (Stream<Path> base = Files.list(dir.resolve("home/demo/base"))) {
            assertEquals(List.of(), base.toList(), "no backup was started");
        }
        assertNoSshLeft();
    }

    private CliRun barman(String... args) {
        return CliRun.withConfig(conf, args);
    }

    private static void assertTakesTheTimeout(long startNanos) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        assertTrue(seconds >= CHECK_TIMEOUT && seconds < CHECK_TIMEOUT + 3, seconds + " s");
    }

    /** The ssh this test's commands started (they name the listener's port) are gone once they return. */
    private void assertNoSshLeft() {
        String port = "-p " + mute.getLocalPort() + " ";
        for (int i = 0; i < 200 && sshRunning(port); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        assertEquals(false, sshRunning(port), "an ssh to the listener is still running");
    }

    private static boolean sshRunning(String port) {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").contains(port));
    }
}
