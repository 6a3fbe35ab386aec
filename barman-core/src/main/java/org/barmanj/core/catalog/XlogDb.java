package org.barmanj.core.catalog;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.compat.Printable;
import org.barmanj.core.compression.Compression;
import org.barmanj.core.fs.IoReason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The WAL catalog of one server: {@code wals/xlog.db} (4 columns, Barman up to 3.12) or
 * {@code <server>-xlog.db} (5 columns, 3.13 and later). One tab-separated line per archived file.
 */
public final class XlogDb {
    private final Path file;
    private final boolean fiveColumns;

    public XlogDb(Path file, boolean fiveColumns) {
        this.file = file;
        this.fiveColumns = fiveColumns;
    }

    /** True for the 5-column dialect of Barman 3.13 and later. */
    public boolean fiveColumns() {
        return fiveColumns;
    }

    /** Every entry in file order; a missing file is an empty catalog. */
    public List<WalFileEntry> read() {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot read " + file + ": " + IoReason.of(e), e);
        }
        return parse(text, file.toString());
    }

    /** Appends entries and fsyncs the file (the caller holds the server's xlogdb lock). */
    public void append(List<WalFileEntry> entries) {
        StringBuilder text = new StringBuilder();
        for (WalFileEntry e : entries) {
            text.append(e.line());
        }
        try {
            Files.createDirectories(file.getParent());
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.APPEND)) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot append to " + file + ": " + IoReason.of(e), e);
        }
    }

    /**
     * Replaces the whole catalog: written to a temporary file, fsync'd, renamed over the catalog, folder
     * fsync'd (the caller holds the server's xlogdb lock).
     */
    public void replace(List<WalFileEntry> entries) {
        StringBuilder text = new StringBuilder();
        entries.forEach(e -> text.append(e.line()));
        Path temp = file.resolveSibling(file.getFileName() + ".rewrite.tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            org.barmanj.core.fs.Durable.syncFile(temp);
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            org.barmanj.core.fs.Durable.syncFolder(file.getParent());
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot rewrite " + file + ": " + IoReason.of(e), e);
        }
    }

    /** What a rebuild found. */
    public record RebuildCounts(int history, int backupLabels, int walFiles) {
    }

    /**
     * Rewrites the catalog from the files under {@code wals/} (Barman's rebuild-xlogdb): segments and
     * {@code .backup} files in the hash folders, {@code .history} files at the top; size and time from the file,
     * compression from its first bytes. Written to a temporary file, fsync'd, renamed over the catalog.
     */
    public RebuildCounts rebuild(Path walsDirectory, Events events) {
        List<WalFileEntry> entries = new ArrayList<>();
        int history = 0;
        int labels = 0;
        int wals = 0;
        try {
            for (Path top : sorted(walsDirectory)) {
                String name = top.getFileName().toString();
                if (name.startsWith("xlog.db") || name.endsWith("-xlog.db") || name.startsWith(".")) {
                    continue;
                }
                if (Files.isDirectory(top)) {
                    for (Path f : sorted(top)) {
                        String n = f.getFileName().toString();
                        if (Files.isDirectory(f)) {
                            events.warning("unexpected directory rebuilding the wal database: " + f);
                        } else if (WalName.isSegment(n) || WalName.isBackupLabel(n)) {
                            if (WalName.isSegment(n)) {
                                wals++;
                            } else {
                                labels++;
                            }
                            entries.add(WalFileEntry.of(n, f, Compression.detect(f), fiveColumns));
                        } else {
                            events.warning((n.endsWith(".tmp") ? "temporary" : "unexpected")
                                    + " file found rebuilding the wal database: " + f);
                        }
                    }
                } else if (WalName.isHistory(name)) {
                    history++;
                    entries.add(WalFileEntry.of(name, top, Compression.detect(top), fiveColumns));
                } else {
                    events.warning("unexpected file rebuilding the wal database: " + top);
                }
            }
            replace(entries);
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot rebuild " + file + ": " + IoReason.of(e), e);
        }
        return new RebuildCounts(history, labels, wals);
    }

    private static List<Path> sorted(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /** Parses xlog.db text; accepts 3, 4 or 5 whitespace-separated fields per line. */
    public static List<WalFileEntry> parse(String text, String source) {
        List<WalFileEntry> entries = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\\s+");
            if (f.length < 3 || f.length > 5 || !WalName.isAny(f[0]) || !isNumber(f[1]) || !isFloat(f[2])) {
                throw new BarmanException(ErrorCode.CATALOG_CORRUPT, source + " line " + (i + 1)
                        + ": cannot parse '" + Printable.of(line) + "' (expected: WAL file name, size, time, compression"
                        + "[, encryption]); "
                        + "'barman rebuild-xlogdb' recreates the file from the archive");
            }
            String compression = f.length > 3 ? none(f[3]) : null;
            String encryption = f.length > 4 ? none(f[4]) : null;
            entries.add(new WalFileEntry(f[0], Long.parseLong(f[1]), f[2], compression, encryption, f.length == 5));
        }
        return entries;
    }

    private static String none(String v) {
        return v.equals("None") ? null : v;
    }

    private static boolean isNumber(String s) {
        return s.matches("\\d{1,18}");
    }

    private static boolean isFloat(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
