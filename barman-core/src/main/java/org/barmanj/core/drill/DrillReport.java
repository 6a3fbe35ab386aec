package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.compat.Formats;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a drill found and measured: one row per check (OK, FAILED or SKIPPED, the method used, why), the times and
 * sizes. Stored as {@code base/<id>/drill.json}, a file Barman 3.4 never reads.
 */
public record DrillReport(String server, String backupId, OffsetDateTime started, OffsetDateTime ended,
                          String postgresVersion, String target, List<Check> checks, Figures figures) {
    public static final String FILE = "drill.json";

    public enum Result { OK, FAILED, SKIPPED }

    /** One check: its name, result, how it was done (null when there is only one way) and the detail. */
    public record Check(String name, Result result, String method, String detail) {
        public String line() {
            return name + ": " + result + (method == null ? "" : " [" + method + "]")
                    + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    /**
     * Seconds: the copy ({@code Recovery.run}), WAL replay (postgres started to consistency), to accept
     * connections (from the start), the checks, the whole drill; bytes of the base backup copied and the WAL
     * segments staged for replay; the redo as PostgreSQL logged it ({@code redo}, null in a {@code drill.json}
     * written before it was recorded, or when the log had none).
     */
    public record Figures(double copySeconds, double replaySeconds, double acceptSeconds, double checksSeconds,
                          double totalSeconds, long bytesCopied, long walSegments, long walBytes, Redo redo) {
        public Figures(double copySeconds, double replaySeconds, double acceptSeconds, double checksSeconds,
                       double totalSeconds, long bytesCopied, long walSegments, long walBytes) {
            this(copySeconds, replaySeconds, acceptSeconds, checksSeconds, totalSeconds, bytesCopied, walSegments,
                    walBytes, null);
        }

        /** Bytes per second of the copy (0 when it took no measurable time). */
        public double copyThroughput() {
            return copySeconds > 0 ? bytesCopied / copySeconds : 0;
        }

        /** WAL bytes per second of replay. */
        public double replayThroughput() {
            return replaySeconds > 0 ? walBytes / replaySeconds : 0;
        }

        /**
         * Bytes the restore wrote (base backup and WAL files, uncompressed) per second of the copy: the copy time
         * includes the WAL files'.
         */
        public double restoreThroughput() {
            return copySeconds > 0 ? (bytesCopied + walBytes) / copySeconds : 0;
        }

        /**
         * Seconds from the start of postgres to accepting connections, without the redo (the end-of-recovery
         * checkpoint included); null without a measured redo.
         */
        public Double startOverheadSeconds() {
            return redo == null ? null : Math.max(0, acceptSeconds - redo.seconds());
        }
    }

    /** The redo: WAL bytes from {@code redo starts at} to {@code redo done at}, and its seconds. */
    public record Redo(long bytes, double seconds) {
        /** Bytes per second (0 when it took no measurable time). */
        public double throughput() {
            return seconds > 0 ? bytes / seconds : 0;
        }
    }

    /** OK when nothing FAILED. */
    public boolean ok() {
        return checks.stream().noneMatch(c -> c.result() == Result.FAILED);
    }

    /** The first failure, as {@code <check>: <detail>}; null when OK. */
    public String reason() {
        return checks.stream().filter(c -> c.result() == Result.FAILED).findFirst()
                .map(c -> c.name() + ": " + (c.detail() == null ? "failed" : c.detail())).orElse(null);
    }

    /** One line: {@code OK, total 12s} or {@code FAILED (<reason>)}, with the time it ended. */
    public String summary() {
        return (ok() ? "OK" : "FAILED (" + reason() + ")") + ", " + ended.withNano(0) + ", total "
                + Formats.duration(figures.totalSeconds());
    }

    /**
     * The {@code restore drill} row of check: ok, and its hint. OK when the newest drill passed and, with a
     * maximum age, ended within it; else why not. {@code latest}: the newest drill, or null.
     */
    public static Map.Entry<Boolean, String> checkRow(DrillReport latest, Duration maximumAge, OffsetDateTime now) {
        if (latest == null) {
            return Map.entry(false, "no drill recorded");
        }
        if (!latest.ok()) {
            return Map.entry(false, "last drill of " + latest.backupId() + " at " + latest.ended().withNano(0)
                    + ": " + latest.reason());
        }
        Duration age = Duration.between(latest.ended(), now);
        if (maximumAge != null && age.compareTo(maximumAge) > 0) {
            return Map.entry(false, "too old: last drill of " + latest.backupId() + " " + Formats.duration(age)
                    + " ago, maximum " + Formats.duration(maximumAge));
        }
        return Map.entry(true, "last drill of " + latest.backupId() + " " + Formats.duration(age) + " ago, total "
                + Formats.duration(latest.figures().totalSeconds()));
    }

    public String toJson() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("format", 1L);
        o.put("server", server);
        o.put("backup_id", backupId);
        o.put("status", ok() ? "OK" : "FAILED");
        o.put("reason", reason());
        o.put("started", started.toString());
        o.put("ended", ended.toString());
        o.put("postgres_version", postgresVersion);
        o.put("target", target);
        List<Object> rows = new ArrayList<>();
        for (Check c : checks) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", c.name());
            r.put("result", c.result().name());
            r.put("method", c.method());
            r.put("detail", c.detail());
            rows.add(r);
        }
        o.put("checks", rows);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("copy_seconds", figures.copySeconds());
        f.put("wal_replay_seconds", figures.replaySeconds());
        f.put("accept_connections_seconds", figures.acceptSeconds());
        f.put("checks_seconds", figures.checksSeconds());
        f.put("total_seconds", figures.totalSeconds());
        f.put("bytes_copied", figures.bytesCopied());
        f.put("wal_segments", figures.walSegments());
        f.put("wal_bytes", figures.walBytes());
        f.put("copy_bytes_per_second", figures.copyThroughput());
        f.put("restore_bytes_per_second", figures.restoreThroughput());
        if (figures.redo() != null) {
            f.put("redo_bytes", figures.redo().bytes());
            f.put("redo_seconds", figures.redo().seconds());
            f.put("redo_bytes_per_second", figures.redo().throughput());
            f.put("start_overhead_seconds", figures.startOverheadSeconds());
        }
        o.put("figures", f);
        return MiniJson.write(o);
    }

    /** Reads a {@code drill.json}; {@code source} names it in the error. */
    public static DrillReport parse(String json, String source) {
        try {
            Map<?, ?> o = (Map<?, ?>) MiniJson.parse(json);
            List<Check> checks = new ArrayList<>();
            for (Object r : (List<?>) o.get("checks")) {
                Map<?, ?> m = (Map<?, ?>) r;
                checks.add(new Check((String) m.get("name"), Result.valueOf((String) m.get("result")),
                        (String) m.get("method"), (String) m.get("detail")));
            }
            Map<?, ?> f = (Map<?, ?>) o.get("figures");
            Figures figures = new Figures(num(f, "copy_seconds"), num(f, "wal_replay_seconds"),
                    num(f, "accept_connections_seconds"), num(f, "checks_seconds"), num(f, "total_seconds"),
                    (long) num(f, "bytes_copied"), (long) num(f, "wal_segments"), (long) num(f, "wal_bytes"),
                    f.get("redo_bytes") == null || f.get("redo_seconds") == null ? null
                            : new Redo((long) num(f, "redo_bytes"), num(f, "redo_seconds")));
            return new DrillReport((String) o.get("server"), (String) o.get("backup_id"),
                    OffsetDateTime.parse((String) o.get("started")), OffsetDateTime.parse((String) o.get("ended")),
                    (String) o.get("postgres_version"), (String) o.get("target"), List.copyOf(checks), figures);
        } catch (IllegalArgumentException | ClassCastException | NullPointerException | DateTimeParseException e) {
            throw new BarmanException(ErrorCode.CATALOG_CORRUPT, "Cannot read " + source + ": " + e.getMessage(), e);
        }
    }

    private static double num(Map<?, ?> m, String key) {
        Object v = m.get(key);
        return v == null ? 0 : ((Number) v).doubleValue();
    }
}
