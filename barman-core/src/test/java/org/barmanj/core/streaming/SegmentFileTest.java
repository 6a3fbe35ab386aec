package org.barmanj.core.streaming;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SegmentFileTest {
    private static final long SIZE = 1 << 20;
    private static final long START = 0x3000000L;
    private static final String NAME = "000000010000000000000003";

    @TempDir
    Path folder;

    @Test
    void paddedPartialSyncedPositionsAndTheRenameWhenComplete() throws Exception {
        SegmentFile segment = SegmentFile.open(folder, NAME, SIZE, START);
        Path partial = folder.resolve(NAME + ".partial");
        assertEquals(SIZE, Files.size(partial), "padded to the segment size at once");
        assertEquals(START, segment.sync(), "nothing written: durable at the segment's start");
        segment.write(ByteBuffer.wrap(bytes(1000, 7)));
        assertEquals(START + 1000, segment.sync());
        assertEquals(START + 1000, segment.sync(), "a second fsync with nothing new keeps the position");
        segment.write(ByteBuffer.wrap(bytes((int) SIZE - 1000, 9)));
        assertTrue(segment.complete());
        segment.finish();
        assertFalse(Files.exists(partial));
        assertEquals(SIZE, Files.size(folder.resolve(NAME)));
        assertEquals(START + SIZE, segment.sync(), "closed: all of it is on disk");
    }

    /** The reader writes while a flusher fsyncs: every position returned was written, the last is the end. */
    @Test
    void syncFromASecondThreadWhileWriting() throws Exception {
        SegmentFile segment = SegmentFile.open(folder, NAME, SIZE, START);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService flusher = Executors.newSingleThreadExecutor();
        try {
            Future<Long> lastSeen = flusher.submit(() -> {
                long last = START;
                while (writing.get()) {
                    long at = segment.sync();
                    if (at < last || at > START + segment.written()) {
                        throw new AssertionError("position " + at + " after " + last);
                    }
                    last = at;
                }
                return last;
            });
            byte[] expected = new byte[(int) SIZE];
            for (int at = 0; at < SIZE; at += 4096) {
                byte[] block = bytes(4096, at / 4096);
                System.arraycopy(block, 0, expected, at, block.length);
                segment.write(ByteBuffer.wrap(block));
            }
            writing.set(false);
            assertTrue(lastSeen.get() <= START + SIZE);
            segment.finish();
            assertEquals(START + SIZE, segment.sync());
            assertArrayEquals(expected, Files.readAllBytes(folder.resolve(NAME)));
        } finally {
            flusher.shutdownNow();
        }
    }

    @Test
    void closedIncompleteStaysPartial() throws Exception {
        SegmentFile segment = SegmentFile.open(folder, NAME, SIZE, START);
        segment.write(ByteBuffer.wrap(bytes(10, 1)));
        segment.close();
        assertEquals(START + 10, segment.sync());
        byte[] kept = Files.readAllBytes(folder.resolve(NAME + ".partial"));
        assertEquals(SIZE, kept.length);
        assertArrayEquals(bytes(10, 1), Arrays.copyOf(kept, 10));
        assertEquals(0, kept[10], "the rest still zeros");
    }

    @Test
    void aPreparedSegmentIsTakenOverAndLeftoversRemoved() throws Exception {
        SegmentFile.prepare(folder, NAME, SIZE);
        Path prepared = folder.resolve("." + NAME + ".partial");
        assertEquals(SIZE, Files.size(prepared), "padded ahead, under a hidden name");
        SegmentFile segment = SegmentFile.open(folder, NAME, SIZE, START);
        assertFalse(Files.exists(prepared), "renamed into place");
        segment.write(ByteBuffer.wrap(bytes(10, 3)));
        segment.close();
        byte[] kept = Files.readAllBytes(folder.resolve(NAME + ".partial"));
        assertEquals(SIZE, kept.length);
        assertArrayEquals(bytes(10, 3), Arrays.copyOf(kept, 10));

        SegmentFile.prepare(folder, NAME, SIZE);
        assertFalse(Files.exists(prepared), "not prepared again: its .partial exists");
        String next = "000000010000000000000004";
        SegmentFile.prepare(folder, next, SIZE);
        Files.writeString(folder.resolve("." + next + ".partial.tmp"), "a padding cut short");
        SegmentFile.removePrepared(folder);
        try (var left = Files.list(folder)) {
            assertEquals(java.util.List.of(NAME + ".partial"), left.map(p -> p.getFileName().toString()).toList());
        }
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) (seed % 251 + 1));
        return b;
    }
}
