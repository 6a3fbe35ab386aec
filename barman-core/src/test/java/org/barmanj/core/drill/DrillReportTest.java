package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.drill.DrillReport.Check;
import org.barmanj.core.drill.DrillReport.Result;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrillReportTest {
    private static final OffsetDateTime END = OffsetDateTime.parse("2026-12-03T06:10:00.123456Z");

    private static DrillReport report(Result probe) {
        return new DrillReport("pg", "20261203T060000", END.minusMinutes(2), END, "15.18", "end of the archived WAL",
                List.of(new Check("restore", Result.OK, null, "copied in 1.0 s"),
                        new Check("page checksums", Result.OK, "pg_checksums --check", "a \"quoted\"\nline \u00e9"),
                        new Check("probe orders", probe, null, probe == Result.OK ? "returned 3" : "returned no row"),
                        new Check("amcheck", Result.SKIPPED, null, null)),
                new DrillReport.Figures(1.5, 0.25, 0.5, 3.0, 5.125, 1000, 3, 48L << 20));
    }

    @Test
    void jsonRoundTrip() {
        DrillReport r = report(Result.FAILED);
        DrillReport back = DrillReport.parse(r.toJson(), "drill.json");
        assertEquals(r, back);
        assertTrue(r.toJson().contains("\"status\": \"FAILED\""), r.toJson());
        assertEquals("probe orders: returned no row", back.reason());
    }

    @Test
    void redoFiguresRoundTripAndAreAbsentFromOlderFiles() {
        DrillReport r = report(Result.OK);
        DrillReport.Figures f = r.figures();
        DrillReport withRedo = new DrillReport(r.server(), r.backupId(), r.started(), r.ended(), r.postgresVersion(),
                r.target(), r.checks(), new DrillReport.Figures(f.copySeconds(), f.replaySeconds(), f.acceptSeconds(),
                f.checksSeconds(), f.totalSeconds(), f.bytesCopied(), f.walSegments(), f.walBytes(),
                new DrillReport.Redo(32L << 20, 0.125)));
        String json = withRedo.toJson();
        assertEquals(withRedo, DrillReport.parse(json, "drill.json"));
        assertTrue(json.contains("\"redo_bytes\": 33554432"), json);
        assertTrue(json.contains("\"redo_bytes_per_second\": 268435456.000"), json);
        assertTrue(json.contains("\"start_overhead_seconds\": 0.375"), json);
        assertTrue(json.contains("\"restore_bytes_per_second\": 33555098.667"), json);
        assertFalse(r.toJson().contains("redo_"), "no redo measured: no redo keys");
        assertNull(DrillReport.parse(r.toJson(), "drill.json").figures().redo());
    }

    @Test
    void okAndReason() {
        assertTrue(report(Result.OK).ok());
        assertNull(report(Result.OK).reason());
        assertFalse(report(Result.FAILED).ok());
    }

    @Test
    void corruptFileIsACatalogError() {
        assertThrows(BarmanException.class, () -> DrillReport.parse("{\"checks\": 3}", "x"));
        assertThrows(BarmanException.class, () -> DrillReport.parse("{", "x"));
        assertThrows(BarmanException.class, () -> DrillReport.parse("", "x"));
    }

    @Test
    void everyKindOfBadFileIsACatalogErrorNamingIt() {
        for (String bad : List.of("", "not json", "[]", "{}", "{\"checks\": [1]}", "{\"checks\": [{\"result\": "
                + "\"BOGUS\"}]}", "{\"checks\": [], \"figures\": {\"copy_seconds\": \"x\"}}",
                report(Result.OK).toJson().replace("\"started\": \"", "\"started\": \"x"),
                report(Result.OK).toJson().substring(0, 40))) {
            BarmanException e = assertThrows(BarmanException.class, () -> DrillReport.parse(bad,
                    "/b/base/x/drill.json"), bad);
            assertEquals(ErrorCode.CATALOG_CORRUPT, e.code());
            assertTrue(e.getMessage().startsWith("Cannot read /b/base/x/drill.json: "), e.getMessage());
        }
    }

    @Test
    void checkRowAgeRule() {
        Map.Entry<Boolean, String> none = DrillReport.checkRow(null, Duration.ofDays(7), END);
        assertEquals(Map.entry(false, "no drill recorded"), none);
        Map.Entry<Boolean, String> fresh = DrillReport.checkRow(report(Result.OK), Duration.ofDays(7),
                END.plusDays(6));
        assertTrue(fresh.getKey(), fresh.getValue());
        assertTrue(fresh.getValue().startsWith("last drill of 20261203T060000 6 days"), fresh.getValue());
        Map.Entry<Boolean, String> old = DrillReport.checkRow(report(Result.OK), Duration.ofDays(7), END.plusDays(8));
        assertFalse(old.getKey());
        assertTrue(old.getValue().startsWith("too old: last drill of 20261203T060000 8 days"), old.getValue());
        assertTrue(old.getValue().endsWith("maximum 7 days"), old.getValue());
        assertTrue(DrillReport.checkRow(report(Result.OK), null, END.plusDays(800)).getKey());
        Map.Entry<Boolean, String> failed = DrillReport.checkRow(report(Result.FAILED), null, END);
        assertEquals(Map.entry(false, "last drill of 20261203T060000 at 2026-12-03T06:10Z: probe orders: returned no row"),
                failed);
    }
}
