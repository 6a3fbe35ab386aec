package org.barmanj.core.streaming;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WalPositionTest {
    private final WalPosition wal16 = new WalPosition(16L << 20);

    @Test
    void segmentNamesAsPostgresql() {
        assertEquals("000000010000000000000003", wal16.fileName(1, wal16.segmentNumber(WalPosition.parseLsn("0/3A0F010"))));
        // 256 segments of 16 MiB per log id: 0/FF000000 is the last one of log 0, 1/0 the first of log 1.
        assertEquals("0000000200000000000000FF", wal16.fileName(2, wal16.segmentNumber(0xFF000000L)));
        assertEquals("000000020000000100000000", wal16.fileName(2, wal16.segmentNumber(0x100000000L)));
        assertEquals(0x100000000L >>> 24, wal16.segmentNumber("000000020000000100000000"));
        WalPosition wal1g = new WalPosition(1L << 30);
        assertEquals("000000010000000500000003", wal1g.fileName(1, wal1g.segmentNumber(WalPosition.parseLsn("5/C0000028"))));
        assertEquals(WalPosition.parseLsn("5/C0000000"), wal1g.segmentStart(wal1g.segmentNumber("000000010000000500000003")));
    }

    @Test
    void offsetsAndRounding() {
        long lsn = WalPosition.parseLsn("16/B374D848");
        assertEquals(0x74D848, wal16.offset(lsn));
        assertEquals(WalPosition.parseLsn("16/B3000000"), wal16.roundDown(lsn));
        assertEquals("16/B374D848", WalPosition.formatLsn(lsn));
        assertEquals("0/0", WalPosition.formatLsn(0));
    }

    @Test
    void segmentSizeFromTheServersSetting() {
        assertEquals(16L << 20, WalPosition.ofSetting("16MB").segmentSize());
        assertEquals(1L << 30, WalPosition.ofSetting("1GB").segmentSize());
        assertEquals(1L << 20, WalPosition.ofSetting("1024kB").segmentSize());
        assertEquals(64L << 20, WalPosition.ofSetting("67108864").segmentSize());
        assertThrows(IllegalArgumentException.class, () -> WalPosition.ofSetting("15MB"));
        assertThrows(IllegalArgumentException.class, () -> WalPosition.ofSetting("lots"));
    }

    @Test
    void namesOfHistoryFilesAndTimelines() {
        assertEquals("0000000A.history", WalPosition.historyFileName(10));
        assertEquals(10, WalPosition.timeline("0000000A0000000000000001.partial"));
        assertThrows(IllegalArgumentException.class, () -> WalPosition.parseLsn("12"));
        assertThrows(IllegalArgumentException.class, () -> WalPosition.parseLsn("1/"));
    }
}
