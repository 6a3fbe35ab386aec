package org.barmanj.core.streaming;

import org.barmanj.core.fs.Durable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The segment being received, as pg_receivewal writes it: {@code <segment>.partial}, padded with zeros to the
 * segment size before the first write (an existing one of full size is written over in place; the padding may be
 * done ahead of time, see {@link #prepare}), renamed to
 * {@code <segment>} once complete, after an fsync of the file and followed by one of the folder. One thread writes;
 * {@link #sync} may run on a second one (a synchronous receiver's flusher) while it does.
 */
final class SegmentFile implements AutoCloseable {
    private static final int ZEROS = 1 << 20;

    private final Path folder;
    private final String name;
    private final long size;
    /** The WAL position of the segment's first byte. */
    private final long start;
    private final FileChannel channel;
    /** Bytes written from the segment's start. */
    private volatile long written;
    /** Bytes known to be on disk. */
    private long synced;

    private SegmentFile(Path folder, String name, long size, long start, FileChannel channel) {
        this.folder = folder;
        this.name = name;
        this.size = size;
        this.start = start;
        this.channel = channel;
    }

    /**
     * Opens the {@code .partial} of segment {@code name}, which begins at WAL position {@code start}: an existing one
     * of full size as it is, else the one {@link #prepare}d ahead of time, else a new one padded here.
     */
    static SegmentFile open(Path folder, String name, long size, long start) throws IOException {
        Path partial = folder.resolve(name + ".partial");
        boolean exists = Files.exists(partial);
        long existing = exists ? Files.size(partial) : 0;
        if (existing != 0 && existing != size) {
            throw new IOException("write-ahead log file \"" + partial.getFileName() + "\" has " + existing
                    + " bytes, should be 0 or " + size);
        }
        Path prepared = prepared(folder, name);
        if (!exists && Files.isRegularFile(prepared) && Files.size(prepared) == size) {
            Files.move(prepared, partial, StandardCopyOption.ATOMIC_MOVE);
            Durable.syncFolder(folder);
            existing = size;
        }
        FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            if (existing == 0) {
                pad(ch, size);
                if (!exists) {
                    Durable.syncFolder(folder);
                }
            }
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new SegmentFile(folder, name, size, start, ch);
    }

    /**
     * Pads segment {@code name} with zeros ahead of its first byte, so that opening it costs a rename rather than
     * the writing and fsync of a whole segment: into {@code .<name>.partial}, a name that Barman's glob, ours and
     * pg_receivewal do not take for WAL. Nothing is done when the segment's file or the prepared one exists.
     */
    static void prepare(Path folder, String name, long size) throws IOException {
        Path prepared = prepared(folder, name);
        if (Files.exists(folder.resolve(name + ".partial")) || Files.exists(folder.resolve(name))
                || Files.exists(prepared)) {
            return;
        }
        Path tmp = folder.resolve(prepared.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            pad(ch, size);
        }
        Files.move(tmp, prepared, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the segments prepared and not used (zeros only; a receiver killed may leave one). */
    static void removePrepared(Path folder) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, ".*.partial*")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static Path prepared(Path folder, String name) {
        return folder.resolve("." + name + ".partial");
    }

    private static void pad(FileChannel ch, long size) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZEROS, size));
        for (long at = 0; at < size; at += zeros.capacity()) {
            zeros.clear();
            while (zeros.hasRemaining()) {
                ch.write(zeros, at + zeros.position());
            }
        }
        ch.force(true);
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

    /**
     * fsync of what was written since the last one (nothing once closed: closing syncs); returns the WAL position
     * up to which the segment is on disk.
     */
    synchronized long sync() throws IOException {
        long upTo = written;
        if (upTo != synced && channel.isOpen()) {
            channel.force(false);
            synced = upTo;
        }
        return start + synced;
    }

    /** The complete segment made durable under its own name. */
    synchronized void finish() throws IOException {
        sync();
        channel.close();
        Files.move(folder.resolve(name + ".partial"), folder.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
        Durable.syncFolder(folder);
    }

    /** Leaves the {@code .partial} as it is, made durable. */
    @Override
    public synchronized void close() throws IOException {
        if (channel.isOpen()) {
            sync();
            channel.close();
        }
    }
}
