package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.catalog.WalName;

import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;

/**
 * The forecast of a restore of a backup (the server's latest DONE one) and of the WAL archived since, from the
 * rates the drills measured: copy + WAL replay + start.
 *
 * <ul>
 * <li>copy: the base backup ({@code size} of {@code backup.info}) and every WAL segment from the backup's begin WAL
 * to the end of the archive on its timeline, counted uncompressed ({@code xlog_segment_size} each: the restore
 * writes them decompressed, and the drill's rate is of the bytes written), at the newest drill's restore rate
 * (bytes written per second of its copy);</li>
 * <li>WAL replay: the same segments' bytes at the redo rate of the newest drill that replayed at least
 * {@link #MIN_REDO_BYTES} in at least {@link #MIN_REDO_SECONDS} (a drill of a backup with little WAL after it
 * replays a few KiB in 0.00 s: no rate, only the fixed start); none such: no replay forecast
 * ({@link Forecast#replaySeconds()} null);</li>
 * <li>start: the newest drill's time to accept connections without its redo (the start, the end-of-recovery
 * checkpoint), taken as fixed; from an older {@code drill.json} without redo figures, its whole time to accept
 * connections (its replay included).</li>
 * </ul>
 */
public final class DrillForecast {
    /** Least WAL a replay rate is taken from: 4 segments of 16 MiB. */
    public static final long MIN_REDO_BYTES = 64L << 20;
    /** Shortest redo a replay rate is taken from: ten times the 0.01 s of PostgreSQL's {@code elapsed}. */
    public static final double MIN_REDO_SECONDS = 0.1;

    private DrillForecast() {
    }

    /** The drill a rate comes from. */
    public record Source(String backupId, OffsetDateTime ended) {
        static Source of(DrillReport r) {
            return new Source(r.backupId(), r.ended());
        }
    }

    /**
     * The forecast, each part with its size and rate. {@code walSegmentsAfter}: of {@code walSegments}, those
     * archived after the backup's end WAL; {@code walStoredBytes}: their size in the archive (compressed or not),
     * {@code walBytes}: uncompressed. {@code replayRate}/{@code replayFrom} null when no drill measured one.
     * {@code startIncludesReplay}: the start is an older drill's time to accept connections, its replay included.
     */
    public record Forecast(String server, String backupId, long baseBytes, long walSegments, long walSegmentsAfter,
                           long walStoredBytes, long walBytes, double copyRate, Source copyFrom, Double replayRate,
                           Source replayFrom, double startSeconds, boolean startIncludesReplay) {
        public long copyBytes() {
            return baseBytes + walBytes;
        }

        public double copySeconds() {
            return copyRate > 0 ? copyBytes() / copyRate : 0;
        }

        /** Null when no drill measured a replay rate. */
        public Double replaySeconds() {
            return replayRate == null ? null : walBytes / replayRate;
        }

        /** copy + replay + start; null without a replay forecast (then at least copy + start). */
        public Double totalSeconds() {
            Double replay = replaySeconds();
            return replay == null ? null : copySeconds() + replay + startSeconds;
        }
    }

    /**
     * The forecast for {@code backup} from {@code xlog} (the server's {@code xlog.db}) and the server's recorded
     * {@code drills}; refused when no drill started PostgreSQL.
     */
    public static Forecast of(String server, BackupInfo backup, List<WalFileEntry> xlog, List<DrillReport> drills) {
        List<DrillReport> started = drills.stream()
                .filter(d -> d.figures().copySeconds() > 0 && d.figures().acceptSeconds() > 0)
                .sorted(Comparator.comparing(DrillReport::ended).reversed()).toList();
        if (started.isEmpty()) {
            throw new BarmanException(ErrorCode.DRILL_REFUSED, "No forecast for server " + server + ": no drill "
                    + "has restored and started a backup yet (run 'barman drill " + server + "')");
        }
        DrillReport newest = started.get(0);
        DrillReport replayDrill = started.stream().filter(d -> d.figures().redo() != null
                && d.figures().redo().seconds() >= MIN_REDO_SECONDS && d.figures().redo().bytes() >= MIN_REDO_BYTES)
                .findFirst().orElse(null);
        String begin = backup.beginWal();
        String end = backup.endWal();
        int timeline = WalName.timeline(begin);
        long segments = 0;
        long after = 0;
        long stored = 0;
        for (WalFileEntry e : xlog) {
            String name = e.name();
            if (!WalName.isSegment(name) || name.compareTo(begin) < 0 || WalName.timeline(name) != timeline) {
                continue;
            }
            segments++;
            stored += e.size();
            if (name.compareTo(end) > 0) {
                after++;
            }
        }
        Long size = backup.size();
        Double start = newest.figures().startOverheadSeconds();
        return new Forecast(server, backup.backupId(), size == null ? 0 : size, segments, after, stored,
                segments * backup.xlogSegmentSize(), newest.figures().restoreThroughput(), Source.of(newest),
                replayDrill == null ? null : replayDrill.figures().redo().throughput(),
                replayDrill == null ? null : Source.of(replayDrill),
                start != null ? start : newest.figures().acceptSeconds(), start == null);
    }
}
