package org.barmanj.core.wal;

import org.barmanj.core.Events;
import org.barmanj.core.RecordingEvents;
import org.barmanj.core.TestServer;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.catalog.XlogDb;
import org.barmanj.core.compression.Compression;
import org.barmanj.core.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchiverTest {
    @TempDir
    Path home;

    private byte[] incoming(String name, long seed) throws IOException {
        byte[] content = new byte[64 * 1024];
        new Random(seed).nextBytes(content);
        java.util.Arrays.fill(content, 0, 32 * 1024, (byte) 0);
        Path dir = home.resolve("demo/incoming");
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), content);
        Files.setLastModifiedTime(dir.resolve(name), FileTime.from(Instant.ofEpochSecond(1795538010L, 556673300)));
        return content;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "pygzip", "bzip2", "zstd", "lz4", "xz"})
    void archivesCompressesAndCatalogues(String compression) throws IOException {
        ServerConfig server = TestServer.create(home, compression.equals("none") ? "" : "compression = " + compression + "\n");
        byte[] a = incoming("000000010000000000000003", 1);
        byte[] b = incoming("000000010000000000000003.00000028.backup", 2);
        RecordingEvents events = new RecordingEvents();
        List<String> lines = events.info;
        List<String> archived = new Archiver(server, events).archive(true);
        assertEquals(List.of("000000010000000000000003", "000000010000000000000003.00000028.backup"), archived);
        assertEquals(List.of("Processing xlog segments from file archival for demo", "\t000000010000000000000003",
                "\t000000010000000000000003.00000028.backup"), lines);
        Path stored = home.resolve("demo/wals/0000000100000000/000000010000000000000003");
        assertArrayEquals(a, uncompressed(stored), "decompressed content is what PostgreSQL wrote");
        assertArrayEquals(b, uncompressed(home.resolve("demo/wals/0000000100000000/000000010000000000000003.00000028.backup")));
        List<WalFileEntry> xlog = new XlogDb(home.resolve("demo/wals/xlog.db"), false).read();
        assertEquals(2, xlog.size());
        assertEquals(compression.equals("none") ? null : compression, xlog.get(0).compression());
        assertEquals(Files.size(stored), xlog.get(0).size());
        assertEquals("1795538010.5566733", xlog.get(0).time(), "the mtime PostgreSQL's file had, as Barman prints it");
        assertEquals(List.of(), names(home.resolve("demo/incoming")));
        String written = Files.readString(home.resolve("demo/wals/xlog.db"));
        XlogDb.RebuildCounts counts = new XlogDb(home.resolve("demo/wals/xlog.db"), false)
                .rebuild(home.resolve("demo/wals"), Events.SILENT);
        assertEquals(new XlogDb.RebuildCounts(0, 1, 1), counts);
        // As in Barman, a rebuild names the compression after the format found (pygzip writes gzip).
        assertEquals(written.replace("\tpygzip\n", "\tgzip\n"), Files.readString(home.resolve("demo/wals/xlog.db")),
                "rebuild-xlogdb gives the same catalog");
    }

    @Test
    void duplicatesAndUnknownFiles() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        incoming("000000010000000000000004", 1);
        new Archiver(server, Events.SILENT).archive(true);
        incoming("000000010000000000000004", 1);
        new Archiver(server, new RecordingEvents()).archive(false);
        assertEquals(List.of(), names(home.resolve("demo/incoming")), "an identical copy is accepted once");
        assertFalse(Files.exists(home.resolve("demo/errors")) && !names(home.resolve("demo/errors")).isEmpty());
        incoming("000000010000000000000004", 9);
        Files.writeString(home.resolve("demo/incoming/not-a-wal"), "x");
        RecordingEvents events = new RecordingEvents();
        List<String> lines = events.info;
        new Archiver(server, events).archive(false);
        assertTrue(lines.contains("\tError: 000000010000000000000004 is already present in server demo. File moved to "
                + "errors directory."), lines.toString());
        assertTrue(lines.contains("Some unknown objects have been found while processing xlog segments for demo. "
                + "Objects moved to errors directory:"), lines.toString());
        List<String> errors = names(home.resolve("demo/errors"));
        assertEquals(2, errors.size());
        assertTrue(errors.get(0).matches("000000010000000000000004\\.\\d{8}T\\d{6}Z\\.duplicate"), errors.toString());
        assertTrue(errors.get(1).matches("not-a-wal\\.\\d{8}T\\d{6}Z\\.unknown"), errors.toString());
        assertEquals(1, new XlogDb(home.resolve("demo/wals/xlog.db"), false).read().size(), "archived once");
    }

    @Test
    void nothingToDo() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        RecordingEvents events = new RecordingEvents();
        List<String> lines = events.info;
        new Archiver(server, events).archive(true);
        assertEquals(List.of("Processing xlog segments from file archival for demo", "\tno file found"), lines);
    }

    private static byte[] uncompressed(Path file) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Compression.decompress(Compression.detect(file), file, out);
        return out.toByteArray();
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
