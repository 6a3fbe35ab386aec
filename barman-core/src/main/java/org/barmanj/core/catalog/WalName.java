package org.barmanj.core.catalog;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * PostgreSQL WAL archive file names and segment arithmetic. Names are PostgreSQL's, upper-case hexadecimal
 * ({@code XLogFileName}); Barman also accepts lower case, which would archive a second copy of a segment under a
 * name no restore asks for, so here such names are not WAL files.
 */
public final class WalName {
    public static final long DEFAULT_SEGMENT_SIZE = 16L * 1024 * 1024;
    private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");
    private static final Pattern BACKUP_LABEL = Pattern.compile("[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup");
    private static final Pattern PARTIAL = Pattern.compile("[0-9A-F]{24}\\.partial");
    private static final Pattern HISTORY = Pattern.compile("[0-9A-F]{8}\\.history");

    private WalName() {
    }

    /** A plain 24-hex-digit segment: timeline, log and segment number, 8 digits each. */
    public static boolean isSegment(String name) {
        return SEGMENT.matcher(name).matches();
    }

    public static boolean isBackupLabel(String name) {
        return BACKUP_LABEL.matcher(name).matches();
    }

    public static boolean isPartial(String name) {
        return PARTIAL.matcher(name).matches();
    }

    public static boolean isHistory(String name) {
        return HISTORY.matcher(name).matches();
    }

    /**
     * Whether a file of {@code bytes} can be a WAL segment: PostgreSQL's segment sizes are the powers of two from
     * 1 MiB to 1 GiB ({@code initdb --wal-segsize}), so an empty or cut file is not one.
     */
    public static boolean isSegmentSize(long bytes) {
        return bytes >= (1L << 20) && bytes <= (1L << 30) && Long.bitCount(bytes) == 1;
    }

    /** Any name that may live in the WAL archive. */
    public static boolean isAny(String name) {
        return isSegment(name) || isBackupLabel(name) || isPartial(name) || isHistory(name);
    }

    /** The folder under {@code wals/} that holds the file: the first 16 hex digits, or none for history files. */
    public static String hashDir(String name) {
        return isHistory(name) ? "" : name.substring(0, 16);
    }

    public static int timeline(String name) {
        return Integer.parseUnsignedInt(name.substring(0, 8), 16);
    }

    public static long log(String name) {
        return Long.parseLong(name.substring(8, 16), 16);
    }

    public static long segment(String name) {
        return Long.parseLong(name.substring(16, 24), 16);
    }

    public static String name(int timeline, long log, long segment) {
        return String.format(Locale.ROOT, "%08X%08X%08X", timeline, log, segment);
    }

    /** Segments per log file number: {@code 0xFFFFFFFF / segment size} (255 for 16 MiB). */
    public static long segmentsPerLog(long segmentSize) {
        return 0xFFFFFFFFL / segmentSize;
    }

    /** The segment holding an LSN, as Barman computes it. */
    public static String segmentOf(int timeline, long lsn, long segmentSize) {
        long log = lsn >>> 32;
        long seg = (lsn & (segmentSize * segmentsPerLog(segmentSize))) / segmentSize;
        return name(timeline, log, seg);
    }

    /** The segment after {@code name} on the same timeline (256 segments of 16 MiB per log number). */
    public static String next(String name, long segmentSize) {
        long seg = segment(name) + 1;
        long log = log(name);
        if (seg * segmentSize > 0xFFFFFFFFL) {
            seg = 0;
            log++;
        }
        return name(timeline(name), log, seg);
    }

    /** The byte offset of an LSN inside its segment. */
    public static long offsetOf(long lsn, long segmentSize) {
        return lsn & (segmentSize - 1);
    }

    /** Parses {@code H/L} (hex) into a 64-bit LSN. */
    public static long parseLsn(String lsn) {
        int slash = lsn.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("not an LSN: '" + lsn + "'");
        }
        return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
    }

    public static String formatLsn(long lsn) {
        return String.format(Locale.ROOT, "%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
    }
}
