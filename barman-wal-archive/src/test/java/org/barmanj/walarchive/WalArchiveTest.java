package org.barmanj.walarchive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

@Timeout(20)
class WalArchiveTest {
    @TempDir
    Path dir;

    /** As Barman 3.4 (exit 2), and before ssh starts: the backup host is not contacted. */
    @Test
    void aMissingWalFileExits2WithoutContactingTheBackupHost() throws IOException {
        Path wal = dir.resolve("000000010000000000000001");
        try (SilentHost host = new SilentHost()) {
            Ran ran = Ran.archive("--connect-timeout", "1", "--no-ssh-reuse", "--port", host.port(),
                    SilentHost.ADDRESS, "demo", wal.toString());
            assertEquals(2, ran.code(), ran.err());
            assertEquals("ERROR: WAL_PATH does not exist: " + wal + "\n", ran.err());
            assertEquals(0, host.connections());
        }
    }
}
