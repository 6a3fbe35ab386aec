package org.barmanj.core.config;

import org.barmanj.core.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table of settings this version refuses, as the core asks it; the command-line tests
 * ({@code UnsupportedSettingsTest}, {@code UnsupportedDeleteCronTest}, {@code RecoverRefusalsTest}) show each
 * command's refusal.
 */
class UnsupportedTest {
    @TempDir
    Path home;

    @Test
    void aPlainRsyncServerHasNothingRefused() throws IOException {
        ServerConfig server = TestServer.create(home, "backup_options = concurrent_backup\ncompression = gzip\n"
                + "recovery_options = get-wal\nbackup_compression = none\nencryption = none\n");
        assertEquals(List.of(), Unsupported.refusals(server));
        for (Unsupported.Use use : Unsupported.Use.values()) {
            assertNull(Unsupported.refusal(server, use), use.name());
        }
    }

    @Test
    void wormModeStopsDeletions() throws IOException {
        ServerConfig worm = TestServer.create(home, "worm_mode = on\n");
        assertEquals("worm_mode = on is not supported by this version (server demo): supported: off",
                Unsupported.refusal(worm, Unsupported.Use.DELETE));
        assertNull(Unsupported.refusal(worm, Unsupported.Use.RECOVER), "a restore only reads the catalog");
    }

    @Test
    void passiveNodesStopCronTheStreamingArchiverDoesNot() throws IOException {
        ServerConfig streaming = TestServer.create(home, "streaming_archiver = on\nslot_name = barman\n"
                + "streaming_archiver_batch_size = 10\ncreate_slot = auto\n");
        assertEquals(List.of(), Unsupported.refusals(streaming));
        ServerConfig passive = TestServer.create(home, "primary_ssh_command = ssh barman@primary\n");
        assertTrue(Unsupported.refusal(passive, Unsupported.Use.CRON).startsWith("primary_ssh_command = ssh "
                + "barman@primary is not supported by this version (server demo): "));
    }

    @Test
    void whatStopsArchivingStopsBackups() throws IOException {
        ServerConfig server = TestServer.create(home, "compression = snappy\n");
        Unsupported.Refusal refusal = Unsupported.refusals(server).get(0);
        assertEquals(Option.COMPRESSION, refusal.option());
        assertTrue(refusal.stops(Unsupported.Use.ARCHIVE));
        assertFalse(refusal.stops(Unsupported.Use.BACKUP));
        assertTrue(refusal.stopsBackups(), "the backup's WAL files would never be archived");
        ServerConfig recovery = TestServer.create(home, "recovery_options = delta-restore\n");
        assertFalse(Unsupported.refusals(recovery).get(0).stopsBackups());
    }
}
