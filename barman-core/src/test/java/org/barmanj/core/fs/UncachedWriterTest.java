package org.barmanj.core.fs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class UncachedWriterTest {
    @TempDir
    Path dir;

    /**
     * Sizes around the block and buffer boundaries, arriving in uneven pieces, through one writer: each file
     * holds exactly its bytes, the digest saw exactly them, and on ext4/xfs (this project's machines) O_DIRECT
     * was used.
     */
    @Test
    void writesExactlyTheBytesGiven() throws IOException, NoSuchAlgorithmException {
        Random random = new Random(7);
        int[] sizes = {0, 1, 511, 4096, 4097, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 16 << 20, 3 * (1 << 20) + 12345};
        String type = Files.getFileStore(dir).type();
        try (UncachedWriter writer = new UncachedWriter()) {
            for (int size : sizes) {
                byte[] content = new byte[size];
                random.nextBytes(content);
                Path file = dir.resolve("file-" + size);
                MessageDigest digest = MessageDigest.getInstance("MD5");
                boolean direct = writer.copy(new UnevenPieces(content), file, digest);
                if (type.equals("ext4") || type.equals("xfs")) {
                    assertEquals(true, direct, "O_DIRECT on " + type);
                }
                assertArrayEquals(content, Files.readAllBytes(file), "size " + size);
                assertArrayEquals(MessageDigest.getInstance("MD5").digest(content), digest.digest(), "size " + size);
            }
        }
    }

    @Test
    void refusesAnExistingFile() throws IOException, NoSuchAlgorithmException {
        Path file = dir.resolve("taken");
        Files.writeString(file, "earlier");
        try (UncachedWriter writer = new UncachedWriter()) {
            MessageDigest digest = MessageDigest.getInstance("MD5");
            assertThrows(FileAlreadyExistsException.class,
                    () -> writer.copy(new ByteArrayInputStream(new byte[10]), file, digest));
        }
        assertEquals("earlier", Files.readString(file));
    }

    /** Returns at most a growing, uneven number of bytes per read, as a pipe does. */
    private static final class UnevenPieces extends InputStream {
        private final byte[] content;
        private int position;
        private int piece = 1;

        UnevenPieces(byte[] content) {
            this.content = content;
        }

        @Override
        public int read() {
            return position < content.length ? content[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position == content.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, piece), content.length - position);
            System.arraycopy(content, position, b, off, n);
            position += n;
            piece = piece % 200_000 * 7 + 3;
            return n;
        }
    }
}
