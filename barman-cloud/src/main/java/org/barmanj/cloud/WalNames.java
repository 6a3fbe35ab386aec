package org.barmanj.cloud;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Barman's WAL file names (segments, .partial, .backup labels, .history) and the bucket directory of each. */
final class WalNames {
    private static final Pattern XLOG = Pattern.compile(
            "^([0-9A-Fa-f]{8})(?:([0-9A-Fa-f]{8})([0-9A-Fa-f]{8})(?:\\.[0-9A-Fa-f]{8}\\.backup|\\.partial)?|\\.history)$");

    private WalNames() {}

    static String basename(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    static boolean isAnyXlog(String path) {
        return XLOG.matcher(basename(path)).matches();
    }

    static boolean isHistory(String path) {
        return isAnyXlog(path) && basename(path).endsWith(".history");
    }

    static boolean isBackupLabel(String path) {
        return isAnyXlog(path) && basename(path).endsWith(".backup");
    }

    static long timeline(String name) {
        Matcher m = XLOG.matcher(basename(name));
        if (!m.matches()) {
            throw new IllegalArgumentException(basename(name) + " is not a WAL file name");
        }
        return Long.parseLong(m.group(1), 16);
    }

    /** The folder under {@code wals/}: {@code TTTTTTTTXXXXXXXX} in upper case, or "" for a history file. */
    static String hashDir(String path) {
        Matcher m = XLOG.matcher(basename(path));
        if (!m.matches()) {
            throw new IllegalArgumentException(basename(path) + " is not a WAL file name");
        }
        if (m.group(2) == null) {
            return "";
        }
        return String.format(Locale.ROOT, "%08X%08X", Long.parseLong(m.group(1), 16), Long.parseLong(m.group(2), 16));
    }

    private static final Pattern SEGMENT = Pattern.compile("^[0-9A-F]{24}$");

    /** A plain segment name as PostgreSQL asks for it: 24 upper-case hex digits, no suffix. */
    static boolean isSegment(String name) {
        return SEGMENT.matcher(name).matches();
    }

    /** How many segments one "log" (the middle 8 digits) holds: 2^32 / segment size. */
    static long segmentsPerLog(long segmentSize) {
        if (!validSegmentSize(segmentSize)) {
            throw new IllegalArgumentException("invalid WAL segment size " + segmentSize);
        }
        return 0x1_0000_0000L / segmentSize;
    }

    /** PostgreSQL's wal_segment_size: a power of two from 1 MiB to 1 GiB. */
    static boolean validSegmentSize(long size) {
        return size >= (1 << 20) && size <= (1 << 30) && Long.bitCount(size) == 1;
    }

    /** The segment number of a plain segment name (PostgreSQL's XLogFromFileName): log * per-log + seg. */
    static long segmentNumber(String name, long segmentSize) {
        if (!isSegment(name)) {
            throw new IllegalArgumentException(name + " is not a WAL segment name");
        }
        long log = Long.parseLong(name.substring(8, 16), 16);
        long seg = Long.parseLong(name.substring(16, 24), 16);
        long perLog = segmentsPerLog(segmentSize);
        if (seg >= perLog) {
            throw new IllegalArgumentException(name + " is not a segment of " + segmentSize + " bytes");
        }
        return log * perLog + seg;
    }

    /**
     * The segment after {@code name} on the same timeline (PostgreSQL's XLogFileName of segno + 1): the last
     * 8 digits count up to 2^32 / segment size - 1, then the middle 8 digits go up by one.
     */
    static String next(String name, long segmentSize) {
        long segno = segmentNumber(name, segmentSize) + 1;
        long perLog = segmentsPerLog(segmentSize);
        long log = segno / perLog;
        if (log > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(name + " is the last segment of its timeline");
        }
        return String.format(Locale.ROOT, "%s%08X%08X", name.substring(0, 8), log, segno % perLog);
    }

    /** os.path.join of Barman: empty parts add nothing, a part never gets a second slash. */
    static String join(String... parts) {
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            if (p.isEmpty()) {
                if (b.length() > 0 && b.charAt(b.length() - 1) != '/') {
                    b.append('/');
                }
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != '/') {
                b.append('/');
            }
            b.append(p);
        }
        return b.toString();
    }
}
