package org.barmanj.core.recovery;

import org.barmanj.core.compat.PyDateTime;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Where recovery stops: at most one of time, xid, LSN, restore point name or the backup's consistency point
 * ({@code immediate}); a timeline ({@code N}, {@code current}, {@code latest}); {@code exclusive} stops just
 * before the target; {@code action} is what the server does there.
 */
public record RecoveryTarget(String time, String xid, String lsn, String name, boolean immediate, String timeline,
                             boolean exclusive, String action) {
    public static final RecoveryTarget NONE = new RecoveryTarget(null, null, null, null, false, null, false, null);

    /** How many of time, xid, LSN, name and immediate are given (Barman accepts one at most). */
    public int count() {
        int n = 0;
        for (Object o : new Object[] {time, xid, lsn, name}) {
            if (o != null) {
                n++;
            }
        }
        return immediate ? n + 1 : n;
    }

    /**
     * Barman's {@code Doing PITR. Recovery target ...} description, keys in its order; the time as read
     * ({@code parsedTime}, null without one), as Barman shows it.
     */
    public String describe(OffsetDateTime parsedTime, boolean timelineCounts) {
        List<String> parts = new ArrayList<>();
        if (parsedTime != null) {
            parts.add("time: " + quoted(PyDateTime.format(parsedTime)));
        }
        if (xid != null) {
            parts.add("xid: " + quoted(xid));
        }
        if (lsn != null) {
            parts.add("lsn: " + quoted(lsn));
        }
        if (timelineCounts && timeline != null) {
            parts.add("timeline: " + quoted(timeline));
        }
        if (name != null) {
            parts.add("name: " + quoted(name));
        }
        if (immediate) {
            parts.add("immediate: True");
        }
        return String.join(", ", parts);
    }

    /** Python's {@code repr()} of a string. */
    static String quoted(String s) {
        return s.contains("'") && !s.contains("\"") ? "\"" + s + "\"" : "'" + s.replace("'", "\\'") + "'";
    }
}
