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
 * The table of settings this version refuses, for the work that has no command yet to show it ({@code delete} and
 * {@code cron}'s retention, the part of {@code cron} that would start receive-wal or sync a passive node): the
 * command-line tests ({@code UnsupportedSettingsTest}, {@code RecoverRefusalsTest}) show the others.
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
    void deleteHooksAndWormModeStopDeletions() throws IOException {
        String hooks = "unset (hook scripts are not run by this version yet)";
        ServerConfig delete = TestServer.create(home, "pre_delete_script = /bin/true\n");
        assertEquals("pre_delete_script = /bin/true is not supported by this version (server demo): supported: "
                + hooks, Unsupported.refusal(delete, Unsupported.Use.DELETE));
        assertNull(Unsupported.refusal(delete, Unsupported.Use.BACKUP), "a backup deletes no backup");

        ServerConfig walDelete = TestServer.create(home, "pre_wal_delete_retry_script = /bin/true\n");
        String line = "pre_wal_delete_retry_script = /bin/true is not supported by this version (server demo): "
                + "supported: " + hooks;
        assertEquals(line, Unsupported.refusal(walDelete, Unsupported.Use.DELETE));
        assertEquals(line, Unsupported.refusal(walDelete, Unsupported.Use.BACKUP),
                "the first backup purges older WAL files");

        ServerConfig worm = TestServer.create(home, "worm_mode = on\n");
        assertEquals("worm_mode = on is not supported by this version (server demo): supported: off",
                Unsupported.refusal(worm, Unsupported.Use.DELETE));
    }

    @Test
    void streamingAndPassiveNodesStopCron() throws IOException {
        ServerConfig streaming = TestServer.create(home, "streaming_archiver = on\nslot_name = barman\n");
        assertEquals("streaming_archiver = on is not supported by this version (server demo): supported: off (WAL "
                + "files arrive through archiver = on, receive-wal is not implemented)",
                Unsupported.refusal(streaming, Unsupported.Use.CRON));
        ServerConfig passive = TestServer.create(home, "primary_ssh_command = ssh barman@primary\n");
        assertTrue(Unsupported.refusal(passive, Unsupported.Use.CRON).startsWith("primary_ssh_command = ssh "
                + "barman@primary is not supported by this version (server demo): "));
    }

    @Test
    void whatStopsArchivingStopsBackups() throws IOException {
        ServerConfig server = TestServer.create(home, "post_archive_script = /bin/true\n");
        Unsupported.Refusal refusal = Unsupported.refusals(server).get(0);
        assertEquals(Option.POST_ARCHIVE_SCRIPT, refusal.option());
        assertTrue(refusal.stops(Unsupported.Use.ARCHIVE));
        assertFalse(refusal.stops(Unsupported.Use.BACKUP));
        assertTrue(refusal.stopsBackups(), "the backup's WAL files would never be archived");
        ServerConfig recovery = TestServer.create(home, "post_recovery_script = /bin/true\n");
        assertFalse(Unsupported.refusals(recovery).get(0).stopsBackups());
    }
}
