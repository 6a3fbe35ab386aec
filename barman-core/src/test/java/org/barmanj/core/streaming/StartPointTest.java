package org.barmanj.core.streaming;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class StartPointTest {
    private static final long SEG = 16L << 20;
    private final WalPosition wal = new WalPosition(SEG);

    private StartPoint find(List<String> skipped, Object... namesAndSizes) {
        Map<String, Long> files = new TreeMap<>();
        for (int i = 0; i < namesAndSizes.length; i += 2) {
            files.put((String) namesAndSizes[i], ((Number) namesAndSizes[i + 1]).longValue());
        }
        return StartPoint.inFolder(files, wal, skipped);
    }

    @Test
    void afterTheLastCompleteSegment() {
        StartPoint p = find(new ArrayList<>(), "000000010000000000000003", SEG, "000000010000000000000004", SEG,
                "00000001.history", 40L, "barman.tmp", 3L);
        assertEquals(new StartPoint(1, WalPosition.parseLsn("0/5000000")), p);
    }

    @Test
    void aPartialIsStreamedAgainFromItsStart() {
        StartPoint p = find(new ArrayList<>(), "000000010000000000000004", SEG,
                "000000010000000000000005.partial", SEG);
        assertEquals(new StartPoint(1, WalPosition.parseLsn("0/5000000")), p);
    }

    @Test
    void theHighestSegmentWinsThenTheHighestTimeline() {
        // After a switch in segment 5: timeline 1 kept its .partial, timeline 2 goes on in the same segment.
        StartPoint p = find(new ArrayList<>(), "000000010000000000000005.partial", SEG,
                "000000020000000000000005.partial", SEG, "00000002.history", 42L);
        assertEquals(new StartPoint(2, WalPosition.parseLsn("0/5000000")), p);
        assertEquals(new StartPoint(1, WalPosition.parseLsn("0/7000000")),
                find(new ArrayList<>(), "000000010000000000000006", SEG, "000000020000000000000005", SEG));
    }

    @Test
    void aSegmentAndItsPartialMeanTheSegmentIsComplete() {
        StartPoint p = find(new ArrayList<>(), "000000010000000000000005", SEG,
                "000000010000000000000005.partial", SEG);
        assertEquals(new StartPoint(1, WalPosition.parseLsn("0/6000000")), p);
    }

    @Test
    void filesOfTheWrongSizeAreSkippedWithAWarning() {
        List<String> skipped = new ArrayList<>();
        StartPoint p = find(skipped, "000000010000000000000004", SEG, "000000010000000000000005.partial", 0L,
                "000000010000000000000006", 100L);
        assertEquals(new StartPoint(1, WalPosition.parseLsn("0/5000000")), p);
        assertEquals(List.of("partial segment file \"000000010000000000000005.partial\" has incorrect size 0, "
                + "skipping", "segment file \"000000010000000000000006\" has incorrect size 100, skipping"), skipped);
    }

    @Test
    void nothingInTheFolder() {
        assertNull(find(new ArrayList<>(), "00000002.history", 42L, "000000010000000000000001.gz", 100L));
    }

    @Test
    void aSlotOrServerPositionIsRoundedDownToItsSegment() {
        assertEquals(new StartPoint(3, WalPosition.parseLsn("1/2000000")),
                StartPoint.atSegmentOf(3, WalPosition.parseLsn("1/2ABCDEF"), wal));
    }
}
