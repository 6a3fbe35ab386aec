package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.drill.DrillForecast;
import org.barmanj.core.drill.DrillForecast.Forecast;

import java.util.Locale;
import java.util.Map;

/** The {@code Forecast:} block of {@code barman drill}, on the console and in JSON. */
final class ForecastView {
    private ForecastView() {
    }

    static void console(Forecast f, Output out) {
        out.result("Forecast: restore of backup " + f.backupId() + " of server " + f.server() + " and the WAL "
                + "archived since (rates of the drill of " + source(f.copyFrom()) + ")");
        out.result("\tcopy: " + secs(f.copySeconds()) + " (" + Formats.size(f.copyBytes()) + ": base backup "
                + Formats.size(f.baseBytes()) + " + " + f.walSegments() + " WAL segments uncompressed "
                + Formats.size(f.walBytes()) + ", " + f.walSegmentsAfter() + " of them after the backup's end, "
                + Formats.size(f.walStoredBytes()) + " as stored; at " + Formats.size(f.copyRate()) + "/s)");
        if (f.replayRate() == null) {
            out.result("\tWAL replay: unknown (" + Formats.size(f.walBytes()) + "; no replay rate measured yet: "
                    + "no drill replayed " + Formats.size(DrillForecast.MIN_REDO_BYTES) + " of WAL or more in "
                    + secs(DrillForecast.MIN_REDO_SECONDS) + " or more)");
        } else {
            out.result("\tWAL replay: " + secs(f.replaySeconds()) + " (" + Formats.size(f.walBytes()) + " at "
                    + Formats.size(f.replayRate()) + "/s, the redo rate of the drill of " + source(f.replayFrom())
                    + ")");
        }
        out.result("\tstart: " + secs(f.startSeconds()) + (f.startIncludesReplay()
                ? " (that drill's time to accept connections, its replay included: it has no redo figures)"
                : " (to accept connections, without the redo)"));
        out.result("\ttotal: " + (f.totalSeconds() == null ? "at least " + secs(f.copySeconds() + f.startSeconds())
                + " (copy + start, the replay unknown)" : secs(f.totalSeconds())));
    }

    static Map<String, Object> json(Forecast f) {
        Map<String, Object> o = Session.object();
        o.put("backup_id", f.backupId());
        o.put("rates_from_drill_of", f.copyFrom().backupId());
        o.put("rates_from_drill_ended", f.copyFrom().ended().toString());
        o.put("base_backup_bytes", f.baseBytes());
        o.put("wal_segments", f.walSegments());
        o.put("wal_segments_after_backup", f.walSegmentsAfter());
        o.put("wal_bytes", f.walBytes());
        o.put("wal_stored_bytes", f.walStoredBytes());
        o.put("copy_bytes", f.copyBytes());
        o.put("copy_bytes_per_second", f.copyRate());
        o.put("copy_seconds", f.copySeconds());
        o.put("replay_bytes", f.walBytes());
        o.put("replay_bytes_per_second", f.replayRate());
        o.put("replay_rate_from_drill_of", f.replayFrom() == null ? null : f.replayFrom().backupId());
        o.put("replay_seconds", f.replaySeconds());
        o.put("start_seconds", f.startSeconds());
        o.put("start_includes_replay", f.startIncludesReplay());
        o.put("total_seconds", f.totalSeconds());
        return o;
    }

    private static String source(DrillForecast.Source s) {
        return s.backupId() + " at " + s.ended().withNano(0);
    }

    private static String secs(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }
}
