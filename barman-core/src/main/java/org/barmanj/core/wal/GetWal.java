package org.barmanj.core.wal;

import org.barmanj.core.compression.Compression;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.process.ChildProcesses;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** {@code barman get-wal}: finding a WAL file in the archive and sending it uncompressed (or re-compressed). */
public final class GetWal {
    private GetWal() {
    }

    /** Where Barman looks for a WAL file, in order; with {@code partial}, also its {@code .partial} copies. */
    public static List<Path> candidates(CatalogLayout layout, String name, boolean partial) {
        Path archived = layout.walPath(name);
        Path incoming = layout.incomingDirectory().resolve(name);
        Path streaming = layout.streamingDirectory().resolve(name);
        List<Path> paths = new ArrayList<>(List.of(archived, incoming, streaming));
        if (partial) {
            paths.add(streaming.resolveSibling(name + ".partial"));
            paths.add(streaming);
            paths.add(archived.resolveSibling(name + ".partial"));
            paths.add(incoming.resolveSibling(name + ".partial"));
        }
        // Last, the archive again: the archiver may have moved the file while we looked.
        paths.add(archived);
        return paths;
    }

    /** The first existing candidate, or null. */
    public static Path find(CatalogLayout layout, String name, boolean partial) {
        for (Path p : candidates(layout, name, partial)) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * {@code --peek N}: up to N names from {@code name} on that exist anywhere in the server's WAL folders,
     * crossing to the next log file number after a missing power-of-two segment, as Barman does.
     */
    public static List<String> peek(CatalogLayout layout, String name, int count) {
        List<String> names = new ArrayList<>();
        if (!WalName.isSegment(name)) {
            if (find(layout, name, false) != null && count > 0) {
                names.add(name);
            }
            return names;
        }
        int tli = WalName.timeline(name);
        long log = WalName.log(name);
        long seg = WalName.segment(name);
        while (names.size() < count) {
            String candidate = WalName.name(tli, log, seg);
            if (find(layout, candidate, false) != null) {
                names.add(candidate);
                seg++;
                continue;
            }
            if (seg == 0 || (seg & (seg - 1)) != 0) {
                break;
            }
            log++;
            seg = 0;
            if (find(layout, WalName.name(tli, log, seg), false) == null) {
                break;
            }
        }
        return names;
    }

    /**
     * Writes the WAL file to {@code out}: decompressed (its compression is read from its magic bytes), then
     * re-compressed with {@code gzip} or {@code bzip2} when asked. {@code .partial} files are sent as stored.
     */
    public static void send(Path file, String outputCompression, OutputStream out) throws IOException {
        String stored = file.getFileName().toString().endsWith(".partial") ? null : Compression.detect(file);
        if (outputCompression == null) {
            Compression.decompress(stored, file, out);
        } else if (outputCompression.equals("gzip")) {
            GZIPOutputStream gzip = new GZIPOutputStream(new NonClosing(out), 1 << 16);
            Compression.decompress(stored, file, gzip);
            gzip.finish();
        } else {
            Process p = ChildProcesses.start(new ProcessBuilder("bzip2", "-c")
                    .redirectError(ProcessBuilder.Redirect.INHERIT));
            Thread pump = new Thread(() -> {
                try (OutputStream toBzip2 = p.getOutputStream()) {
                    Compression.decompress(stored, file, toBzip2);
                } catch (IOException e) {
                    p.destroy();
                }
            });
            pump.start();
            p.getInputStream().transferTo(out);
            try {
                pump.join();
                if (p.waitFor() != 0) {
                    throw new IOException("bzip2 failed");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        out.flush();
    }

    /** Lets a compressor finish without closing standard output. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
