package org.barmanj.core.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RedoTimingTest {
    @Test
    void postgres15ElapsedIsTakenFromTheRedoDoneLine() {
        RedoTiming t = new RedoTiming();
        t.line("2026-12-03 14:00:00.000 UTC [12] LOG:  redo starts at 0/2000028", 0);
        t.line("2026-12-03 14:00:09.000 UTC [12] LOG:  redo done at 0/42000100 system usage: CPU: user: 3.10 s, "
                + "system: 1.20 s, elapsed: 8.75 s", 9_000_000_000L);
        assertEquals(new DrillReport.Redo(0x42000100L - 0x2000028L, 8.75), t.measured());
    }

    @Test
    void postgres13WithoutElapsedUsesTheTimeTheLinesWereSeen() {
        RedoTiming t = new RedoTiming();
        t.line("LOG:  redo starts at 0/2000028", 1_000_000_000L);
        t.line("LOG:  consistent recovery state reached at 0/2000100", 1_100_000_000L);
        t.line("LOG:  redo done at 0/3000000", 3_500_000_000L);
        t.line("LOG:  redo done at 0/9000000", 9_000_000_000L);
        assertEquals(new DrillReport.Redo(0x3000000L - 0x2000028L, 2.5), t.measured());
    }

    @Test
    void noRedoWithoutBothLines() {
        RedoTiming t = new RedoTiming();
        assertNull(t.measured());
        t.line("LOG:  redo done at 0/3000000", 1);
        assertNull(t.measured(), "a redo done without its start");
        t.line("LOG:  redo starts at 0/2000028", 2);
        assertNull(t.measured());
    }
}
