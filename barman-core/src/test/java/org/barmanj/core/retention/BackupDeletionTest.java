package org.barmanj.core.retention;

import org.barmanj.core.RecordingEvents;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.fs.FileTrees;
import org.barmanj.core.server.BarmanCommand;
import org.barmanj.core.server.BarmanServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.barmanj.core.retention.SyntheticCatalog.wal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which files a delete removes and in which order, as Barman 3.4's delete_backup (and what a crash leaves). */
class BackupDeletionTest {
    private static final OffsetDateTime T = OffsetDateTime.parse("2026-11-20T00:00:00Z");

    @TempDir
    Path home;

    /** Backups A (segments 2-3), B (5), C (8) on timeline 1, WAL 1..10 archived, and a history file. */
    private SyntheticCatalog abc(String options) throws Exception {
        return new SyntheticCatalog(home, options)
                .file("00000001.history").wals(1, 1, 10)
                .backup("20261120T000000", "DONE", 1, 2, 3, T)
                .backup("20261121T000000", "DONE", 1, 5, 5, T.plusDays(1))
                .backup("20261122T000000", "DONE", 1, 8, 8, T.plusDays(2));
    }

    private static boolean delete(SyntheticCatalog c, String id, boolean retention, RecordingEvents events) {
        BackupInfo backup = BackupCatalog.load(c.server).find(id);
        return new BackupDeletion(c.server, events).delete(backup, retention);
    }

    private static List<String> segments(int tli, int first, int last) {
        List<String> names = new java.util.ArrayList<>();
        for (int i = first; i <= last; i++) {
            names.add(wal(tli, i));
        }
        return names;
    }

    @Test
    void theOldestTakesTheWalBeforeTheNextBackup() throws Exception {
        SyntheticCatalog c = abc("");
        RecordingEvents events = new RecordingEvents();
        assertTrue(delete(c, "20261120T000000", false, events));
        assertEquals("Deleting backup 20261120T000000 for server demo", events.all.get(0));
        assertEquals(List.of("Delete associated WAL segments:", "\t" + wal(1, 1), "\t" + wal(1, 2), "\t" + wal(1, 3),
                "\t" + wal(1, 4)), events.all.subList(1, 6));
        assertTrue(events.all.get(6).startsWith("Deleted backup 20261120T000000 (start time: "), events.all.get(6));
        List<String> left = new java.util.ArrayList<>(List.of("00000001.history"));
        left.addAll(segments(1, 5, 10));
        assertEquals(left, c.xlog());
        assertFalse(Files.exists(c.layout.walPath(wal(1, 4))));
        assertFalse(Files.exists(c.layout.backupDirectory("20261120T000000")));
    }

    @Test
    void aMiddleOneOrTheNewestTakesNoWal() throws Exception {
        SyntheticCatalog c = abc("");
        RecordingEvents events = new RecordingEvents();
        assertTrue(delete(c, "20261121T000000", false, events));
        assertTrue(delete(c, "20261122T000000", false, events));
        assertEquals(11, c.xlog().size());
        assertEquals(List.of("20261120T000000"), BackupCatalog.load(c.server).all().stream()
                .map(BackupInfo::backupId).toList());
    }

    @Test
    void theOnlyBackupTakesTheWalBeforeItsBeginOnly() throws Exception {
        SyntheticCatalog c = new SyntheticCatalog(home, "").wals(1, 1, 4)
                .backup("20261120T000000", "DONE", 1, 2, 3, T);
        assertTrue(delete(c, "20261120T000000", false, new RecordingEvents()));
        assertEquals(segments(1, 2, 4), c.xlog());
    }

    @Test
    void keepAndMinimumRedundancyRefuse() throws Exception {
        SyntheticCatalog c = abc("minimum_redundancy = 3\n").keep("20261121T000000", KeepAnnotation.FULL);
        RecordingEvents events = new RecordingEvents();
        assertFalse(delete(c, "20261121T000000", false, events));
        assertFalse(delete(c, "20261120T000000", false, events));
        assertEquals(List.of("WARNING: Skipping delete of backup 20261121T000000 for server demo as it has a current "
                        + "keep request. If you really want to delete this backup please remove the keep and try again.",
                "WARNING: Skipping delete of backup 20261120T000000 for server demo due to minimum redundancy "
                        + "requirements (minimum redundancy = 3, current redundancy = 3)"), events.all);
        assertEquals(3, BackupCatalog.load(c.server).all().size());
    }

    @Test
    void retentionCleansTheWalBetweenStandaloneKeepsButKeepsTheirOwn() throws Exception {
        SyntheticCatalog c = abc("").keep("20261120T000000", KeepAnnotation.STANDALONE);
        // By hand: an older standalone keep stops any WAL removal.
        assertTrue(delete(c, "20261121T000000", false, new RecordingEvents()));
        assertEquals(11, c.xlog().size());
        c.backup("20261121T000000", "DONE", 1, 5, 5, T.plusDays(1));
        // Retention: the WAL before the next backup goes, except the standalone keep's begin..end.
        assertTrue(delete(c, "20261121T000000", true, new RecordingEvents()));
        List<String> left = new java.util.ArrayList<>(List.of("00000001.history"));
        left.addAll(segments(1, 2, 3));
        left.addAll(segments(1, 8, 10));
        assertEquals(left, c.xlog());
    }

    @Test
    void theWalOfAnotherBackupsTimelineStays() throws Exception {
        SyntheticCatalog c = new SyntheticCatalog(home, "").wals(1, 1, 6).file("00000002.history").wals(2, 5, 8)
                .backup("20261120T000000", "DONE", 1, 2, 2, T)
                .backup("20261121T000000", "DONE", 2, 6, 6, T.plusDays(1))
                .backup("20261122T000000", "DONE", 1, 4, 4, T.plusDays(2));
        assertTrue(delete(c, "20261120T000000", false, new RecordingEvents()));
        // Up to the next backup's begin (timeline 2, segment 6); timeline 1 is another backup's: it stays.
        List<String> left = new java.util.ArrayList<>(segments(1, 1, 6));
        left.add("00000002.history");
        left.addAll(segments(2, 6, 8));
        assertEquals(left, c.xlog());
    }

    @Test
    void anInterruptedDeleteLeavesAFailedBackupThatALaterDeleteFinishes() throws Exception {
        SyntheticCatalog c = abc("");
        // What a delete killed right after its first step leaves: every file still there, the backup FAILED.
        BackupInfo backup = BackupCatalog.load(c.server).find("20261120T000000");
        new BackupDeletion(c.server, new RecordingEvents()).markDeleting(backup, OffsetDateTime.now());
        BackupInfo marked = BackupCatalog.load(c.server).find("20261120T000000");
        assertEquals(BackupInfo.Status.FAILED, marked.status());
        assertTrue(BackupDeletion.isInterrupted(marked), marked.error());
        assertTrue(marked.error().endsWith("(if no delete is running, 'barman delete demo 20261120T000000' finishes "
                + "it)"), marked.error());
        assertEquals(2, BackupCatalog.load(c.server).withStatus(BackupInfo.Status.DONE).size());
        // The next delete removes what the first one would have, and the mark is not written twice.
        RecordingEvents events = new RecordingEvents();
        assertTrue(delete(c, "20261120T000000", false, events));
        assertEquals(7, c.xlog().size());
        assertFalse(Files.exists(c.layout.backupDirectory("20261120T000000")));
    }

    @Test
    void deleteAndWalDeleteHooksRunWithBarmansVariables() throws Exception {
        Path seen = home.resolve("seen");
        String record = "echo \"$BARMAN_HOOK $BARMAN_PHASE $BARMAN_BACKUP_ID $BARMAN_STATUS $BARMAN_SEGMENT\" >> " + seen;
        SyntheticCatalog c = abc("pre_delete_script = " + record + "\npost_delete_retry_script = " + record + "\n"
                + "pre_wal_delete_script = " + record + "\npost_wal_delete_script = " + record + "\n");
        assertTrue(delete(c, "20261120T000000", false, new RecordingEvents()));
        assertEquals(List.of("delete_script pre 20261120T000000 DONE ",
                "wal_delete_script pre   " + wal(1, 1), "wal_delete_script pre   " + wal(1, 2),
                "wal_delete_script pre   " + wal(1, 3), "wal_delete_script pre   " + wal(1, 4),
                "wal_delete_script post   " + wal(1, 1), "wal_delete_script post   " + wal(1, 2),
                "wal_delete_script post   " + wal(1, 3), "wal_delete_script post   " + wal(1, 4),
                "delete_retry_script post 20261120T000000 DONE "), Files.readAllLines(seen));
    }

    @Test
    void aPreWalDeleteRetryScriptThatAsksToStopKeepsThatFileAndTheRest() throws Exception {
        SyntheticCatalog c = abc("pre_wal_delete_retry_script = [ \"$BARMAN_SEGMENT\" != " + wal(1, 3) + " ] || exit 63\n");
        RecordingEvents events = new RecordingEvents();
        assertTrue(delete(c, "20261120T000000", false, events));
        List<String> left = new java.util.ArrayList<>(List.of("00000001.history"));
        left.addAll(segments(1, 3, 10));
        assertEquals(left, c.xlog());
        assertTrue(Files.exists(c.layout.walPath(wal(1, 3))));
        assertFalse(Files.exists(c.layout.walPath(wal(1, 2))));
        assertTrue(events.all.stream().anyMatch(l -> l.startsWith("WARNING: WAL deletion of server demo stopped before "
                + wal(1, 3))), events.all.toString());
    }

    @Test
    void aPreDeleteRetryScriptThatAsksToStopDeletesNothing() throws Exception {
        SyntheticCatalog c = abc("pre_delete_retry_script = exit 63\n");
        assertThrows(org.barmanj.core.hooks.HookScript.Aborted.class,
                () -> delete(c, "20261120T000000", false, new RecordingEvents()));
        assertEquals(BackupInfo.Status.DONE, BackupCatalog.load(c.server).find("20261120T000000").status());
        assertEquals(11, c.xlog().size());
    }

    /** A delete killed between backup.info's removal and its folder's leaves an empty folder, no backup. */
    @Test
    void anEmptyFolderLeftByAKilledDeleteIsNoBackupAndGoes() throws Exception {
        SyntheticCatalog c = abc("");
        String id = "20261120T000000";
        Path folder = c.layout.backupDirectory(id);
        assertFalse(BackupDeletion.isLeftover(c.layout, id), "a backup with its backup.info");
        try (var children = Files.list(folder)) {
            for (Path child : children.toList()) {
                FileTrees.delete(child);
            }
        }
        BackupCatalog catalog = BackupCatalog.load(c.server);
        assertEquals(List.of(id), catalog.foldersWithoutInfo());
        assertThrows(RuntimeException.class, () -> catalog.find(id));
        assertTrue(BackupDeletion.isLeftover(c.layout, id));
        Files.writeString(folder.resolve("backup.info.tmp"), "");
        assertFalse(BackupDeletion.isLeftover(c.layout, id), "a folder that holds anything stays");
        Files.delete(folder.resolve("backup.info.tmp"));
        Files.createDirectories(c.layout.basebackupsDirectory().resolve("not-a-backup"));
        assertFalse(BackupDeletion.isLeftover(c.layout, "not-a-backup"));
        assertEquals(List.of(id), BackupCatalog.load(c.server).foldersWithoutInfo());
        RecordingEvents events = new RecordingEvents();
        assertTrue(new BackupDeletion(c.server, events).removeLeftover(id));
        assertFalse(Files.exists(folder));
        assertEquals("Deleting backup " + id + " for server demo", events.all.get(0));
        assertTrue(events.all.get(1).startsWith("Deleted backup " + id + " (start time: "), events.all.get(1));
    }

    /** {@code delete} of that id, and {@code cron}, finish such a delete (there is no backup to find). */
    @Test
    void deleteAndCronRemoveTheEmptyFolderOfAKilledDelete() throws Exception {
        SyntheticCatalog c = abc("retention_policy = REDUNDANCY 3\n");
        String first = "20261120T000000";
        String second = "20261121T000000";
        for (String id : List.of(first, second)) {
            FileTrees.delete(c.layout.backupDirectory(id));
            Files.createDirectories(c.layout.backupDirectory(id));
        }
        BarmanConfig config = BarmanConfig.load(home.resolve("barman.conf").toString(), Map.of(), home.toString());
        RecordingEvents events = new RecordingEvents();
        BarmanServer server = new BarmanServer(config, config.server("demo"), Map.of(), events,
                new BarmanCommand("/bin/false", home.resolve("barman.conf")));
        assertTrue(server.delete(first), events.all.toString());
        assertFalse(Files.exists(c.layout.backupDirectory(first)));
        assertTrue(events.all.get(1).startsWith("Deleted backup " + first + " (start time: "), events.all.toString());
        events.all.clear();
        server.cron(false);
        assertFalse(Files.exists(c.layout.backupDirectory(second)), events.all.toString());
        assertTrue(events.all.contains("Finishing the interrupted delete of backup " + second + " for server demo"),
                events.all.toString());
        assertTrue(Files.exists(c.layout.backupInfoFile("20261122T000000")));
    }
}
