package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.drill.DrillForecast.Forecast;
import org.barmanj.core.drill.DrillReport.Check;
import org.barmanj.core.drill.DrillReport.Figures;
import org.barmanj.core.drill.DrillReport.Redo;
import org.barmanj.core.drill.DrillReport.Result;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrillForecastTest {
    private static final long MIB = 1L << 20;
    private static final long SEG = 16 * MIB;
    private static final OffsetDateTime T = OffsetDateTime.parse("2026-12-03T06:00:00Z");

    private static BackupInfo backup() {
        return BackupInfo.parse("20261203T050000", "pg", """
                begin_wal=000000010000000000000004
                begin_xlog=0/4000028
                end_time=2026-12-03 05:01:00.000000+00:00
                end_wal=000000010000000000000005
                end_xlog=0/5000100
                size=%d
                status=DONE
                timeline=1
                version=150018
                xlog_segment_size=16777216
                """.formatted(100 * MIB), "backup.info");
    }

    /** Segments 3 (before the backup) to 12 on timeline 1, stored compressed at a quarter, and a history file. */
    private static List<WalFileEntry> xlog() {
        List<WalFileEntry> l = new ArrayList<>();
        for (int i = 3; i <= 12; i++) {
            l.add(new WalFileEntry(String.format("0000000100000000%08X", i), SEG / 4, "1.0", "gzip", null, false));
        }
        l.add(new WalFileEntry("00000002.history", 42, "1.0", null, null, false));
        l.add(new WalFileEntry("00000002000000000000000C", SEG, "1.0", null, null, false));
        return l;
    }

    private static DrillReport drill(String id, int minutes, Figures f) {
        return new DrillReport("pg", id, T.plusMinutes(minutes - 1), T.plusMinutes(minutes), "15.18",
                "end of the archived WAL", List.of(new Check("restore", Result.OK, null, null)), f);
    }

    @Test
    void partsFromTheNewestDrillAndTheReplayRateOfOneThatReplayedLongEnough() {
        // written 160 MiB (128 + 32) in 2 s: 80 MiB/s; redo of 64 MiB in 4 s: 16 MiB/s; start 0.5 s
        DrillReport replaying = drill("20261202T050000", 0, new Figures(2, 3, 4.5, 1, 10, 128 * MIB, 2, 32 * MIB,
                new Redo(64 * MIB, 4.0)));
        // newest: 200 MiB in 2 s: 100 MiB/s; a redo of 1000 B gives no rate; start 0.3 s
        DrillReport newest = drill("20261203T050000", 10, new Figures(2, 0.2, 0.32, 1, 4, 168 * MIB, 2, 32 * MIB,
                new Redo(1000, 0.02)));
        // a drill between them whose redo of 100 MiB took 0.05 s: too short for a rate
        DrillReport quick = drill("20261202T060000", 5, new Figures(2, 0.2, 0.35, 1, 4, 168 * MIB, 2, 32 * MIB,
                new Redo(100 * MIB, 0.05)));
        Forecast f = DrillForecast.of("pg", backup(), xlog(), List.of(replaying, newest, quick));
        assertEquals("20261203T050000", f.backupId());
        assertEquals(100 * MIB, f.baseBytes());
        assertEquals(9, f.walSegments(), "segments 4 to 12 of timeline 1");
        assertEquals(7, f.walSegmentsAfter(), "6 to 12");
        assertEquals(9 * SEG / 4, f.walStoredBytes());
        assertEquals(9 * SEG, f.walBytes(), "uncompressed");
        assertEquals(244 * MIB, f.copyBytes());
        assertEquals(100.0 * MIB, f.copyRate(), 1e-6);
        assertEquals(2.44, f.copySeconds(), 1e-9);
        assertEquals("20261203T050000", f.copyFrom().backupId());
        assertEquals("20261202T050000", f.replayFrom().backupId());
        assertEquals(16.0 * MIB, f.replayRate(), 1e-6);
        assertEquals(9.0, f.replaySeconds(), 1e-9);
        assertEquals(0.3, f.startSeconds(), 1e-9);
        assertFalse(f.startIncludesReplay());
        assertEquals(2.44 + 9.0 + 0.3, f.totalSeconds(), 1e-9);
    }

    @Test
    void noReplayRateMeasuredYet() {
        DrillReport small = drill("20261203T050000", 0, new Figures(1, 0.2, 0.4, 1, 3, 90 * MIB, 2, 10 * MIB,
                new Redo(2000, 0.01)));
        DrillReport fewSegments = drill("20261202T050000", -5, new Figures(1, 0.2, 0.4, 1, 3, 90 * MIB, 2,
                10 * MIB, new Redo(63 * MIB, 0.5)));
        Forecast f = DrillForecast.of("pg", backup(), xlog(), List.of(small, fewSegments));
        assertNull(f.replayRate());
        assertNull(f.replaySeconds());
        assertNull(f.totalSeconds());
        assertEquals(0.39, f.startSeconds(), 1e-9);
        assertEquals(244.0 / 100, f.copySeconds(), 1e-9);
    }

    @Test
    void anOlderDrillJsonWithoutRedoFiguresGivesItsWholeStart() {
        DrillReport old = DrillReport.parse("""
                {"server": "pg", "backup_id": "20261203T050000", "started": "2026-12-03T06:00:00Z",
                 "ended": "2026-12-03T06:01:00Z", "postgres_version": "15.18", "target": "end of the archived WAL",
                 "checks": [], "figures": {"copy_seconds": 1.0, "wal_replay_seconds": 0.2,
                 "accept_connections_seconds": 0.4, "total_seconds": 3.0, "bytes_copied": 1048576,
                 "wal_segments": 1, "wal_bytes": 16777216}}
                """, "drill.json");
        assertNull(old.figures().redo());
        Forecast f = DrillForecast.of("pg", backup(), xlog(), List.of(old));
        assertTrue(f.startIncludesReplay());
        assertEquals(0.4, f.startSeconds(), 1e-9);
        assertEquals(17.0 * MIB, f.copyRate(), 1e-6);
        assertNull(f.replayRate());
    }

    @Test
    void drillsThatDidNotStartPostgresGiveNoRates() {
        DrillReport failed = drill("20261203T050000", 0, new Figures(0, 0, 0, 0, 1, 0, 0, 0));
        BarmanException e = assertThrows(BarmanException.class,
                () -> DrillForecast.of("pg", backup(), xlog(), List.of(failed)));
        assertEquals("No forecast for server pg: no drill has restored and started a backup yet (run 'barman "
                + "drill pg')", e.getMessage());
        assertThrows(BarmanException.class, () -> DrillForecast.of("pg", backup(), xlog(), List.of()));
    }
}
