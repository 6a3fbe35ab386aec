package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.catalog.BackupInfo;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PostgresBackupMethodTest {
    /** The backup_label pg_basebackup 15 writes for a PostgreSQL 15 server. */
    private static final String LABEL = """
            START WAL LOCATION: 0/5000028 (file 000000020000000000000005)
            CHECKPOINT LOCATION: 0/5000060
            BACKUP METHOD: streamed
            BACKUP FROM: primary
            START TIME: 2026-12-02 15:10:11 UTC
            LABEL: pg_basebackup base backup
            START TIMELINE: 2
            """;

    /** As Barman: the label's START WAL LOCATION replaces the position read before the copy; the time stays. */
    @Test
    void beginComesFromTheBackupLabel() {
        BackupInfo info = BackupInfo.create("20261202T151010", false);
        info.set(BackupInfo.BEGIN_XLOG, "0/4000110");
        info.set(BackupInfo.BEGIN_WAL, "000000020000000000000004");
        info.set(BackupInfo.BEGIN_OFFSET, 272L);
        info.set(BackupInfo.BEGIN_TIME, org.barmanj.core.compat.PyDateTime.parse("2026-12-02 15:10:10.5+00"));
        PostgresBackupMethod.fromBackupLabel(info, LABEL, 16L * 1024 * 1024);
        assertEquals("0/5000028", info.raw("begin_xlog"));
        assertEquals("000000020000000000000005", info.raw("begin_wal"));
        assertEquals("40", info.raw("begin_offset"));
        assertEquals("2", info.raw("timeline"));
        assertEquals("2026-12-02 15:10:10.500000+00:00", info.raw("begin_time"));
    }

    @Test
    void aLabelWithoutItsStartIsRefused() {
        BackupInfo info = BackupInfo.create("20261202T151010", false);
        BarmanException e = assertThrows(BarmanException.class,
                () -> PostgresBackupMethod.fromBackupLabel(info, "LABEL: x\n", 16L * 1024 * 1024));
        assertEquals("Failure parsing backup_label for backup 20261202T151010", e.getMessage());
    }
}
