package org.barmanj.cloud;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.compat.PyLiteral;

/**
 * A backup.info as Barman 3.4's {@code BackupInfo.to_dict()} and {@code to_json()} see it, which is what
 * barman-cloud-backup-show renders and what barman-cloud-backup-list and -show print as JSON: the fields 3.4
 * knows in name order ({@code backup_name} and {@code snapshots_info} left out when null), then
 * {@code backup_id}. A key the file lacks has 3.4's default (status EMPTY, xlog_segment_size 16 MiB, else None);
 * {@code None} is null; integers are numbers; {@code backup_label} is the Python repr of the label text;
 * {@code tablespaces}, {@code included_files}, {@code copy_stats} and {@code snapshots_info} are the decoded
 * Python values.
 */
final class BackupInfoView {
    private static final Set<String> INTEGERS = Set.of("version", "timeline", "begin_offset", "size",
            "deduplicated_size", "end_offset", "xlog_segment_size");
    private static final Set<String> TIMES = Set.of("begin_time", "end_time");
    private static final Set<String> LITERALS = Set.of("included_files", "copy_stats", "snapshots_info");
    private static final Set<String> HIDDEN_IF_NULL = Set.of("backup_name", "snapshots_info");
    private static final long DEFAULT_SEGMENT_SIZE = 16L * 1024 * 1024;

    private BackupInfoView() {}

    /** to_dict(): times as {@link OffsetDateTime}, tablespaces as {@link BackupInfo.Tablespace}s. */
    static Map<String, Object> toDict(BackupInfo info) {
        Map<String, Object> d = new LinkedHashMap<>();
        for (String key : new TreeSet<>(BackupInfo.CLASSIC_KEYS)) {
            Object value = value(info, key);
            if (value == null && HIDDEN_IF_NULL.contains(key)) {
                continue;
            }
            d.put(key, value);
        }
        d.put("backup_id", info.backupId());
        return d;
    }

    /** to_json(): the same with times as {@code ctime()} text and tablespaces as lists. */
    static Map<String, Object> toJson(BackupInfo info) {
        Map<String, Object> d = toDict(info);
        if (d.get("tablespaces") instanceof List<?> tablespaces) {
            List<Object> lists = new ArrayList<>();
            for (Object t : tablespaces) {
                BackupInfo.Tablespace ts = (BackupInfo.Tablespace) t;
                lists.add(List.of(ts.name(), ts.oid(), ts.location()));
            }
            d.put("tablespaces", lists);
        }
        for (String key : TIMES) {
            if (d.get(key) instanceof OffsetDateTime t) {
                d.put(key, PyDateTime.ctime(t));
            }
        }
        return d;
    }

    private static Object value(BackupInfo info, String key) {
        if (!info.keys().contains(key)) {
            return switch (key) {
                case "status" -> "EMPTY";
                case "xlog_segment_size" -> DEFAULT_SEGMENT_SIZE;
                default -> null;
            };
        }
        String raw = info.raw(key);
        if (raw == null) {
            return null;
        }
        if (INTEGERS.contains(key)) {
            return Long.valueOf(raw.strip());
        }
        if (TIMES.contains(key)) {
            return PyDateTime.parse(raw);
        }
        if (LITERALS.contains(key)) {
            return PyLiteral.parse(raw);
        }
        return switch (key) {
            // load_tablespace_list: an empty list is None.
            case "tablespaces" -> {
                List<BackupInfo.Tablespace> t = info.get(BackupInfo.TABLESPACES);
                yield t == null || t.isEmpty() ? null : t;
            }
            // items() dumps it with null_repr: the repr of the text, None when empty.
            case "backup_label" -> {
                Object label = PyLiteral.parse(raw);
                yield label == null || "".equals(label) ? null : PyLiteral.repr(label);
            }
            default -> raw;
        };
    }
}
