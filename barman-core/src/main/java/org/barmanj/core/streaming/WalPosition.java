package org.barmanj.core.streaming;

import java.util.Locale;

/**
 * PostgreSQL's WAL arithmetic for a given segment size: segment numbers of LSNs ({@code XLByteToSeg}), segment file
 * names ({@code XLogFileName}, {@code XLogFromFileName}) and the server's {@code wal_segment_size} text.
 */
public record WalPosition(long segmentSize) {
    public WalPosition {
        if (segmentSize < (1L << 20) || segmentSize > (1L << 30) || Long.bitCount(segmentSize) != 1) {
            throw new IllegalArgumentException("WAL segment size " + segmentSize + " is not a power of two between "
                    + "1 MB and 1 GB");
        }
    }

    /** {@code SHOW wal_segment_size}'s text ({@code 16MB}, {@code 1GB}; a bare number is bytes). */
    public static WalPosition ofSetting(String shown) {
        String s = shown.strip();
        long unit = 1;
        if (s.endsWith("kB")) {
            unit = 1L << 10;
        } else if (s.endsWith("MB")) {
            unit = 1L << 20;
        } else if (s.endsWith("GB")) {
            unit = 1L << 30;
        }
        String digits = unit == 1 ? s : s.substring(0, s.length() - 2);
        try {
            return new WalPosition(Long.parseLong(digits) * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unexpected wal_segment_size '" + shown + "'", e);
        }
    }

    private long segmentsPerId() {
        return 0x100000000L / segmentSize;
    }

    public long segmentNumber(long lsn) {
        return Long.divideUnsigned(lsn, segmentSize);
    }

    /** The byte offset of an LSN in its segment. */
    public long offset(long lsn) {
        return lsn & (segmentSize - 1);
    }

    /** The LSN a segment starts at. */
    public long segmentStart(long segmentNumber) {
        return segmentNumber * segmentSize;
    }

    /** The start of the segment holding {@code lsn}. */
    public long roundDown(long lsn) {
        return lsn - offset(lsn);
    }

    public String fileName(int timeline, long segmentNumber) {
        return String.format(Locale.ROOT, "%08X%08X%08X", timeline, segmentNumber / segmentsPerId(),
                segmentNumber % segmentsPerId());
    }

    /** The segment number of a 24-hex-digit file name (its first 24 characters). */
    public long segmentNumber(String fileName) {
        long log = Long.parseLong(fileName.substring(8, 16), 16);
        long seg = Long.parseLong(fileName.substring(16, 24), 16);
        return log * segmentsPerId() + seg;
    }

    public static int timeline(String fileName) {
        return Integer.parseUnsignedInt(fileName.substring(0, 8), 16);
    }

    public static String historyFileName(int timeline) {
        return String.format(Locale.ROOT, "%08X.history", timeline);
    }

    /** {@code H/L} as PostgreSQL prints LSNs. */
    public static long parseLsn(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not an LSN: '" + text + "'");
        }
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }

    public static String formatLsn(long lsn) {
        return String.format(Locale.ROOT, "%X/%X", lsn >>> 32, lsn & 0xFFFFFFFFL);
    }
}
