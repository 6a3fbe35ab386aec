package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.RecordingEvents;
import org.barmanj.core.TestServer;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.BackupInfo.Status;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.config.ServerConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Barman's backup lifecycle, whatever the method: a method that writes a few files stands in for rsync and
 * PostgreSQL, which BackupIT and BackupFailuresIT run for real.
 */
class BackupJobTest {
    private static final String BEGIN_WAL = "000000010000000000000005";

    @TempDir
    Path home;
    private ServerConfig server;
    private CatalogLayout layout;
    private final RecordingEvents events = new RecordingEvents();

    @BeforeEach
    void server() throws IOException {
        server = TestServer.create(home, "");
        layout = new CatalogLayout(server);
    }

    /** Writes two files of 1000 and 24 bytes; a step of the sequence fails when {@code failAt} names it. */
    private static final class FakeMethod implements BackupMethod {
        final List<Status> statusOnDiskWhileCopying = new ArrayList<>();
        String failAt;
        boolean closed;
        boolean measuresEarly = true;
        CountDownLatch stuck;
        final CountDownLatch aborted = new CountDownLatch(1);

        @Override
        public String mode() {
            return "fake";
        }

        @Override
        public String connect() {
            if ("connect".equals(failAt)) {
                throw new BarmanException(ErrorCode.POSTGRES, "connection refused\nsecond line");
            }
            return "7300000000000000001";
        }

        @Override
        public void backup(BackupJob.Context context) throws IOException, InterruptedException {
            BackupInfo info = context.info();
            context.action("issuing start backup command");
            info.set(BackupInfo.BEGIN_XLOG, "0/5000028");
            info.set(BackupInfo.BEGIN_WAL, BEGIN_WAL);
            info.set(BackupInfo.BEGIN_OFFSET, 40L);
            info.set(BackupInfo.TIMELINE, 1L);
            info.set(BackupInfo.BEGIN_TIME, OffsetDateTime.of(2026, 12, 1, 10, 0, 0, 0, ZoneOffset.UTC));
            context.started();
            context.purgeIfFirst();
            context.action("copying files");
            statusOnDiskWhileCopying.add(onDisk(context.directory().resolve("backup.info")).status());
            if (stuck != null) {
                stuck.countDown();
                aborted.await(10, TimeUnit.SECONDS);
                throw new IOException("rsync killed");
            }
            if ("copying files".equals(failAt)) {
                throw new IOException("No space left on device");
            }
            Path data = context.directory().resolve("data");
            Files.createDirectories(data.resolve("global"));
            Files.write(data.resolve("base.file"), new byte[1000]);
            Files.write(data.resolve("global").resolve("pg_control"), new byte[24]);
            Map<String, Object> stats = new LinkedHashMap<>();
            stats.put("copy_time", 1.5);
            stats.put("number_of_workers", 1L);
            context.copyDone(stats);
            context.action("issuing stop backup command");
            info.set(BackupInfo.END_XLOG, "0/5000100");
            info.set(BackupInfo.END_WAL, BEGIN_WAL);
            info.set(BackupInfo.END_OFFSET, 256L);
            info.set(BackupInfo.END_TIME, OffsetDateTime.of(2026, 12, 1, 10, 0, 2, 0, ZoneOffset.UTC));
            if (measuresEarly) {
                context.filesWritten();
            }
        }

        @Override
        public void abort() {
            aborted.countDown();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static BackupInfo onDisk(Path file) throws IOException {
        return BackupInfo.parse("x", "demo", Files.readString(file), file.toString());
    }

    private BackupInfo onDisk(String id) throws IOException {
        return onDisk(layout.backupInfoFile(id));
    }

    private void archived(String... names) throws IOException {
        StringBuilder xlog = new StringBuilder();
        for (String n : names) {
            Path f = layout.walPath(n);
            Files.createDirectories(f.getParent());
            Files.writeString(f, n);
            xlog.append(n).append("\t").append(n.length()).append("\t1764583200.0\tNone\n");
        }
        Files.createDirectories(layout.walsDirectory());
        Files.writeString(layout.walsDirectory().resolve("xlog.db"), xlog.toString());
    }

    private BarmanException failedRun(FakeMethod method) {
        return assertThrows(BarmanException.class, () -> new BackupJob(server, method, null, events).run());
    }

    @Test
    void aBackupGoesFromStartedToWaitingForWals() throws IOException {
        FakeMethod method = new FakeMethod();
        BackupInfo info = new BackupJob(server, method, "nightly", events).run();

        BackupInfo stored = onDisk(info.backupId());
        assertEquals(Status.WAITING_FOR_WALS, stored.status());
        assertEquals(List.of(Status.STARTED), method.statusOnDiskWhileCopying, "STARTED on disk during the copy");
        assertEquals("fake", stored.get(BackupInfo.MODE));
        assertEquals("demo", stored.serverName());
        assertEquals("nightly", stored.backupName());
        assertEquals("7300000000000000001", stored.get(BackupInfo.SYSTEMID));
        // backup.info, in the backup's folder, counts too (as in Barman): a few hundred bytes.
        assertTrue(stored.size() > 1024 && stored.size() < 1024 + 4096, stored.size() + " bytes");
        assertEquals(stored.size(), stored.deduplicatedSize(), "no file is shared with another backup");
        assertEquals(1.5, stored.copyStats().get("copy_time"));
        assertTrue(method.closed);
        assertTrue(info.backupId().matches("\\d{8}T\\d{6}"), info.backupId());
        List<String> lines = events.all;
        assertEquals("Starting backup using fake method for server demo in "
                + layout.backupDirectory(info.backupId()), lines.get(0));
        assertEquals("Backup start at LSN: 0/5000028 (" + BEGIN_WAL + ", 00000028)", lines.get(1));
        assertEquals("This is the first backup for server demo", lines.get(2));
        assertEquals("Copy done (time: 1 second)", lines.get(3));
        assertTrue(lines.get(4).matches("Backup size: [1-4]\\.\\d KiB"), lines.get(4));
        assertEquals("Backup end at LSN: 0/5000100 (" + BEGIN_WAL + ", 00000100)", lines.get(5));
        assertTrue(lines.get(6).startsWith("Backup completed (start time: "), lines.get(6));
        assertEquals(7, lines.size(), lines.toString());
    }

    @Test
    void sizesAreMeasuredAfterTheMethodWhenItDidNotStartThem() throws IOException {
        FakeMethod method = new FakeMethod();
        method.measuresEarly = false;
        BackupInfo info = new BackupJob(server, method, null, events).run();
        assertTrue(onDisk(info.backupId()).size() > 1024, "the files written are measured");
    }

    @Test
    void aFailedStepMarksTheBackupFailedWithThatStep() throws IOException {
        FakeMethod method = new FakeMethod();
        method.failAt = "copying files";
        BarmanException e = failedRun(method);
        assertEquals(ErrorCode.BACKUP_FAILED, e.code());
        assertEquals("Backup failed copying files.\nDETAILS: No space left on device", e.getMessage());
        BackupInfo failed = BackupCatalog.load(server).all().get(0);
        assertEquals(Status.FAILED, failed.status());
        assertEquals("failure copying files (No space left on device)", failed.error());
        assertTrue(method.closed, "the PostgreSQL session is closed, which ends the backup there");
    }

    @Test
    void aConnectionFailureIsAFailureStartingTheBackup() throws IOException {
        FakeMethod method = new FakeMethod();
        method.failAt = "connect";
        assertEquals("Backup failed starting backup.\nDETAILS: connection refused", failedRun(method).getMessage());
        assertEquals("failure starting backup (connection refused)", BackupCatalog.load(server).all().get(0).error());
        assertEquals(List.of(), events.info, "nothing was started");
    }

    @Test
    void leftoversOfDeadBackupsAreMarkedFailed() throws IOException {
        BackupInfo copying = BackupInfo.create("20261130T100000", false);
        copying.set(BackupInfo.STATUS, Status.STARTED);
        copying.set(BackupInfo.BEGIN_WAL, "000000010000000000000002");
        copying.save(layout.backupInfoFile(copying.backupId()));
        BackupInfo empty = BackupInfo.create("20261130T110000", false);
        empty.save(layout.backupInfoFile(empty.backupId()));

        new BackupJob(server, new FakeMethod(), null, events).run();

        assertEquals("failure copying files (the backup process ended before the backup finished)",
                onDisk(copying.backupId()).error());
        assertEquals(Status.FAILED, onDisk(copying.backupId()).status());
        assertEquals("failure starting backup (the backup process ended before the backup finished)",
                onDisk(empty.backupId()).error());
    }

    /**
     * A corrupt backup.info is not silently skipped by that scan: the backup says so, and goes on. Its backup may
     * be complete, so this is not the first backup: the WAL files before it are kept.
     */
    @Test
    void aCorruptBackupInfoIsReportedByTheLeftoverScanAndItsWalFilesAreKept() throws IOException {
        Path corrupt = layout.backupInfoFile("20261130T100000");
        Files.createDirectories(corrupt.getParent());
        Files.writeString(corrupt, "status=DONE\nsize=abc\n");
        archived("000000010000000000000003", BEGIN_WAL);

        new BackupJob(server, new FakeMethod(), null, events).run();

        assertEquals("WARNING: corrupt backup.info " + corrupt + " line 2: size=abc: expected an integer",
                events.all.get(0));
        assertEquals("status=DONE\nsize=abc\n", Files.readString(corrupt), "left as it is");
        assertTrue(Files.exists(layout.walPath("000000010000000000000003")));
        assertFalse(events.info.contains("This is the first backup for server demo"), events.info.toString());
    }

    @Test
    void theFirstBackupRemovesTheOlderWalFilesButNotHistoryFiles() throws IOException {
        archived("00000001.history", "000000010000000000000003", "000000010000000000000004", BEGIN_WAL);
        new BackupJob(server, new FakeMethod(), null, events).run();
        assertFalse(Files.exists(layout.walPath("000000010000000000000003")));
        assertFalse(Files.exists(layout.walPath("000000010000000000000004")));
        assertTrue(Files.exists(layout.walPath(BEGIN_WAL)));
        assertTrue(Files.exists(layout.walPath("00000001.history")));
        assertEquals(List.of("00000001.history", BEGIN_WAL),
                layout.xlogDb().read().stream().map(WalFileEntry::name).toList());
        assertTrue(events.info.contains("\t000000010000000000000003 from server demo has been removed"),
                events.info.toString());
    }

    @Test
    void laterBackupsLeaveTheArchiveAlone() throws IOException {
        new BackupJob(server, new FakeMethod(), null, events).run();
        archived("000000010000000000000003", BEGIN_WAL);
        sleepToTheNextSecond();
        RecordingEvents second = new RecordingEvents();
        new BackupJob(server, new FakeMethod(), null, second).run();
        assertTrue(Files.exists(layout.walPath("000000010000000000000003")));
        assertFalse(second.info.contains("This is the first backup for server demo"), second.info.toString());
    }

    @Test
    void aSignalMarksTheBackupFailedAtTheStepItInterrupted() throws Exception {
        FakeMethod method = new FakeMethod();
        method.stuck = new CountDownLatch(1);
        BackupJob job = new BackupJob(server, method, null, events);
        CompletableFuture<BarmanException> run = CompletableFuture.supplyAsync(() -> assertThrows(
                BarmanException.class, job::run));
        assertTrue(method.stuck.await(10, TimeUnit.SECONDS));
        job.abort();
        BarmanException e = run.get(10, TimeUnit.SECONDS);
        assertEquals("Backup failed copying files.\nDETAILS: the backup process was interrupted by a signal",
                e.getMessage());
        BackupInfo failed = BackupCatalog.load(server).all().get(0);
        assertEquals("failure copying files (the backup process was interrupted by a signal)", failed.error());
        assertNull(failed.endWal());
    }

    /** Backup ids have one-second resolution; the job itself waits, this only keeps the test quick to read. */
    private static void sleepToTheNextSecond() {
        try {
            Thread.sleep(1000 - System.currentTimeMillis() % 1000 + 10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aPreBackupRetryScriptThatAsksToStopLeavesNoTraceInTheCatalog() throws IOException {
        Path seen = home.resolve("seen");
        server = TestServer.create(home, "pre_backup_script = env | grep ^BARMAN_ | sort > " + seen + "\n"
                + "pre_backup_retry_script = exit 63\n");
        layout = new CatalogLayout(server);
        BarmanException e = assertThrows(org.barmanj.core.hooks.HookScript.Aborted.class,
                () -> new BackupJob(server, new FakeMethod(), null, events).run());
        assertEquals("pre_backup_retry_script 'exit 63' was aborted (got exit status 63, Barman requested to stop)",
                e.getMessage());
        assertFalse(Files.exists(layout.basebackupsDirectory()), "no backup folder, no backup.info");
        String env = Files.readString(seen);
        assertTrue(env.contains("BARMAN_PHASE=pre\n") && env.contains("BARMAN_HOOK=backup_script\n")
                && env.contains("BARMAN_STATUS=EMPTY\n") && env.contains("BARMAN_SERVER=demo\n"), env);
    }
}
