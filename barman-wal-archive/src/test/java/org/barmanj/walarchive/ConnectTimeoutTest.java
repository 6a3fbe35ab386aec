package org.barmanj.walarchive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both clients against a backup host that accepts the TCP connection and never sends the ssh banner: the real
 * ssh gives up after {@code --connect-timeout} seconds, and the client exits with Barman's ssh failure code.
 */
@Timeout(20)
class ConnectTimeoutTest {
    @TempDir
    Path dir;

    @Test
    void archiveGivesUpOnAHostThatNeverAnswers() throws IOException {
        Path wal = Files.writeString(dir.resolve("000000010000000000000001"), "wal");
        try (SilentHost host = new SilentHost()) {
            Ran ran = Ran.archive("--connect-timeout", "1", "--no-ssh-reuse", "--port", host.port(),
                    SilentHost.ADDRESS, "demo", wal.toString());
            assertEquals(3, ran.code(), ran.err());
            assertEquals("ERROR: Connection problem with ssh\n", ran.err());
            assertEquals(1, host.connections());
            assertTrue(ran.seconds() < 5, ran.seconds() + " s");
        }
    }

    @Test
    void restoreGivesUpOnAHostThatNeverAnswers() throws IOException {
        Path dest = dir.resolve("RECOVERYXLOG");
        try (SilentHost host = new SilentHost()) {
            Ran ran = Ran.restore("--connect-timeout", "1", "--no-ssh-reuse", "--port", host.port(),
                    SilentHost.ADDRESS, "demo", "000000010000000000000001", dest.toString());
            assertEquals(2, ran.code(), ran.err());
            assertEquals("ERROR: Connection problem with ssh\n", ran.err());
            assertEquals(1, host.connections());
            assertTrue(ran.seconds() < 5, ran.seconds() + " s");
            assertEquals(0, Files.size(dest), "nothing received");
        }
    }

    @Test
    void theTimeoutMustBeAPositiveNumberOfSeconds() {
        for (String value : new String[] {"0", "-5"}) {
            Ran ran = Ran.restore("--connect-timeout", value, "backup-srv", "demo", "000000010000000000000001", "x");
            assertEquals(2, ran.code());
            assertTrue(ran.err().endsWith("barman-wal-restore: error: argument --connect-timeout: must be a positive "
                    + "number of seconds: '" + value + "'\n"), ran.err());
        }
    }
}
