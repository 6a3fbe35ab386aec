package org.barmanj.core.backup;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test writes files as rsync would while a follower reads rsync's name lines; util-linux's {@code fincore}
 * tells how much of each file is still in the page cache. The folder is on this project's disk (ext4), not on a
 * tmpfs, whose pages cannot be dropped.
 */
class EarlySyncTest {
    private static final int MIB = 1 << 20;

    @Test
    void filesLeaveThePageCacheOnceOnDiskAndKeepTheirBytes() throws Exception {
        Path root = Files.createTempDirectory(Path.of("target"), "early-sync-");
        assertNotEquals("tmpfs", Files.getFileStore(root).type());
        Random random = new Random(3);
        byte[] small = new byte[MIB / 2];
        byte[] finished = new byte[8 * MIB];
        byte[] growing = new byte[(int) (3 * EarlySync.CHUNK)];
        random.nextBytes(small);
        random.nextBytes(finished);
        random.nextBytes(growing);
        try (EarlySync early = new EarlySync()) {
            EarlySync.Follower follower = early.follow(root);
            follower.line("sub/");
            Files.createDirectories(root.resolve("sub"));
            follower.line("sub/small");
            Files.write(root.resolve("sub/small"), small);
            follower.line("finished");
            Files.write(root.resolve("finished"), finished);
            follower.line("growing");
            try (OutputStream out = Files.newOutputStream(root.resolve("growing"))) {
                out.write(growing, 0, (int) (2 * EarlySync.CHUNK));
                out.flush();
                // While rsync still writes a file, what it wrote is flushed and dropped in steps.
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (cachedBytes(root.resolve("growing")) >= 2 * EarlySync.CHUNK && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(cachedBytes(root.resolve("growing")) < 2 * EarlySync.CHUNK, "dropped while growing");
                out.write(growing, (int) (2 * EarlySync.CHUNK), (int) EarlySync.CHUNK);
            }
            follower.finished();
        }
        assertEquals(0, cachedBytes(root.resolve("finished")), "a finished file is dropped");
        assertEquals(0, cachedBytes(root.resolve("growing")), "the last file is dropped when rsync ends");
        assertEquals(small.length, cachedBytes(root.resolve("sub/small")), "a small file is left alone");
        assertArrayEquals(digest(small), digest(Files.readAllBytes(root.resolve("sub/small"))));
        assertArrayEquals(digest(finished), digest(Files.readAllBytes(root.resolve("finished"))));
        assertArrayEquals(digest(growing), digest(Files.readAllBytes(root.resolve("growing"))));
        deleteTree(root);
    }

    private static long cachedBytes(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("fincore", "--bytes", "--noheadings", "--output", "RES", file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), out);
        return Long.parseLong(out);
    }

    private static byte[] digest(byte[] bytes) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
