package org.barmanj.core.drill;

import org.barmanj.core.catalog.WalName;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The WAL replay of a drill's PostgreSQL, read from its log: the bytes between {@code redo starts at} and
 * {@code redo done at}, and the seconds between them. From PostgreSQL 15 the {@code redo done} line carries
 * PostgreSQL's own {@code elapsed: N s} of the redo; before (13, 14), the time between the two lines being seen
 * by the drill, which reads the log every 0.1 s. The start of PostgreSQL without its replay is what a forecast
 * takes as fixed.
 */
final class RedoTiming {
    private static final Pattern STARTS = Pattern.compile("redo starts at ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern DONE = Pattern.compile("redo done at ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern ELAPSED = Pattern.compile("elapsed: ([0-9]+\\.[0-9]+) s");

    private Long startLsn;
    private long startNanos;
    private DrillReport.Redo done;

    /** One line of the log, seen at {@code nanos} ({@link System#nanoTime}). */
    void line(String line, long nanos) {
        Matcher m = STARTS.matcher(line);
        if (m.find() && startLsn == null) {
            startLsn = WalName.parseLsn(m.group(1));
            startNanos = nanos;
            return;
        }
        m = DONE.matcher(line);
        if (m.find() && startLsn != null && done == null) {
            long bytes = Math.max(0, WalName.parseLsn(m.group(1)) - startLsn);
            Matcher e = ELAPSED.matcher(line);
            double seconds = e.find() ? Double.parseDouble(e.group(1)) : (nanos - startNanos) / 1e9;
            done = new DrillReport.Redo(bytes, seconds);
        }
    }

    /** The replay measured, or null when the log had no {@code redo starts}/{@code redo done} pair. */
    DrillReport.Redo measured() {
        return done;
    }
}
