package org.barmanj.core.backup;

import org.barmanj.core.remote.FileListing;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CopyPlanTest {
    private static FileListing file(String path, long size, long mtime) {
        return new FileListing(path, false, size, mtime);
    }

    private static FileListing dir(String path) {
        return new FileListing(path, true, 4096, 0);
    }

    @Test
    void oneJobWithoutReferenceIsOneQuickList() {
        List<CopyPlan.Job> plan = CopyPlan.plan(List.of(dir("base"), file("base/1", 10, 5), file("PG_VERSION", 3, 5)),
                1, null);
        assertEquals(1, plan.size());
        assertFalse(plan.get(0).checksum());
        assertEquals(List.of(".", "base", "base/1", "PG_VERSION"), plan.get(0).paths(),
                "the top folder too, so that it gets the source's mode");
    }

    @Test
    void jobsGetAboutEqualBytesLargestFirst() {
        List<FileListing> files = new ArrayList<>();
        long[] sizes = {100, 90, 50, 40, 30, 30, 20, 10};
        for (int i = 0; i < sizes.length; i++) {
            files.add(file("f" + i, sizes[i], 0));
        }
        List<CopyPlan.Job> plan = CopyPlan.plan(files, 2, null);
        assertEquals(2, plan.size());
        assertEquals(370, plan.get(0).bytes() + plan.get(1).bytes());
        assertTrue(plan.get(0).bytes() - plan.get(1).bytes() <= 10, "within the last file dealt: " + plan);
        assertEquals(9, plan.get(0).paths().size() + plan.get(1).paths().size(), "8 files and the top folder");
    }

    @Test
    void filesChangedSinceThePreviousBackupStartedAreComparedByChecksum() {
        long horizon = 1000;
        List<CopyPlan.Job> plan = CopyPlan.plan(List.of(dir("d"), file("old", 8, 998), file("second-before", 8, 999),
                file("at", 8, 1000), file("new", 8, 2000)), 1, horizon);
        assertEquals(2, plan.size());
        assertFalse(plan.get(0).checksum());
        assertEquals(List.of(".", "d", "old", "second-before"), plan.get(0).paths());
        assertTrue(plan.get(1).checksum());
        assertEquals(List.of("at", "new"), plan.get(1).paths());
    }

    @Test
    void onlyFoldersStillMakeOneJob() {
        List<CopyPlan.Job> plan = CopyPlan.plan(List.of(dir("pg_wal"), dir("pg_tblspc")), 4, 10L);
        assertEquals(1, plan.size());
        assertEquals(List.of(".", "pg_wal", "pg_tblspc"), plan.get(0).paths());
    }

    @Test
    void neverMoreJobsThanFiles() {
        assertEquals(1, CopyPlan.plan(List.of(file("only", 1, 0)), 8, null).size());
    }
}
