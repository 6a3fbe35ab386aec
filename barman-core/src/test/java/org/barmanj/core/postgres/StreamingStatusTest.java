package org.barmanj.core.postgres;

import org.barmanj.core.TestServer;
import org.barmanj.core.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built-in receiver's pg_receivexlog_* keys: compatible with 13 to 17, synchronous as Barman decides it. */
class StreamingStatusTest {
    @TempDir
    Path home;

    @Test
    void receiverStreamsFromThirteenToSeventeen() {
        assertFalse(PostgresPlumbing.receiverStreams(120017));
        assertTrue(PostgresPlumbing.receiverStreams(130020));
        assertTrue(PostgresPlumbing.receiverStreams(170006));
        assertFalse(PostgresPlumbing.receiverStreams(180000));
    }

    @Test
    void receiverKeys() throws IOException {
        ServerConfig server = TestServer.create(home, "streaming_archiver = on\nslot_name = barman\n");
        Map<String, Object> status = new HashMap<>();
        status.put("server_txt_version", "15.18");
        status.put("synchronous_standby_names", List.of(""));
        StreamingStatus.receiver(server, 150018, status);
        assertEquals(true, status.get("pg_receivexlog_installed"));
        assertEquals("built-in", status.get("pg_receivexlog_path"));
        assertEquals("built-in (PostgreSQL 13 to 17)", status.get("pg_receivexlog_version"));
        assertEquals(true, status.get("pg_receivexlog_compatible"));
        assertEquals(true, status.get("pg_receivexlog_supports_slots"));
        assertEquals(false, status.get("pg_receivexlog_synchronous"));

        status.put("synchronous_standby_names", List.of("barman_receive_wal"));
        StreamingStatus.receiver(server, 150018, status);
        assertEquals(true, status.get("pg_receivexlog_synchronous"));
        status.put("synchronous_standby_names", List.of("*"));
        StreamingStatus.receiver(server, 120000, status);
        assertEquals(false, status.get("pg_receivexlog_compatible"));
        assertEquals(true, status.get("pg_receivexlog_synchronous"), "computed whatever the compatibility, as Barman");

        StreamingStatus.receiver(server, null, status);
        assertNull(status.get("pg_receivexlog_compatible"), "the streaming connection failed");
        assertNull(status.get("pg_receivexlog_synchronous"));
        status.put("server_txt_version", null);
        StreamingStatus.receiver(server, 150018, status);
        assertNull(status.get("pg_receivexlog_synchronous"), "conninfo not reached");
    }
}
