package org.barmanj.core.wal;

import org.barmanj.core.BarmanException;
import org.barmanj.core.TestServer;
import org.barmanj.core.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** put-wal against the exact bytes Barman 3.4's barman-wal-archive sent (file "abc", mtime with a fraction). */
class PutWalTest {
    static final String WAL = "000000010000000000000003";

    @TempDir
    Path home;

    static byte[] barman34Stream() throws IOException {
        try (InputStream in = PutWalTest.class.getResourceAsStream("/barman34/barman-wal-archive-3.4-stream.tar")) {
            return in.readAllBytes();
        }
    }

    @Test
    void storesWhatBarman34Sends() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        PutWal.Result r = PutWal.receive(server, new ByteArrayInputStream(barman34Stream()), "");
        assertEquals(List.of(WAL), r.stored());
        Path stored = home.resolve("demo/incoming/" + WAL);
        assertEquals("abc", Files.readString(stored));
        Instant mtime = Files.getLastModifiedTime(stored).toInstant();
        assertEquals(1795537244L, mtime.getEpochSecond());
        assertEquals(515674800, mtime.getNano(), 1000, "the PAX sub-second mtime is kept");
        assertEquals(List.of(WAL), incomingNames());
    }

    @Test
    void sameFileAgainIsAcceptedOnce() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        PutWal.receive(server, new ByteArrayInputStream(barman34Stream()), "");
        PutWal.Result again = PutWal.receive(server, new ByteArrayInputStream(barman34Stream()), "");
        assertEquals(List.of(), again.stored());
        assertEquals(List.of(WAL), again.alreadyThere());
    }

    @Test
    void differentContentUnderTheSameNameGoesToErrors() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        Files.createDirectories(home.resolve("demo/incoming"));
        Files.writeString(home.resolve("demo/incoming/" + WAL), "xyz");
        PutWal.Result r = PutWal.receive(server, new ByteArrayInputStream(barman34Stream()), " (SSH host: 127.0.0.2)");
        assertEquals("xyz", Files.readString(home.resolve("demo/incoming/" + WAL)), "never overwritten");
        try (Stream<Path> errors = Files.list(home.resolve("demo/errors"))) {
            List<Path> moved = errors.toList();
            assertEquals(1, moved.size());
            assertTrue(moved.get(0).getFileName().toString().matches(WAL + "\\.\\d{8}T\\d{6}Z\\.duplicate"));
            assertEquals("abc", Files.readString(moved.get(0)));
        }
        assertTrue(r.messages().get(0).startsWith("\tError: Duplicate Files Detected with Mismatched Checksums. File "
                + WAL + " already exists on server demo"), r.messages().toString());
    }

    @Test
    void streamCutShortStoresNothing() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        byte[] whole = barman34Stream();
        for (int cut : new int[] {100, 1024 + 512 + 1, 2048 + 100, 3072}) {
            byte[] part = Arrays.copyOf(whole, cut);
            BarmanException e = assertThrows(BarmanException.class,
                    () -> PutWal.receive(server, new ByteArrayInputStream(part), ""), "cut at " + cut);
            assertTrue(e.getMessage().startsWith("Cannot receive WAL files in put-wal for server 'demo'")
                    || e.getMessage().startsWith("Missing checksum"), e.getMessage());
            assertEquals(List.of(), incomingNames(), "nothing left behind after a cut at " + cut);
        }
    }

    @Test
    void checksumMismatchStoresNothing() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        byte[] bad = barman34Stream();
        bad[2048 + 512] = 'X';
        BarmanException e = assertThrows(BarmanException.class,
                () -> PutWal.receive(server, new ByteArrayInputStream(bad), ""));
        assertTrue(e.getMessage().startsWith("Bad file checksum '"), e.getMessage());
        assertTrue(e.getMessage().endsWith("for file '" + WAL + "' in put-wal for server 'demo'"), e.getMessage());
        assertEquals(List.of(), incomingNames());
    }

    private List<String> incomingNames() throws IOException {
        Path incoming = home.resolve("demo/incoming");
        if (!Files.isDirectory(incoming)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(incoming)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

}
