package org.barmanj.core.streaming;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where streaming starts, as pg_receivewal's {@code FindStreamingStart} finds it in its folder: the highest segment
 * there (by segment number, then timeline), complete or {@code .partial}, whose size is the segment size; streaming
 * goes on after a complete one, and starts a {@code .partial} over from its beginning (it is rewritten in place,
 * not duplicated). Null when the folder holds no such file: then the slot or the server gives the start.
 */
public record StartPoint(int timeline, long lsn) {
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern PARTIAL = Pattern.compile("[0-9A-F]{24}\\.partial");

    /**
     * {@code files}: the folder's file names and sizes. Files of the wrong size are skipped, each with a line in
     * {@code skipped} (pg_receivewal's warnings).
     */
    public static StartPoint inFolder(Map<String, Long> files, WalPosition wal, List<String> skipped) {
        long highSegment = -1;
        int highTimeline = 0;
        boolean highPartial = false;
        for (Map.Entry<String, Long> f : files.entrySet()) {
            String name = f.getKey();
            boolean partial = PARTIAL.matcher(name).matches();
            if (!partial && !SEGMENT.matcher(name).matches()) {
                continue;
            }
            if (f.getValue() != wal.segmentSize()) {
                skipped.add((partial ? "partial " : "") + "segment file \"" + name + "\" has incorrect size "
                        + f.getValue() + ", skipping");
                continue;
            }
            long segment = wal.segmentNumber(name);
            int timeline = WalPosition.timeline(name);
            if (segment > highSegment || (segment == highSegment && timeline > highTimeline)) {
                highSegment = segment;
                highTimeline = timeline;
                highPartial = partial;
            } else if (segment == highSegment && timeline == highTimeline && !partial) {
                // Both the segment and its .partial: the segment is complete.
                highPartial = false;
            }
        }
        if (highSegment < 0) {
            return null;
        }
        return new StartPoint(highTimeline, wal.segmentStart(highPartial ? highSegment : highSegment + 1));
    }

    /** A start given by the slot or the server, rounded down to its segment's start as pg_receivewal does. */
    public static StartPoint atSegmentOf(int timeline, long lsn, WalPosition wal) {
        return new StartPoint(timeline, wal.roundDown(lsn));
    }
}
