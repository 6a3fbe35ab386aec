package org.barmanj.core.streaming;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TimelineHistoryTest {
    /** As PostgreSQL writes it after two promotions (00000003.history). */
    private static final String THREE = "1\t0/5000000\tno recovery target specified\n\n"
            + "# a comment\n2\t0/7A3F0D8\tbefore 2026-12-02 14:00:00+00\n";

    @Test
    void switchPointsAndTheNextTimeline() {
        TimelineHistory h = TimelineHistory.parse(3, THREE);
        assertEquals(2, h.entries().size());
        assertEquals(new TimelineHistory.Switch(2, WalPosition.parseLsn("0/5000000")), h.switchFrom(1));
        assertEquals(new TimelineHistory.Switch(3, WalPosition.parseLsn("0/7A3F0D8")), h.switchFrom(2));
        assertNull(h.switchFrom(3));
        assertNull(h.switchFrom(7));
    }

    @Test
    void malformedHistoriesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(3, "1\n"));
        assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(3, "x\t0/1\tr\n"));
        assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(3, "2\t0/1\tr\n1\t0/2\tr\n"));
        assertThrows(IllegalArgumentException.class, () -> TimelineHistory.parse(2, "2\t0/1\tr\n"));
    }
}
