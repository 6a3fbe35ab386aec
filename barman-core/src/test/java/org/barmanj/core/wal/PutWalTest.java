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
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * put-wal against the exact bytes Barman 3.4's barman-wal-archive sent: a 1 MiB segment starting with "abc", the rest
 * zeros, mtime with a fraction (recorded with an {@code ssh} on PATH that saved its standard input; gzipped here).
 */
class PutWalTest {
    static final String WAL = "000000010000000000000003";

    @TempDir
    Path home;

    static final int SEGMENT_BYTES = 1 << 20;
    /** Where the stream's parts start: PAX header and record, the segment's header, then its content and MD5SUMS. */
    static final int CONTENT = 1536;
    static final int SUMS = CONTENT + SEGMENT_BYTES;

    static byte[] barman34Stream() throws IOException {
        try (InputStream in = new GZIPInputStream(PutWalTest.class.getResourceAsStream(
                "/barman34/barman-wal-archive-3.4-stream.tar.gz"))) {
            return in.readAllBytes();
        }
    }

    static byte[] segment() {
        byte[] content = new byte[SEGMENT_BYTES];
        content[0] = 'a';
        content[1] = 'b';
        content[2] = 'c';
        return content;
    }

    @Test
    void storesWhatBarman34Sends() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        PutWal.Result r = PutWal.receive(server, new ByteArrayInputStream(barman34Stream()), "");
        assertEquals(List.of(WAL), r.stored());
        Path stored = home.resolve("demo/incoming/" + WAL);
        assertArrayEquals(segment(), Files.readAllBytes(stored));
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
            assertArrayEquals(segment(), Files.readAllBytes(moved.get(0)));
        }
        assertTrue(r.messages().get(0).startsWith("\tError: Duplicate Files Detected with Mismatched Checksums. File "
                + WAL + " already exists on server demo"), r.messages().toString());
    }

    @Test
    void streamCutShortStoresNothing() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        byte[] whole = barman34Stream();
        for (int cut : new int[] {100, CONTENT + 1, SUMS + 100, SUMS + 512 + 10}) {
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
        bad[SUMS + 512] = 'X';
        BarmanException e = assertThrows(BarmanException.class,
                () -> PutWal.receive(server, new ByteArrayInputStream(bad), ""));
        assertTrue(e.getMessage().startsWith("Bad file checksum '"), e.getMessage());
        assertTrue(e.getMessage().endsWith("for file '" + WAL + "' in put-wal for server 'demo'"), e.getMessage());
        assertEquals(List.of(), incomingNames());
    }

    /** A segment of a size PostgreSQL never writes (empty, cut) is refused: PostgreSQL keeps the WAL and retries. */
    @Test
    void segmentOfAnImpossibleSizeIsRefused() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        for (int size : new int[] {0, 3, SEGMENT_BYTES - 1, SEGMENT_BYTES + 512}) {
            byte[] stream = TarStreams.of(WAL, new byte[size]);
            BarmanException e = assertThrows(BarmanException.class,
                    () -> PutWal.receive(server, new ByteArrayInputStream(stream), ""));
            assertEquals("Unsupported file '" + WAL + "' in put-wal for server 'demo': " + size + " bytes is not the "
                    + "size of a WAL segment (a power of two from 1 MiB to 1 GiB)", e.getMessage());
            assertEquals(List.of(), incomingNames());
        }
    }

    /** Barman's clients may send a segment compressed (--gzip): its size is the compressed one. */
    @Test
    void compressedSegmentIsAccepted() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        java.io.ByteArrayOutputStream gzipped = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(gzipped)) {
            gzip.write(segment());
        }
        PutWal.Result r = PutWal.receive(server, new ByteArrayInputStream(TarStreams.of(WAL, gzipped.toByteArray())),
                "");
        assertEquals(List.of(WAL), r.stored());
        assertArrayEquals(gzipped.toByteArray(), Files.readAllBytes(home.resolve("demo/incoming/" + WAL)));
    }

    @Test
    void lowerCaseNameIsRefused() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        byte[] stream = TarStreams.of("00000001000000000000000a", segment());
        BarmanException e = assertThrows(BarmanException.class,
                () -> PutWal.receive(server, new ByteArrayInputStream(stream), ""));
        assertEquals("Unsupported filename '00000001000000000000000a' in put-wal for server 'demo': not a WAL file "
                + "name (segment, .history, .backup or .partial)", e.getMessage());
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
