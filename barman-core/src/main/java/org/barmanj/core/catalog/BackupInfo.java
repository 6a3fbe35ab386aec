package org.barmanj.core.catalog;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.compat.Printable;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.compat.PyLiteral;
import org.barmanj.core.fs.Durable;
import org.barmanj.core.fs.IoReason;

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
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A backup's {@code backup.info}: sorted {@code key=value} lines. Values are kept as the exact text read, so a
 * file read and written back is byte-identical. Each key Barman knows is a typed {@link Field} (Barman's
 * {@code infofile.py}): it checks the text when the file is read, decodes it on {@link #get} and encodes a value on
 * {@link #set} the way Barman writes it ({@code None} for null, Python literals, Python datetimes).
 */
public final class BackupInfo {
    /** Barman's backup statuses. */
    public enum Status {
        EMPTY, STARTED, WAITING_FOR_WALS, DONE, FAILED, SYNCING,
        /**
         * A status text this version does not know (another tool's, a newer Barman's): the backup stays listed
         * with that text ({@link #statusText()}) and counts as none of the others; never written.
         */
        UNKNOWN;

        /** Backups whose copy is complete: the ones {@code latest}, restore and retention consider. */
        public boolean copyDone() {
            return this == WAITING_FOR_WALS || this == DONE;
        }

        private static Status of(String text) {
            for (Status s : values()) {
                if (s != UNKNOWN && s.name().equals(text)) {
                    return s;
                }
            }
            return UNKNOWN;
        }
    }

    /** A key of backup.info and how its value is written: text as is, integers, datetimes, Python literals. */
    public static final class Field<T> {
        private final String key;
        private final Function<String, T> decode;
        private final Function<T, String> encode;

        private Field(String key, Function<String, T> decode, Function<T, String> encode) {
            this.key = key;
            this.decode = decode;
            this.encode = encode;
        }
    }

    private static final Map<String, Field<?>> FIELDS = new TreeMap<>();

    private static <T> Field<T> field(String key, Function<String, T> decode, Function<T, String> encode) {
        Field<T> f = new Field<>(key, decode, encode);
        FIELDS.put(key, f);
        return f;
    }

    private static Field<String> text(String key) {
        return field(key, v -> v, v -> v);
    }

    private static Field<Long> integer(String key) {
        return field(key, v -> {
            try {
                return Long.valueOf(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer");
            }
        }, String::valueOf);
    }

    /** A WAL segment name: Barman's code takes its timeline and numbers apart. */
    private static Field<String> segment(String key) {
        return field(key, v -> {
            if (!WalName.isSegment(v)) {
                throw new IllegalArgumentException("expected a WAL segment name (24 hexadecimal digits)");
            }
            return v;
        }, v -> v);
    }

    /** An LSN, {@code H/L} in hexadecimal. */
    private static Field<String> lsn(String key) {
        return field(key, v -> {
            try {
                WalName.parseLsn(v);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("expected an LSN (such as 0/2000028)");
            }
            return v;
        }, v -> v);
    }

    private static Field<OffsetDateTime> time(String key) {
        return field(key, PyDateTime::parse, PyDateTime::format);
    }

    /** Barman writes empty containers and empty strings as {@code None}. */
    private static <T> Field<T> literal(String key, Function<Object, T> decode) {
        return field(key, v -> decode.apply(PyLiteral.parse(v)), v -> {
            boolean empty = v instanceof String s && s.isEmpty() || v instanceof List<?> l && l.isEmpty()
                    || v instanceof Map<?, ?> m && m.isEmpty();
            return empty ? null : PyLiteral.repr(v);
        });
    }

    public static final Field<String> BACKUP_LABEL = literal("backup_label", v -> v instanceof String s ? s : null);
    public static final Field<String> BACKUP_NAME = text("backup_name");
    public static final Field<Long> BEGIN_OFFSET = integer("begin_offset");
    public static final Field<OffsetDateTime> BEGIN_TIME = time("begin_time");
    public static final Field<String> BEGIN_WAL = segment("begin_wal");
    public static final Field<String> BEGIN_XLOG = lsn("begin_xlog");
    public static final Field<String> COMPRESSION = text("compression");
    public static final Field<String> CONFIG_FILE = text("config_file");
    @SuppressWarnings("unchecked")
    public static final Field<Map<Object, Object>> COPY_STATS = literal("copy_stats",
            v -> v instanceof Map<?, ?> m ? (Map<Object, Object>) m : Map.of());
    public static final Field<Long> DEDUPLICATED_SIZE = integer("deduplicated_size");
    public static final Field<Long> END_OFFSET = integer("end_offset");
    public static final Field<OffsetDateTime> END_TIME = time("end_time");
    public static final Field<String> END_WAL = segment("end_wal");
    public static final Field<String> END_XLOG = lsn("end_xlog");
    public static final Field<String> ERROR = text("error");
    public static final Field<String> HBA_FILE = text("hba_file");
    public static final Field<String> IDENT_FILE = text("ident_file");
    @SuppressWarnings("unchecked")
    public static final Field<List<String>> INCLUDED_FILES = literal("included_files",
            v -> v instanceof List<?> l ? (List<String>) l : List.of());
    public static final Field<String> MODE = text("mode");
    public static final Field<String> PGDATA = text("pgdata");
    public static final Field<String> SERVER_NAME = text("server_name");
    public static final Field<Long> SIZE = integer("size");
    public static final Field<Object> SNAPSHOTS_INFO = literal("snapshots_info", v -> v);
    public static final Field<Status> STATUS = field("status", Status::of, s -> {
        if (s == Status.UNKNOWN) {
            throw new IllegalArgumentException("an unknown status is only read, never written");
        }
        return s.name();
    });
    public static final Field<String> SYSTEMID = text("systemid");
    public static final Field<List<Tablespace>> TABLESPACES = field("tablespaces", BackupInfo::decodeTablespaces,
            BackupInfo::encodeTablespaces);
    public static final Field<Long> TIMELINE = integer("timeline");
    public static final Field<Long> VERSION = integer("version");
    public static final Field<Long> XLOG_SEGMENT_SIZE = integer("xlog_segment_size");
    /** The fields Barman 3.13 and later add; kept as text, never written into a classic-dialect file. */
    public static final Field<String> CHILDREN_BACKUP_IDS = text("children_backup_ids");
    public static final Field<Long> CLUSTER_SIZE = integer("cluster_size");
    public static final Field<String> DATA_CHECKSUMS = text("data_checksums");
    public static final Field<String> ENCRYPTION = text("encryption");
    public static final Field<String> PARENT_BACKUP_ID = text("parent_backup_id");
    public static final Field<String> SUMMARIZE_WAL = text("summarize_wal");

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
    /**
     * What a backup whose copy is done (DONE, WAITING_FOR_WALS) must record: without them Barman 3.4's
     * list-backups, show-backup, check or recover fail with a Python exception; here the file is corrupt.
     * {@code begin_time} is not among them: Barman shows it as {@code None} (and so do we).
     */
    private static final List<String> REQUIRED_WHEN_COPY_DONE = List.of("begin_wal", "end_wal", "end_time",
            "timeline");

    /** A tablespace as recorded in {@code tablespaces}. */
    public record Tablespace(String name, long oid, String location) {
    }

    private final String backupId;
    private final String source;
    /** The server whose catalog holds the file: its server name when the file has none, as Barman's. */
    private final String catalogServer;
    private final TreeMap<String, String> values = new TreeMap<>();

    private BackupInfo(String backupId, String source, String catalogServer) {
        this.backupId = backupId;
        this.source = source;
        this.catalogServer = catalogServer;
    }

    /** A new, empty backup.info for a backup being created. */
    public static BackupInfo create(String backupId, boolean newerDialect) {
        BackupInfo info = new BackupInfo(backupId, backupId, null);
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
        info.values.put(STATUS.key, Status.EMPTY.name());
        return info;
    }

    /**
     * Parses the text of a backup.info found in the catalog of {@code serverName}; every known key's value is
     * checked, and what a backup whose copy is done must record, so a corrupt file is reported here, naming the
     * file, the line and what was expected.
     */
    public static BackupInfo parse(String backupId, String serverName, String text, String source) {
        BackupInfo info = new BackupInfo(backupId, source, serverName);
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
        if (info.copyDone()) {
            for (String key : REQUIRED_WHEN_COPY_DONE) {
                if (info.raw(key) == null) {
                    throw new BarmanException(ErrorCode.CATALOG_CORRUPT, "corrupt backup.info " + source + ": "
                            + key + " is " + (info.values.containsKey(key) ? "None" : "missing") + ", and a "
                            + info.statusText() + " backup must have it");
                }
            }
        }
        return info;
    }

    private static void check(String key, String value) {
        Field<?> field = FIELDS.get(key);
        if (field != null && !value.equals("None")) {
            field.decode.apply(value);
        }
    }

    private static BarmanException corrupt(String source, int line, String what) {
        return new BarmanException(ErrorCode.CATALOG_CORRUPT, "corrupt backup.info " + source + " line " + line
                + ": " + Printable.of(what));
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
                throw new BarmanException(ErrorCode.IO, "Cannot write " + file + ": " + IoReason.of(e), inPlace);
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

    /** A value as Barman prints it: the text of the file, {@code None} when absent. */
    public String shown(String key) {
        String v = raw(key);
        return v == null ? "None" : v;
    }

    /** The raw text of a value, exactly as in the file, or null when absent or {@code None}. */
    public String raw(String key) {
        String v = values.get(key);
        return v == null || v.equals("None") ? null : v;
    }

    /** The decoded value of a field, or null when absent or {@code None}. */
    public <T> T get(Field<T> field) {
        String v = raw(field.key);
        return v == null ? null : field.decode.apply(v);
    }

    /** Sets a field, encoded as Barman writes it ({@code null} is written {@code None}). */
    public <T> void set(Field<T> field, T value) {
        String text = value == null ? null : field.encode.apply(value);
        if (text != null && text.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("backup.info values are single lines: " + field.key);
        }
        values.put(field.key, text == null ? "None" : text);
    }

    public Status status() {
        Status s = get(STATUS);
        return s == null ? Status.EMPTY : s;
    }

    /** The status as the file has it, for display: an unknown one is shown as written. */
    public String statusText() {
        String text = raw(STATUS.key);
        return text == null ? Status.EMPTY.name() : text;
    }

    /** The file's server_name, else the server whose catalog holds it. */
    public String serverName() {
        String name = get(SERVER_NAME);
        return name != null ? name : catalogServer;
    }

    public String backupName() {
        return get(BACKUP_NAME);
    }

    public String beginWal() {
        return get(BEGIN_WAL);
    }

    public String endWal() {
        return get(END_WAL);
    }

    /** Absent for a backup that has not started, and in files where Barman left it None. */
    public Optional<OffsetDateTime> beginTime() {
        return Optional.ofNullable(get(BEGIN_TIME));
    }

    public OffsetDateTime endTime() {
        return get(END_TIME);
    }

    public Long size() {
        return get(SIZE);
    }

    public Long deduplicatedSize() {
        return get(DEDUPLICATED_SIZE);
    }

    public int timeline() {
        Long t = get(TIMELINE);
        return t == null ? 0 : t.intValue();
    }

    public long xlogSegmentSize() {
        Long s = get(XLOG_SEGMENT_SIZE);
        return s == null ? WalName.DEFAULT_SEGMENT_SIZE : s;
    }

    public String error() {
        return get(ERROR);
    }

    public String backupLabel() {
        return get(BACKUP_LABEL);
    }

    /** {@code copy_stats} as a map, or an empty map. */
    public Map<Object, Object> copyStats() {
        Map<Object, Object> stats = get(COPY_STATS);
        return stats == null ? Map.of() : stats;
    }

    public List<Tablespace> tablespaces() {
        List<Tablespace> tablespaces = get(TABLESPACES);
        return tablespaces == null ? List.of() : tablespaces;
    }

    public boolean copyDone() {
        return status().copyDone();
    }

    /** {@code [('name', oid, 'location'), ...]}; any other shape is not Barman's, and the file is corrupt. */
    private static List<Tablespace> decodeTablespaces(String text) {
        Object v = PyLiteral.parse(text);
        if (!(v instanceof List<?> list)) {
            throw new IllegalArgumentException("expected a list of (name, oid, location)");
        }
        List<Tablespace> result = new ArrayList<>();
        for (Object item : list) {
            List<?> t = item instanceof PyLiteral.Tuple tuple ? tuple.items() : item instanceof List<?> l ? l : null;
            if (t == null || t.size() != 3 || !(t.get(0) instanceof String name) || !(t.get(1) instanceof Number oid)
                    || !(t.get(2) instanceof String location)) {
                throw new IllegalArgumentException("expected a list of (name, oid, location), found " + PyLiteral.repr(item));
            }
            result.add(new Tablespace(name, oid.longValue(), location));
        }
        return result;
    }

    private static String encodeTablespaces(List<Tablespace> tablespaces) {
        if (tablespaces.isEmpty()) {
            return null;
        }
        List<Object> tuples = new ArrayList<>();
        for (Tablespace t : tablespaces) {
            tuples.add(new PyLiteral.Tuple(List.of(t.name(), t.oid(), t.location())));
        }
        return PyLiteral.repr(tuples);
    }
}
