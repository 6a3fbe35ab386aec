package org.barmanj.core.retention;

import org.barmanj.core.catalog.BackupInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BackupDeletion.walPlan for backups outside a catalog folder (barman-cloud's bucket), Barman 3.4's rules. */
class WalPlanOverloadTest {
    private static String seg(int tli, int n) {
        return String.format("%08X%08X%08X", tli, 0, n);
    }

    private static BackupInfo backup(String id, String status, int tli, int begin, int end) {
        BackupInfo b = BackupInfo.create(id, false);
        b.set(BackupInfo.STATUS, BackupInfo.Status.valueOf(status));
        b.set(BackupInfo.TIMELINE, (long) tli);
        b.set(BackupInfo.BEGIN_WAL, seg(tli, begin));
        b.set(BackupInfo.END_WAL, seg(tli, end));
        return b;
    }

    private final BackupInfo a = backup("20261120T000000", "DONE", 1, 2, 3);
    private final BackupInfo b = backup("20261121T000000", "DONE", 1, 5, 5);
    private final BackupInfo c = backup("20261122T000000", "DONE", 1, 8, 8);
    private final List<BackupInfo> abc = List.of(a, b, c);

    @Test
    void theOldestGoesWithTheWalBeforeTheNextBackupButHistoryFiles() {
        BackupDeletion.WalPlan plan = BackupDeletion.walPlan(abc, a, id -> null, false, x -> true);
        assertEquals(seg(1, 5), plan.keepFrom());
        assertTrue(plan.removes(seg(1, 1)));
        assertTrue(plan.removes(seg(1, 4)));
        assertTrue(plan.removes(seg(1, 2) + ".00000028.backup"));
        assertFalse(plan.removes(seg(1, 5)));
        assertFalse(plan.removes("00000001.history"));
    }

    @Test
    void anOlderBackupNotKeptStandaloneKeepsEveryWal() {
        assertNull(BackupDeletion.walPlan(abc, b, id -> null, true, x -> true));
        assertNull(BackupDeletion.walPlan(abc, b, Map.of(a.backupId(), "full")::get, true, x -> true));
        // barman-cloud-backup-delete -b: older standalone keeps stop the WAL cleanup too.
        assertNull(BackupDeletion.walPlan(abc, b, Map.of(a.backupId(), "standalone")::get, false, x -> true));
    }

    @Test
    void forRetentionOlderStandaloneKeepsProtectOnlyTheirOwnRange() {
        BackupDeletion.WalPlan plan = BackupDeletion.walPlan(abc, b, Map.of(a.backupId(), "standalone")::get, true,
                x -> true);
        assertEquals(seg(1, 8), plan.keepFrom());
        assertTrue(plan.removes(seg(1, 1)));
        assertFalse(plan.removes(seg(1, 2)));
        assertFalse(plan.removes(seg(1, 3)));
        assertFalse(plan.removes(seg(1, 3) + ".00000028.backup"));
        assertTrue(plan.removes(seg(1, 4)));
        assertTrue(plan.removes(seg(1, 7)));
        assertFalse(plan.removes(seg(1, 8)));
    }

    @Test
    void aFailedBackupIsNeitherPreviousNorNextButItsTimelineCountsForTheCloud() {
        BackupInfo a2 = backup("20261120T000000", "DONE", 2, 2, 3);
        BackupInfo failed = backup("20261121T120000", "FAILED", 1, 6, 6);
        BackupInfo c2 = backup("20261122T000000", "DONE", 2, 8, 8);
        List<BackupInfo> all = List.of(a2, failed, c2);
        BackupDeletion.WalPlan cloud = BackupDeletion.walPlan(all, a2, id -> null, false, x -> true);
        assertEquals(seg(2, 8), cloud.keepFrom());
        assertEquals(Set.of(1), cloud.timelines());
        assertFalse(cloud.removes(seg(1, 1)));
        assertTrue(cloud.removes(seg(2, 6)));
        BackupDeletion.WalPlan local = BackupDeletion.walPlan(all, a2, id -> null, false,
                x -> x.status().copyDone());
        assertEquals(Set.of(), local.timelines());
        assertTrue(local.removes(seg(1, 1)));
    }

    @Test
    void theDeletedBackupsTimelineStaysWhenTheNextIsOnAnother() {
        // Barman 3.4's cloud delete compares a backup.info read again with the catalog's copy: never equal, so the
        // deleted backup's own timeline is protected when the removal goes up to a backup on another timeline.
        BackupInfo next = backup("20261121T000000", "DONE", 2, 5, 5);
        BackupDeletion.WalPlan plan = BackupDeletion.walPlan(List.of(a, next), a, id -> null, false, x -> true);
        assertEquals(seg(2, 5), plan.keepFrom());
        assertFalse(plan.removes(seg(1, 1)));
    }

    @Test
    void theOnlyBackupGoesWithTheWalBeforeItsOwnBegin() {
        BackupDeletion.WalPlan plan = BackupDeletion.walPlan(List.of(a), a, id -> null, false, x -> true);
        assertEquals(seg(1, 2), plan.keepFrom());
        assertTrue(plan.removes(seg(1, 1)));
        assertFalse(plan.removes(seg(1, 2)));
    }
}
