package org.barmanj.core.catalog;

import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.compat.PyLiteral;
import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;

import org.barmanj.core.fs.Durable;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A backup's {@code backup.info}: sorted {@code key=value} lines. Values are kept as the exact text
 * read, so a file read and written back is byte-identical; typed accessors decode on demand and
 * setters encode the way Barman does ({@code None} for null, Python literals, Python datetimes).
 */
public final class BackupInfo {
    public static final String EMPTY = "EMPTY";
    public static final String STARTED = "STARTED";
    public static final String WAITING_FOR_WALS = "WAITING_FOR_WALS";
    public static final String DONE = "DONE";
    public static final String FAILED = "FAILED";
    public static final String SYNCING = "SYNCING";
    /** Backups whose copy is complete: the ones {@code latest}, restore and retention consider. */
    public static final Set<String> COPY_DONE = Set.of(WAITING_FOR_WALS, DONE);

    /** The keys Barman 3.4 writes (and the only ones it can read). */
    public static final Set<String> CLASSIC_KEYS = Set.of("backup_label", "backup_name", "begin_offset",
            "begin_time", "begin_wal", "begin_xlog", "compression", "config_file", "copy_stats",
            "deduplicated_size", "end_offset", "end_time", "end_wal", "end_xlog", "error", "hba_file",
            "ident_file", "included_files", "mode", "pgdata", "server_name", "size", "snapshots_info", "status",
            "systemid", "tablespaces", "timeline", "version", "xlog_segment_size");
    /** Keys added by Barman 3.13 and later. */
    public static final Set<String> NEWER_KEYS = Set.of("children_backup_ids", "cluster_size", "data_checksums",
            "encryption", "parent_backup_id", "summarize_wal");
    private static final Set<String> OMITTED_WHEN_NULL = Set.of("backup_name", "snapshots_info");
    private static final Set<String> INT_KEYS = Set.of("begin_offset", "end_offset", "size", "deduplicated_size",
            "timeline", "version", "xlog_segment_size", "cluster_size");
    private static final Set<String> TIME_KEYS = Set.of("begin_time", "end_time");
    private static final Set<String> LITERAL_KEYS = Set.of("backup_label", "copy_stats", "included_files",
            "tablespaces", "snapshots_info");

    /** A tablespace as recorded in {@code tablespaces}. */
    public record Tablespace(String name, long oid, String location) {
    }

    private final String backupId;
    private final String source;
    private final TreeMap<String, String> values = new TreeMap<>();

    private BackupInfo(String backupId, String source) {
        this.backupId = backupId;
        this.source = source;
    }

    /** A new, empty backup.info for a backup being created. */
    public static BackupInfo create(String backupId, boolean newerDialect) {
        BackupInfo info = new BackupInfo(backupId, backupId);
        for (String key : CLASSIC_KEYS) {
            if (!OMITTED_WHEN_NULL.contains(key)) {
                info.values.put(key, "None");
            }
        }
        if (newerDialect) {
            for (String key : NEWER_KEYS) {
                info.values.put(key, "None");
            }
        }
        info.values.put("status", EMPTY);
        return info;
    }

    /**
     * Parses the text of a backup.info; every known key's value is checked, so a corrupt file is
     * reported here, naming the file, the line and what was expected.
     */
    public static BackupInfo parse(String backupId, String text, String source) {
        BackupInfo info = new BackupInfo(backupId, source);
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw corrupt(source, i + 1, "'" + line + "' is not a key=value line");
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            try {
                check(key, value);
            } catch (IllegalArgumentException e) {
                throw corrupt(source, i + 1, key + "=" + value + ": " + e.getMessage());
            }
            info.values.put(key, value);
        }
        return info;
    }

    private static void check(String key, String value) {
        if (value.equals("None")) {
            return;
        }
        if (INT_KEYS.contains(key)) {
            try {
                Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer");
            }
        } else if (TIME_KEYS.contains(key)) {
            PyDateTime.parse(value);
        } else if (LITERAL_KEYS.contains(key)) {
            PyLiteral.parse(value);
        }
    }

    private static BarmanException corrupt(String source, int line, String what) {
        return new BarmanException(ErrorCode.CATALOG_CORRUPT, "corrupt backup.info " + source + " line " + line
                + ": " + what);
    }

    /** The file content: every key, sorted, one {@code key=value} line each. */
    public String render() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (OMITTED_WHEN_NULL.contains(e.getKey()) && e.getValue().equals("None")) {
                continue;
            }
            out.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        return out.toString();
    }

    /**
     * Writes the file atomically: {@code <file>.tmp}, fsync, rename over {@code file}, fsync of the folder. When
     * that fails (a full disk is the usual reason) and the file exists, it is rewritten in place instead, which
     * reuses its blocks: a backup that failed because the disk filled up can still be marked FAILED.
     */
    public void save(Path file) {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] bytes = render().getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(file.getParent());
            Files.write(temp, bytes);
            Durable.syncFile(temp);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durable.syncFolder(file.getParent());
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
                if (!Files.exists(file)) {
                    throw e;
                }
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        ch.write(buffer, buffer.position());
                    }
                    ch.truncate(bytes.length);
                    ch.force(true);
                }
            } catch (IOException inPlace) {
                inPlace.addSuppressed(e);
                throw new BarmanException(ErrorCode.IO, "Cannot write " + file + ": " + e.getMessage(), inPlace);
            }
        }
    }

    public String backupId() {
        return backupId;
    }

    /** Where the file was read from (for messages). */
    public String source() {
        return source;
    }

    /** Keys present in the file, sorted. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** The raw text of a value, or null when absent or {@code None}. */
    public String raw(String key) {
        String v = values.get(key);
        return v == null || v.equals("None") ? null : v;
    }

    /** Sets the raw text of a value ({@code null} is written {@code None}); must be a single line. */
    public void setRaw(String key, String value) {
        if (value != null && value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("backup.info values are single lines: " + key);
        }
        values.put(key, value == null ? "None" : value);
    }

    public void setTime(String key, OffsetDateTime value) {
        setRaw(key, value == null ? null : PyDateTime.format(value));
    }

    /** Stores a Python literal; Barman writes empty containers and empty strings as {@code None}. */
    public void setLiteral(String key, Object value) {
        boolean empty = value == null || (value instanceof String s && s.isEmpty())
                || (value instanceof List<?> l && l.isEmpty()) || (value instanceof Map<?, ?> m && m.isEmpty());
        setRaw(key, empty ? null : PyLiteral.repr(value));
    }

    public void setTablespaces(List<Tablespace> tablespaces) {
        List<Object> tuples = new ArrayList<>();
        for (Tablespace t : tablespaces) {
            tuples.add(new PyLiteral.Tuple(List.of(t.name(), t.oid(), t.location())));
        }
        setLiteral("tablespaces", tuples);
    }

    public String string(String key) {
        return raw(key);
    }

    public Long number(String key) {
        String v = raw(key);
        return v == null ? null : Long.valueOf(v);
    }

    public OffsetDateTime time(String key) {
        String v = raw(key);
        return v == null ? null : PyDateTime.parse(v);
    }

    public Object literal(String key) {
        String v = raw(key);
        return v == null ? null : PyLiteral.parse(v);
    }

    public String status() {
        String s = raw("status");
        return s == null ? EMPTY : s;
    }

    public String serverName() {
        return raw("server_name");
    }

    public String backupName() {
        return raw("backup_name");
    }

    public String beginWal() {
        return raw("begin_wal");
    }

    public String endWal() {
        return raw("end_wal");
    }

    public OffsetDateTime beginTime() {
        return time("begin_time");
    }

    public OffsetDateTime endTime() {
        return time("end_time");
    }

    public Long size() {
        return number("size");
    }

    public Long deduplicatedSize() {
        return number("deduplicated_size");
    }

    public int timeline() {
        Long t = number("timeline");
        return t == null ? 0 : t.intValue();
    }

    public long xlogSegmentSize() {
        Long s = number("xlog_segment_size");
        return s == null ? WalName.DEFAULT_SEGMENT_SIZE : s;
    }

    public String error() {
        return raw("error");
    }

    public String backupLabel() {
        Object v = literal("backup_label");
        return v instanceof String s ? s : null;
    }

    /** {@code copy_stats} as a map, or an empty map. */
    @SuppressWarnings("unchecked")
    public Map<Object, Object> copyStats() {
        Object v = literal("copy_stats");
        return v instanceof Map<?, ?> m ? (Map<Object, Object>) m : Map.of();
    }

    public List<Tablespace> tablespaces() {
        Object v = literal("tablespaces");
        List<Tablespace> result = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object item : list) {
                List<?> t = item instanceof PyLiteral.Tuple tuple ? tuple.items() : (List<?>) item;
                result.add(new Tablespace((String) t.get(0), ((Number) t.get(1)).longValue(), (String) t.get(2)));
            }
        }
        return result;
    }

    public boolean copyDone() {
        return COPY_DONE.contains(status());
    }
}
