package org.barmanj.cloud;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.compat.PyLiteral;

/**
 * barman-cloud-backup-show: one backup's metadata, by id or by name, as Barman 3.4 prints it: the console form
 * of {@code barman show-backup} rendered from the backup.info alone (no WAL or catalog sections), or
 * {@code --format json} (any value but {@code console}): {@code {SERVER_NAME: backup.info}}, keyed by the
 * server name the backup.info records.
 */
public final class CloudBackupShow {
    static final String PROG = "barman-cloud-backup-show";
    private static final String DESCRIPTION = "This script can be used to show metadata for backups made with"
            + " barman-cloud-backup command. barmanj supports the aws-s3 cloud provider.";

    private static final String ROW = "  %s: %s";
    private static final String HEADER = "  %s:";

    private CloudBackupShow() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = new CloudArgs(PROG, DESCRIPTION, List.of(CloudArgs.url("source"), CloudArgs.SERVER_NAME,
                    new CloudArgs.Positional("backup_id", "the backup ID")), 3, List.of(CloudBackupList.FORMAT))
                    .parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            String server = args.positionals.get(1);
            boolean console = "console".equals(CloudBackupList.format(args));
            return CloudCommand.run(args, "backup show", CloudCommand.Bucket.REQUIRED, cloud -> {
                BucketCatalog catalog = new BucketCatalog(cloud, server);
                String backupId = catalog.parseBackupId(args.positionals.get(2));
                BackupInfo info = catalog.info(backupId);
                if (info == null) {
                    CloudLog.error("Backup " + backupId + " for server " + server + " does not exist");
                    return CloudExit.OPERATION;
                }
                PrintStream out = CloudText.stdout();
                out.print(console ? console(info) : json(info));
                out.flush();
                return CloudExit.OK;
            });
        } catch (CloudExit e) {
            return e.code;
        }
    }

    /** {SERVER_NAME: to_json()}, as barman show-backup's top level; a backup.info without one is keyed "null". */
    static String json(BackupInfo info) {
        Map<String, Object> d = BackupInfoView.toJson(info);
        Map<Object, Object> top = new LinkedHashMap<>();
        top.put(d.get("server_name"), d);
        return PyJsonWriter.dumps(top) + "\n";
    }

    /** Barman's render_show_backup of to_dict(). */
    static String console(BackupInfo info) {
        Map<String, Object> b = BackupInfoView.toDict(info);
        StringBuilder out = new StringBuilder();
        line(out, "Backup " + b.get("backup_id") + ":");
        if (b.get("backup_name") != null) {
            row(out, "Backup Name", b.get("backup_name"));
        }
        row(out, "Server Name", b.get("server_name"));
        if (truthy(b.get("systemid"))) {
            row(out, "System Id", b.get("systemid"));
        }
        Object status = b.get("status");
        row(out, "Status", status);
        boolean copyDone = "DONE".equals(status) || "WAITING_FOR_WALS".equals(status);
        if (copyDone) {
            row(out, "PostgreSQL Version", b.get("version"));
            row(out, "PGDATA directory", b.get("pgdata"));
            line(out, "");
            snapshots(out, b.get("snapshots_info"));
            tablespaces(out, b.get("tablespaces"));
            base(out, b);
        } else if (truthy(b.get("error"))) {
            row(out, "Error", b.get("error"));
        }
        return out.toString();
    }

    private static void snapshots(StringBuilder out, Object snapshots) {
        if (!(snapshots instanceof Map<?, ?> info)) {
            return;
        }
        header(out, "Snapshot information");
        for (Map.Entry<?, ?> e : info.entrySet()) {
            if (!"snapshots".equals(e.getKey()) && !"provider_info".equals(e.getKey())) {
                nested(out, str(e.getKey()), e.getValue());
            }
        }
        if (info.get("provider_info") instanceof Map<?, ?> provider) {
            provider.forEach((k, v) -> nested(out, str(k), v));
        }
        line(out, "");
        if (info.get("snapshots") instanceof List<?> list) {
            for (Object s : list) {
                if (s instanceof Map<?, ?> m) {
                    if (m.get("provider") instanceof Map<?, ?> p) {
                        Map<String, Object> sorted = new TreeMap<>();
                        p.forEach((k, v) -> sorted.put(str(k), v));
                        sorted.forEach((k, v) -> nested(out, k, v));
                    }
                    Map<?, ?> mount = m.get("mount") instanceof Map<?, ?> x ? x : Map.of();
                    nested(out, "Mount point", mount.get("mount_point"));
                    nested(out, "Mount options", mount.get("mount_options"));
                    line(out, "");
                }
            }
        }
    }

    private static void tablespaces(StringBuilder out, Object tablespaces) {
        if (!(tablespaces instanceof List<?> list) || list.isEmpty()) {
            return;
        }
        header(out, "Tablespaces");
        for (Object o : list) {
            BackupInfo.Tablespace t = (BackupInfo.Tablespace) o;
            nested(out, t.name(), t.location() + " (oid: " + t.oid() + ")");
        }
        line(out, "");
    }

    private static void base(StringBuilder out, Map<String, Object> b) {
        header(out, "Base backup information");
        Long size = (Long) b.get("size");
        Long dedup = (Long) b.get("deduplicated_size");
        if (size != null) {
            // Barman 3.4 adds "(X with WALs)" from a wal_size its cloud command never has, and fails there.
            nested(out, "Disk usage", prettySize(size));
        }
        if (dedup != null && size != null && size > 0) {
            double ratio = 1 - (double) dedup / size;
            nested(out, "Incremental size", prettySize(dedup) + " (-" + percent(ratio) + ")");
        }
        nested(out, "Timeline", b.get("timeline"));
        nested(out, "Begin WAL", b.get("begin_wal"));
        nested(out, "End WAL", b.get("end_wal"));
        nested(out, "Begin time", b.get("begin_time"));
        nested(out, "End time", b.get("end_time"));
        if (b.get("copy_stats") instanceof Map<?, ?> stats && !stats.isEmpty()) {
            Object copyTime = stats.get("copy_time");
            if (truthy(copyTime)) {
                double seconds = ((Number) copyTime).doubleValue();
                String value = humanDelta(seconds);
                if (stats.get("analysis_time") instanceof Number analysis && analysis.doubleValue() >= 1) {
                    value += " + " + humanDelta(analysis.doubleValue()) + " startup";
                }
                nested(out, "Copy time", value);
                Long bytes = dedup != null && dedup != 0 ? dedup : size;
                if (bytes != null) {
                    String rate = prettySize(bytes / seconds) + "/s";
                    Object workers = stats.containsKey("number_of_workers") ? stats.get("number_of_workers") : 1L;
                    if (workers instanceof Number n && n.doubleValue() > 1) {
                        rate += " (" + str(workers) + " jobs)";
                    }
                    nested(out, "Estimated throughput", rate);
                }
            }
        }
        nested(out, "Begin Offset", b.get("begin_offset"));
        nested(out, "End Offset", b.get("end_offset"));
        nested(out, "Begin LSN", b.get("begin_xlog"));
        nested(out, "End LSN", b.get("end_xlog"));
        line(out, "");
    }

    /** Python's truth value of the types a backup.info decodes to. */
    private static boolean truthy(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        return true;
    }

    /** Python's str() of a to_dict() value. */
    static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof OffsetDateTime t) {
            return PyDateTime.format(t);
        }
        return PyLiteral.repr(v);
    }

    private static void line(StringBuilder out, String text) {
        out.append(text).append('\n');
    }

    private static void header(StringBuilder out, String title) {
        line(out, String.format(HEADER, title));
    }

    /** "  {:<23}: {}" */
    private static void row(StringBuilder out, String label, Object value) {
        line(out, String.format(ROW, CloudText.left(label, 23), str(value)));
    }

    /** "    {:<21}: {}" */
    private static void nested(StringBuilder out, String label, Object value) {
        line(out, "  " + String.format(ROW, CloudText.left(label, 21), str(value)));
    }

    /** Barman's pretty_size, unit 1024. */
    static String prettySize(double size) {
        String[] suffixes = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
        for (int i = 0; i < suffixes.length; i++) {
            if (Math.abs(size) < 1024 || i == suffixes.length - 1) {
                if (i == 0) {
                    return (long) size + " B";
                }
                return new BigDecimal(size).setScale(1, RoundingMode.HALF_EVEN).toPlainString() + " " + suffixes[i];
            }
            size /= 1024;
        }
        throw new AssertionError();
    }

    /** "{:.2%}" */
    private static String percent(double ratio) {
        return new BigDecimal(ratio * 100).setScale(2, RoundingMode.HALF_EVEN).toPlainString() + "%";
    }

    /** Barman's human_readable_timedelta of timedelta(seconds=s). */
    static String humanDelta(double s) {
        // timedelta rounds to microseconds, half to even.
        long micros = new BigDecimal(s).multiply(BigDecimal.valueOf(1_000_000)).setScale(0, RoundingMode.HALF_EVEN)
                .longValueExact();
        boolean negative = micros < 0;
        long abs = Math.abs(micros);
        long days = abs / 86_400_000_000L;
        long seconds = (abs % 86_400_000_000L) / 1_000_000L;
        List<String> parts = new java.util.ArrayList<>();
        unit(parts, days, "day");
        unit(parts, seconds / 3600, "hour");
        unit(parts, (seconds / 60) % 60, "minute");
        unit(parts, seconds % 60, "second");
        String human = String.join(", ", parts);
        if (abs < 1_000_000L) {
            human = "less than one second";
        }
        return negative ? human + " ago" : human;
    }

    private static void unit(List<String> parts, long n, String name) {
        if (n > 0) {
            parts.add(n + " " + name + (n == 1 ? "" : "s"));
        }
    }
}
