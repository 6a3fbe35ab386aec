package org.barmanj.core.streaming;

import org.barmanj.core.fs.Durable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The segment being received, as pg_receivewal writes it: {@code <segment>.partial}, padded with zeros to the
 * segment size before the first write (an existing one of full size is written over in place), renamed to
 * {@code <segment>} once complete, after an fsync of the file and followed by one of the folder.
 */
final class SegmentFile implements AutoCloseable {
    private static final int ZEROS = 1 << 20;

    private final Path folder;
    private final String name;
    private final long size;
    private final FileChannel channel;
    /** Bytes written from the segment's start. */
    private long written;
    /** Bytes known to be on disk. */
    private long synced;

    private SegmentFile(Path folder, String name, long size, FileChannel channel) {
        this.folder = folder;
        this.name = name;
        this.size = size;
        this.channel = channel;
    }

    /** Opens (creating and padding it if absent or empty) the {@code .partial} of segment {@code name}. */
    static SegmentFile open(Path folder, String name, long size) throws IOException {
        Path partial = folder.resolve(name + ".partial");
        boolean exists = Files.exists(partial);
        long existing = exists ? Files.size(partial) : 0;
        if (existing != 0 && existing != size) {
            throw new IOException("write-ahead log file \"" + partial.getFileName() + "\" has " + existing
                    + " bytes, should be 0 or " + size);
        }
        FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (existing == 0) {
                ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZEROS, size));
                for (long at = 0; at < size; at += zeros.capacity()) {
                    zeros.clear();
                    while (zeros.hasRemaining()) {
                        ch.write(zeros, at + zeros.position());
                    }
                }
                ch.force(true);
                if (!exists) {
                    Durable.syncFolder(folder);
                }
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new SegmentFile(folder, name, size, ch);
    }

    String name() {
        return name;
    }

    long written() {
        return written;
    }

    boolean complete() {
        return written == size;
    }

    /** Writes {@code data} (which must fit in the segment) at the current end. */
    void write(ByteBuffer data) throws IOException {
        if (written + data.remaining() > size) {
            throw new IllegalArgumentException("WAL data beyond the end of segment " + name);
        }
        while (data.hasRemaining()) {
            written += channel.write(data, written);
        }
    }

    /** fsync of what was written since the last one; returns whether there was anything. */
    boolean sync() throws IOException {
        if (synced == written) {
            return false;
        }
        channel.force(false);
        synced = written;
        return true;
    }

    /** The complete segment made durable under its own name. */
    void finish() throws IOException {
        sync();
        channel.close();
        Files.move(folder.resolve(name + ".partial"), folder.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Durable.syncFolder(folder);
    }

    /** Leaves the {@code .partial} as it is, made durable. */
    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            sync();
            channel.close();
        }
    }
}
