package org.barmanj.core.compression;

import org.barmanj.core.process.ChildProcesses;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * WAL compression as Barman does it: the file keeps its WAL name, {@code xlog.db} records the compressor's
 * name, and the format is recognised by its magic bytes. gzip runs in-process; bzip2, pigz, xz, zstd and lz4
 * run the command of the same name ({@code bzip2 -c}, ...), as Barman 3.4 runs gzip and bzip2.
 */
public final class Compression {
    /** Known formats, in Barman's detection order (alphabetical by name). */
    private static final List<Format> FORMATS = List.of(
            new Format("bzip2", new byte[] {0x42, 0x5a, 0x68}, List.of("bzip2")),
            new Format("gzip", new byte[] {0x1f, (byte) 0x8b, 0x08}, null),
            new Format("lz4", new byte[] {0x04, 0x22, 0x4d, 0x18}, List.of("lz4", "-q")),
            new Format("xz", new byte[] {(byte) 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00}, List.of("xz")),
            new Format("zstd", new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}, List.of("zstd", "-q")));
    /** Configuration names that write a format under another name (Barman's in-process and parallel variants). */
    private static final Map<String, String> ALIASES = Map.of("pygzip", "gzip", "pigz", "gzip", "pybzip2", "bzip2");

    private record Format(String name, byte[] magic, List<String> command) {
    }

    private Compression() {
    }

    /** True for the values of {@code compression} we can write. */
    public static boolean supported(String name) {
        return name != null && format(name) != null;
    }

    private static Format format(String name) {
        String base = ALIASES.getOrDefault(name, name);
        for (Format f : FORMATS) {
            if (f.name().equals(base)) {
                return f;
            }
        }
        return null;
    }

    /** The compression of a file from its first bytes, as Barman names it; null for none. */
    public static String detect(Path file) throws IOException {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(10);
        }
        for (Format f : FORMATS) {
            if (head.length >= f.magic().length && Arrays.equals(head, 0, f.magic().length, f.magic(), 0,
                    f.magic().length)) {
                return f.name();
            }
        }
        return null;
    }

    /** Compresses {@code source} into {@code target} with the configured compressor. */
    public static void compress(String name, Path source, Path target) throws IOException {
        Format f = format(name);
        if (f == null) {
            throw new IOException("unsupported compression '" + name + "'");
        }
        if (name.equals("pigz")) {
            run(List.of("pigz", "-c"), source, target);
        } else if (f.command() == null) {
            try (InputStream in = Files.newInputStream(source);
                 OutputStream out = new GZIPOutputStream(Files.newOutputStream(target), 1 << 16)) {
                in.transferTo(out);
            }
        } else {
            List<String> command = new java.util.ArrayList<>(f.command());
            command.add("-c");
            run(command, source, target);
        }
    }

    /** Writes the uncompressed content of {@code source} (compressed with {@code name}, or null) to {@code out}. */
    public static void decompress(String name, Path source, OutputStream out) throws IOException {
        if (name == null) {
            try (InputStream in = Files.newInputStream(source)) {
                in.transferTo(out);
            }
            return;
        }
        Format f = format(name);
        if (f == null) {
            throw new IOException("unsupported compression '" + name + "' of " + source);
        }
        if (f.command() == null) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(source), 1 << 16)) {
                in.transferTo(out);
            }
            return;
        }
        List<String> command = new java.util.ArrayList<>(f.command());
        command.add("-dc");
        Process p = ChildProcesses.start(new ProcessBuilder(command).redirectInput(source.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT));
        try (InputStream in = p.getInputStream()) {
            in.transferTo(out);
        }
        waitFor(p, command);
    }

    private static void run(List<String> command, Path source, Path target) throws IOException {
        Process p = ChildProcesses.start(new ProcessBuilder(command).redirectInput(source.toFile())
                .redirectOutput(target.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT));
        waitFor(p, command);
    }

    private static void waitFor(Process p, List<String> command) throws IOException {
        try {
            int code = p.waitFor();
            if (code != 0) {
                throw new IOException("'" + String.join(" ", command) + "' exited with code " + code);
            }
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0));
        }
    }
}
