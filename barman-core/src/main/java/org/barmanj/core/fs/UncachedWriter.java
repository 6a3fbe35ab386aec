package org.barmanj.core.fs;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes new files with O_DIRECT where the file system allows it, so their bytes go to the disk without being
 * copied into the page cache first. For files written once and read back much later (received WAL segments)
 * that copy is pure cost: in a WAL burst it was the largest single item of put-wal's CPU time. Elsewhere it
 * falls back to ordinary writes. Either way the caller still fsyncs each file: O_DIRECT does not flush the
 * disk's own cache, nor the file's size.
 *
 * <p>An O_DIRECT write waits for the disk, so one buffer is written by a thread of its own while the caller
 * fills the other. One instance serves any number of files, one after the other.
 */
public final class UncachedWriter implements Closeable {
    private static final int CAPACITY = 1 << 20;
    /** Buffers start and end on this boundary, a multiple of any block size O_DIRECT may ask for. */
    private static final int ALIGN = 1 << 16;
    private static final int DEFAULT_BLOCK = 4096;
    private final byte[] input = new byte[CAPACITY];
    private ByteBuffer filling = alignedBuffer();
    private ByteBuffer spare = alignedBuffer();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "uncached-writer");
        t.setDaemon(true);
        return t;
    });
    private Future<?> pending;

    /**
     * Copies {@code content} to its end into {@code file}, which must not exist, also feeding every byte to
     * {@code digest}. Returns whether O_DIRECT was used.
     */
    public boolean copy(InputStream content, Path file, MessageDigest digest) throws IOException {
        int block = blockSize(file.getParent());
        boolean direct = block > 0;
        FileChannel channel = direct ? openDirect(file) : null;
        if (channel == null) {
            direct = false;
            block = DEFAULT_BLOCK;
            channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
        try (FileChannel out = channel) {
            long size = 0;
            for (int n = content.readNBytes(input, 0, CAPACITY); n > 0; n = content.readNBytes(input, 0, CAPACITY)) {
                digest.update(input, 0, n);
                size += n;
                for (int done = 0; done < n; ) {
                    int k = Math.min(n - done, filling.remaining());
                    filling.put(input, done, k);
                    done += k;
                    if (!filling.hasRemaining()) {
                        writeBehind(out);
                    }
                }
            }
            int rest = filling.position();
            if (rest > 0) {
                // O_DIRECT writes whole blocks: pad the last one, then cut the file to its real size.
                int padded = (rest + block - 1) / block * block;
                while (filling.position() < padded) {
                    filling.put((byte) 0);
                }
                writeBehind(out);
            }
            awaitWrite();
            if (rest > 0) {
                out.truncate(size);
            }
            return direct;
        } finally {
            awaitQuietly();
            filling.clear();
        }
    }

    /** The file system's block size if O_DIRECT's alignment can be met with it, else 0. */
    private static int blockSize(Path folder) throws IOException {
        long block = Files.getFileStore(folder).getBlockSize();
        return block > 0 && block <= ALIGN && ALIGN % block == 0 ? (int) block : 0;
    }

    /** The file opened with O_DIRECT, or null where the file system refuses the flag. */
    private static FileChannel openDirect(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    ExtendedOpenOption.DIRECT);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            // EINVAL: no O_DIRECT here. Linux may have created the file before refusing the flag.
            Files.deleteIfExists(file);
            return null;
        }
    }

    private void writeBehind(FileChannel out) throws IOException {
        awaitWrite();
        ByteBuffer full = filling.flip();
        pending = writer.submit(() -> {
            while (full.hasRemaining()) {
                out.write(full);
            }
            full.clear();
            return null;
        });
        filling = spare;
        spare = full;
    }

    private void awaitWrite() throws IOException {
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        } finally {
            pending = null;
        }
    }

    /** After a failure: the file is being abandoned, but its channel must not be closed under a running write. */
    private void awaitQuietly() {
        try {
            awaitWrite();
        } catch (IOException e) {
            // The caller already has the first failure.
        }
        spare.clear();
    }

    @Override
    public void close() {
        writer.shutdownNow();
    }

    private static ByteBuffer alignedBuffer() {
        return ByteBuffer.allocateDirect(CAPACITY + ALIGN).alignedSlice(ALIGN);
    }
}
