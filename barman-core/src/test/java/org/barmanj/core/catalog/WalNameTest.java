package org.barmanj.core.catalog;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WalNameTest {
    @Test
    void classifiesArchiveNames() {
        assertTrue(WalName.isSegment("000000010000000000000003"));
        assertTrue(WalName.isBackupLabel("000000010000000000000003.00000028.backup"));
        assertTrue(WalName.isPartial("000000020000000000000007.partial"));
        assertTrue(WalName.isHistory("00000002.history"));
        assertFalse(WalName.isAny("../00000001000000000000003"));
        assertFalse(WalName.isAny("000000010000000000000003.gz"));
    }

    @Test
    void hashDirectoryIsTheFirstSixteenDigits() {
        assertEquals("0000000100000000", WalName.hashDir("000000010000000000000003.00000028.backup"));
        assertEquals("", WalName.hashDir("00000002.history"));
    }

    @Test
    void segmentArithmeticMatchesBarman() {
        long lsn = WalName.parseLsn("0/5000028");
        assertEquals("000000010000000000000005", WalName.segmentOf(1, lsn, WalName.DEFAULT_SEGMENT_SIZE));
        assertEquals(0x28, WalName.offsetOf(lsn, WalName.DEFAULT_SEGMENT_SIZE));
        assertEquals("0000000100000001000000FF",
                WalName.segmentOf(1, WalName.parseLsn("1/FF000000"), WalName.DEFAULT_SEGMENT_SIZE));
        assertEquals("0/6C000100", WalName.formatLsn(WalName.parseLsn("0/6C000100")));
        assertEquals(255, WalName.segmentsPerLog(WalName.DEFAULT_SEGMENT_SIZE));
    }
}
