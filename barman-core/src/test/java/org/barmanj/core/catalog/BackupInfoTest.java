package org.barmanj.core.catalog;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.compat.PyLiteralTest;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupInfoTest {
    /** backup.info written by Barman 3.4 for an rsync-concurrent backup of PostgreSQL 15. */
    static final String BARMAN34 = """
            backup_label='START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\\nCHECKPOINT LOCATION: 0/3000060\\nBACKUP METHOD: streamed\\nBACKUP FROM: primary\\nSTART TIME: 2026-11-24 16:33:29 UTC\\nLABEL: Barman backup demo 20261124T163325\\nSTART TIMELINE: 1\\n'
            begin_offset=40
            begin_time=2026-11-24 16:33:25.659801+00:00
            begin_wal=000000010000000000000003
            begin_xlog=0/3000028
            compression=None
            config_file=/var/lib/edb/pg1/data/postgresql.conf
            copy_stats=""" + PyLiteralTest.COPY_STATS + """

            deduplicated_size=23091617
            end_offset=256
            end_time=2026-11-24 16:33:30.557186+00:00
            end_wal=000000010000000000000003
            end_xlog=0/3000100
            error=None
            hba_file=/var/lib/edb/pg1/data/pg_hba.conf
            ident_file=/var/lib/edb/pg1/data/pg_ident.conf
            included_files=None
            mode=rsync-concurrent
            pgdata=/var/lib/edb/pg1/data
            server_name=demo
            size=23091617
            status=DONE
            systemid=7711776980689003387
            tablespaces=None
            timeline=1
            version=150018
            xlog_segment_size=16777216
            """;

    @Test
    void roundTripIsByteIdentical() {
        BackupInfo info = BackupInfo.parse("20261124T163325", "demo", BARMAN34, "test");
        assertEquals(BARMAN34, info.render());
    }

    @Test
    void typedAccessors() {
        BackupInfo info = BackupInfo.parse("20261124T163325", "demo", BARMAN34, "test");
        assertEquals(BackupInfo.Status.DONE, info.status());
        assertEquals(23091617L, info.size());
        assertEquals(OffsetDateTime.of(2026, 11, 24, 16, 33, 30, 557186000, ZoneOffset.UTC), info.endTime());
        assertTrue(info.backupLabel().startsWith("START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\n"));
        assertEquals(0.963938, info.copyStats().get("copy_time"));
        assertEquals(List.of(), info.tablespaces());
        assertEquals(16777216L, info.xlogSegmentSize());
    }

    @Test
    void newBackupHasExactlyTheClassicKeys() {
        BackupInfo info = BackupInfo.create("20260101T000000", false);
        info.set(BackupInfo.BEGIN_TIME, OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.ofHours(1)));
        info.set(BackupInfo.TABLESPACES, List.of(new BackupInfo.Tablespace("tbs1", 16387, "/srv/tbs1")));
        info.set(BackupInfo.INCLUDED_FILES, List.of());
        String text = info.render();
        assertTrue(text.contains("begin_time=2026-01-01 00:00:00+01:00\n"), text);
        assertTrue(text.contains("tablespaces=[('tbs1', 16387, '/srv/tbs1')]\n"), text);
        assertTrue(text.contains("included_files=None\n"), text);
        assertTrue(text.contains("status=EMPTY\n"), text);
        BackupInfo back = BackupInfo.parse("20260101T000000", "demo", text, "test");
        assertEquals(BackupInfo.CLASSIC_KEYS.size() - 2, back.keys().size(), "backup_name and snapshots_info are omitted");
        assertTrue(BackupInfo.CLASSIC_KEYS.containsAll(back.keys()));
    }

    @Test
    void unknownKeysArePreserved() {
        String text = BARMAN34.replace("compression=None\n", "cluster_size=123\ncompression=None\n");
        assertEquals(text, BackupInfo.parse("x", "demo", text, "test").render());
    }

    @Test
    void corruptFilesNameFileLineAndProblem() {
        BarmanException noEquals = assertThrows(BarmanException.class,
                () -> BackupInfo.parse("x", "demo", "begin_offset=40\ngarbage\n", "/b/backup.info"));
        assertEquals(ErrorCode.CATALOG_CORRUPT, noEquals.code());
        assertEquals("corrupt backup.info /b/backup.info line 2: 'garbage' is not a key=value line", noEquals.getMessage());
        BarmanException badInt = assertThrows(BarmanException.class,
                () -> BackupInfo.parse("x", "demo", "size=abc\n", "/b/backup.info"));
        assertEquals("corrupt backup.info /b/backup.info line 1: size=abc: expected an integer", badInt.getMessage());
        BarmanException badTime = assertThrows(BarmanException.class,
                () -> BackupInfo.parse("x", "demo", "end_time=yesterday\n", "/b/backup.info"));
        assertEquals("corrupt backup.info /b/backup.info line 1: end_time=yesterday: not a date and time: 'yesterday'",
                badTime.getMessage());
    }

    /** A status another tool wrote and this version does not know is read and shown as written, never rewritten. */
    @Test
    void anUnknownStatusIsKeptAsWritten() {
        BackupInfo info = BackupInfo.parse("x", "demo", BARMAN34.replace("status=DONE", "status=ARCHIVED"), "test");
        assertEquals(BackupInfo.Status.UNKNOWN, info.status());
        assertEquals("ARCHIVED", info.statusText());
        assertEquals(false, info.copyDone());
        assertThrows(IllegalArgumentException.class, () -> info.set(BackupInfo.STATUS, BackupInfo.Status.UNKNOWN));
    }

    /** Tablespaces of any other shape than Barman's tuples make the file corrupt when it is read, not later. */
    @Test
    void tablespacesOfAnotherShapeAreACorruptFile() {
        BarmanException e = assertThrows(BarmanException.class, () -> BackupInfo.parse("x", "demo",
                "tablespaces=[('tbs', 16385)]\n", "/b/backup.info"));
        assertEquals(ErrorCode.CATALOG_CORRUPT, e.code());
        assertEquals("corrupt backup.info /b/backup.info line 1: tablespaces=[('tbs', 16385)]: expected a list of "
                + "(name, oid, location), found ('tbs', 16385)", e.getMessage());
    }
}
