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
        byte[] content = new byte[1 << 20];
        new Random(seed).nextBytes(content);
        java.util.Arrays.fill(content, 0, 512 * 1024, (byte) 0);
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

    /**
     * What cannot be a WAL file PostgreSQL wrote goes to errors/, never into the archive: a symbolic link (its target
     * is left alone), an empty or cut segment, a lower-case name.
     */
    @Test
    void refusesWhatIsNotAWalFile() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        Path outside = Files.writeString(home.resolve("outside"), "not a WAL");
        Path dir = home.resolve("demo/incoming");
        Files.createDirectories(dir);
        Files.createSymbolicLink(dir.resolve("000000010000000000000005"), outside);
        Files.write(dir.resolve("000000010000000000000006"), new byte[0]);
        Files.write(dir.resolve("000000010000000000000007"), new byte[8192]);
        incoming("00000001000000000000000a", 1);
        RecordingEvents events = new RecordingEvents();
        assertEquals(List.of(), new Archiver(server, events).archive(true));
        assertEquals(List.of("Processing xlog segments from file archival for demo", "\tno file found",
                "Some unknown objects have been found while processing xlog segments for demo. "
                        + "Objects moved to errors directory:", "\t000000010000000000000005",
                "\t000000010000000000000006", "\t000000010000000000000007", "\t00000001000000000000000a"),
                events.info);
        List<String> errors = names(home.resolve("demo/errors"));
        assertEquals(4, errors.size(), errors.toString());
        errors.forEach(e -> assertTrue(e.matches("[0-9a-fA-F]{24}\\.\\d{8}T\\d{6}Z\\.unknown"), e));
        assertTrue(Files.isSymbolicLink(home.resolve("demo/errors/" + errors.get(0))), "the link itself is moved");
        assertEquals("not a WAL", Files.readString(outside));
        assertFalse(Files.exists(home.resolve("demo/wals/0000000100000000")));
        assertEquals(List.of(), names(dir));
    }

    /** A put-wal that died mid-stream leaves its temporary file: removed once its process is gone, not before. */
    @Test
    void removesWhatDeadPutWalsLeft() throws IOException, InterruptedException {
        ServerConfig server = TestServer.create(home, "");
        Path dir = home.resolve("demo/incoming");
        Files.createDirectories(dir);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path orphan = Files.writeString(dir.resolve("." + gone.pid() + "-000000010000000000000008"), "cut");
        Path live = Files.writeString(dir.resolve("." + ProcessHandle.current().pid() + "-000000010000000000000009"),
                "still arriving");
        assertTrue(PutWal.isOrphanedTemporary(orphan));
        assertFalse(PutWal.isOrphanedTemporary(live));
        new Archiver(server, Events.SILENT).archive(true);
        assertEquals(List.of(live.getFileName().toString()), names(dir));
    }

    @Test
    void nothingToDo() throws IOException {
        ServerConfig server = TestServer.create(home, "");
        RecordingEvents events = new RecordingEvents();
        List<String> lines = events.info;
        new Archiver(server, events).archive(true);
        assertEquals(List.of("Processing xlog segments from file archival for demo", "\tno file found"), lines);
    }

    @Test
    void archiveHooksRunAroundEachFileAndAStopRequestLeavesTheRestInIncoming() throws IOException {
        Path seen = home.resolve("seen");
        ServerConfig server = TestServer.create(home, "post_archive_script = echo \"$BARMAN_PHASE $BARMAN_SEGMENT "
                + "$BARMAN_FILE $BARMAN_SIZE [$BARMAN_ERROR]\" >> " + seen + "\n"
                + "pre_archive_retry_script = [ \"$BARMAN_SEGMENT\" != 000000010000000000000003 ] || exit 63\n");
        incoming("000000010000000000000002", 1);
        incoming("000000010000000000000003", 2);
        incoming("000000010000000000000004", 3);
        RecordingEvents events = new RecordingEvents();
        assertEquals(List.of("000000010000000000000002"), new Archiver(server, events).archive(false));
        assertEquals(List.of("post 000000010000000000000002 " + home.resolve(
                "demo/wals/0000000100000000/000000010000000000000002") + " 1048576 []"), Files.readAllLines(seen));
        assertEquals(List.of("000000010000000000000003", "000000010000000000000004"),
                names(home.resolve("demo/incoming")));
        assertTrue(events.all.contains("WARNING: Archiving of demo/000000010000000000000003 aborted by "
                + "pre_archive_retry_script. Reason: pre_archive_retry_script '[ \"$BARMAN_SEGMENT\" != "
                + "000000010000000000000003 ] || exit 63' was aborted (got exit status 63, Barman requested to stop)"),
                events.all.toString());
    }

    private byte[] streamed(String name, long seed) throws IOException {
        byte[] content = new byte[1 << 20];
        new Random(seed).nextBytes(content);
        java.util.Arrays.fill(content, 0, 512 * 1024, (byte) 0);
        Path dir = Files.createDirectories(home.resolve("demo/streaming"));
        Files.write(dir.resolve(name), content);
        return content;
    }

    private static final String STREAMING = "streaming_archiver = on\nslot_name = barman\n";

    /**
     * Barman's StreamingWalArchiver: segments and history files in name order, then the .partial files but the
     * newest (a previous timeline's one here), which receive-wal is writing; streaming/ before incoming/, each with
     * its header; compression as configured; .tmp files and unknown names as Barman.
     */
    @Test
    void streamingFolderBeforeIncomingTheNewestPartialStays() throws IOException {
        ServerConfig server = TestServer.create(home, STREAMING + "compression = gzip\n");
        byte[] segment = streamed("000000010000000000000003", 1);
        byte[] oldPartial = streamed("000000010000000000000004.partial", 2);
        streamed("00000002.history", 3);
        streamed("000000020000000000000004", 4);
        streamed("000000020000000000000005.partial", 5);
        streamed("000000020000000000000006.tmp", 6);
        Files.writeString(home.resolve("demo/streaming/junk"), "x");
        incoming("000000020000000000000004.00000028.backup", 7);
        RecordingEvents events = new RecordingEvents();
        List<String> archived = new Archiver(server, events).archive(true);
        assertEquals(List.of("000000010000000000000003", "00000002.history", "000000020000000000000004",
                "000000010000000000000004.partial", "000000020000000000000004.00000028.backup"), archived);
        assertEquals(List.of("Processing xlog segments from streaming for demo", "\t000000010000000000000003",
                "\t00000002.history", "\t000000020000000000000004", "\t000000010000000000000004.partial",
                "Some unknown objects have been found while processing xlog segments for demo. Objects moved to "
                        + "errors directory:", "\tjunk",
                "Processing xlog segments from file archival for demo",
                "\t000000020000000000000004.00000028.backup"), events.info);
        assertEquals(List.of("000000020000000000000005.partial", "000000020000000000000006.tmp"),
                names(home.resolve("demo/streaming")));
        assertArrayEquals(segment, uncompressed(home.resolve("demo/wals/0000000100000000/000000010000000000000003")));
        assertArrayEquals(oldPartial, uncompressed(home.resolve(
                "demo/wals/0000000100000000/000000010000000000000004.partial")));
        assertEquals("gzip", Compression.detect(home.resolve("demo/wals/00000002.history")));
        List<WalFileEntry> xlog = new XlogDb(home.resolve("demo/wals/xlog.db"), false).read();
        assertEquals(5, xlog.size());
        assertEquals("000000010000000000000004.partial", xlog.get(3).name(), "after the rest, as Barman");
        assertEquals("gzip", xlog.get(3).compression());
    }

    /** Without a .partial file the newest file stays, for the receiver to find where it was. */
    @Test
    void withoutPartialTheNewestStreamedFileStays() throws IOException {
        ServerConfig server = TestServer.create(home, STREAMING);
        streamed("000000010000000000000003", 1);
        streamed("000000010000000000000004", 2);
        assertEquals(List.of("000000010000000000000003"), new Archiver(server, Events.SILENT).archive(false));
        assertEquals(List.of("000000010000000000000004"), names(home.resolve("demo/streaming")));
        RecordingEvents events = new RecordingEvents();
        assertEquals(List.of(), new Archiver(server, events).archive(true), "one file is always left");
        assertEquals(List.of("Processing xlog segments from streaming for demo", "\tno file found",
                "Processing xlog segments from file archival for demo", "\tno file found"), events.info);
    }

    /** {@code archiver = off}: only streaming/ is filed; its batch size is streaming_archiver_batch_size. */
    @Test
    void streamingOnlyWithItsBatchSize() throws IOException {
        ServerConfig server = TestServer.create(home, STREAMING + "archiver = off\nstreaming_archiver_batch_size = 2\n"
                + "archiver_batch_size = 1\n");
        for (int i = 1; i <= 4; i++) {
            streamed("00000001000000000000000" + i, i);
        }
        streamed("000000010000000000000005.partial", 5);
        incoming("000000010000000000000009", 9);
        RecordingEvents events = new RecordingEvents();
        assertEquals(List.of("000000010000000000000001", "000000010000000000000002"),
                new Archiver(server, events).archive(true));
        assertEquals(List.of("Processing xlog segments from streaming for demo (batch size: 2)",
                "\t000000010000000000000001", "\t000000010000000000000002"), events.info);
        assertEquals(List.of("000000010000000000000009"), names(home.resolve("demo/incoming")), "archiver = off");
    }

    /** A streamed file already archived: dropped when identical, to errors/ as a duplicate when not. */
    @Test
    void streamedDuplicates() throws IOException {
        ServerConfig server = TestServer.create(home, STREAMING);
        incoming("000000010000000000000003", 1);
        incoming("000000010000000000000004", 2);
        new Archiver(server, Events.SILENT).archive(true);
        streamed("000000010000000000000003", 1);
        streamed("000000010000000000000004", 9);
        streamed("000000010000000000000005.partial", 5);
        RecordingEvents events = new RecordingEvents();
        assertEquals(List.of("000000010000000000000003", "000000010000000000000004"),
                new Archiver(server, events).archive(false));
        assertTrue(events.info.contains("\tError: 000000010000000000000004 is already present in server demo. File "
                + "moved to errors directory."), events.info.toString());
        List<String> errors = names(home.resolve("demo/errors"));
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).matches("000000010000000000000004\\.\\d{8}T\\d{6}Z\\.duplicate"), errors.toString());
        assertEquals(List.of("000000010000000000000005.partial"), names(home.resolve("demo/streaming")));
        assertEquals(2, new XlogDb(home.resolve("demo/wals/xlog.db"), false).read().size());
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
