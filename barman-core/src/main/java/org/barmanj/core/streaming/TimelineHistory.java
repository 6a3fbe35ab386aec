package org.barmanj.core.streaming;

import java.util.ArrayList;
import java.util.List;

/**
 * A timeline history file ({@code 0000000N.history}): one line per ancestor timeline, {@code tli<TAB>switch
 * LSN<TAB>reason}, comments ({@code #}) and blank lines skipped, as PostgreSQL's {@code readTimeLineHistory}.
 */
public record TimelineHistory(int timeline, List<Entry> entries) {
    /** An ancestor timeline and the LSN where the next one branched off it. */
    public record Entry(int timeline, long switchPoint) {
    }

    public static TimelineHistory parse(int timeline, String content) {
        List<Entry> entries = new ArrayList<>();
        int previous = 0;
        for (String line : content.split("\n")) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            String[] fields = s.split("\\s+");
            if (fields.length < 2) {
                throw new IllegalArgumentException("syntax error in history file of timeline " + timeline + ": '"
                        + s + "'");
            }
            int tli;
            long lsn;
            try {
                tli = Integer.parseInt(fields[0]);
                lsn = WalPosition.parseLsn(fields[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("syntax error in history file of timeline " + timeline + ": '"
                        + s + "'", e);
            }
            if (tli <= previous || tli >= timeline) {
                throw new IllegalArgumentException("invalid data in history file of timeline " + timeline
                        + ": timeline IDs must be in increasing sequence, below " + timeline);
            }
            previous = tli;
            entries.add(new Entry(tli, lsn));
        }
        return new TimelineHistory(timeline, List.copyOf(entries));
    }

    /**
     * Where {@code ancestor} ends and which timeline follows it on the way to this one; null when {@code ancestor}
     * is not in this history.
     */
    public Switch switchFrom(int ancestor) {
        for (int i = 0; i < entries.size(); i++) {
            if (entries.get(i).timeline() == ancestor) {
                int next = i + 1 < entries.size() ? entries.get(i + 1).timeline() : timeline;
                return new Switch(next, entries.get(i).switchPoint());
            }
        }
        return null;
    }

    /** The timeline after an ancestor, and the LSN where it starts. */
    public record Switch(int nextTimeline, long at) {
    }
}
