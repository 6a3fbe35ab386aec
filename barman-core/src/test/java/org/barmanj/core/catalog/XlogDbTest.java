package org.barmanj.core.catalog;

import org.barmanj.core.BarmanException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XlogDbTest {
    @Test
    void readsBothDialectsAndWritesLinesBack() {
        String classic = "000000010000000000000003\t16777216\t1795538010.5566733\tNone\n"
                + "000000010000000000000003.00000028.backup\t347\t1795538010.5653088\tgzip\n";
        List<WalFileEntry> entries = XlogDb.parse(classic, "xlog.db");
        assertEquals(2, entries.size());
        assertNull(entries.get(0).compression());
        assertEquals("gzip", entries.get(1).compression());
        assertEquals(classic, entries.get(0).line() + entries.get(1).line());

        String newer = "000000010000000000000004\t4321\t1795538011.0\tzstd\tNone\n";
        WalFileEntry e = XlogDb.parse(newer, "demo-xlog.db").get(0);
        assertTrue(e.fiveColumns());
        assertEquals(newer, e.line());
    }

    @Test
    void badLineIsReportedWithItsNumber() {
        BarmanException e = assertThrows(BarmanException.class,
                () -> XlogDb.parse("000000010000000000000003\t1\t1.0\tNone\nbroken\n", "/w/xlog.db"));
        assertTrue(e.getMessage().startsWith("/w/xlog.db line 2: cannot parse 'broken'"), e.getMessage());
    }
}
