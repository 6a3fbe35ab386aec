package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo.Status;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.hooks.HookScript;
import org.barmanj.core.retention.WalRemoval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One {@code barman backup} of a server, whatever its method (Barman's {@code BackupManager.backup}): marks the
 * leftovers of dead backups FAILED, allocates the backup id, records the system id and the method's {@code mode},
 * lets the {@link BackupMethod} copy, then makes the folder durable, measures it and leaves the backup
 * WAITING_FOR_WALS. The caller holds the server's backup lock.
 *
 * <p>A failure at any step marks the backup FAILED with {@code failure <step> (<reason>)}; earlier backups and
 * WAL files are never touched (apart from the WAL files older than the very first backup, which Barman removes).
 */
public final class BackupJob {
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

    private final ServerConfig server;
    private final CatalogLayout layout;
    private final BackupMethod method;
    private final String name;
    private final Events events;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile String action = "starting backup";
    private volatile String abortedAt;
    private volatile BackupInfo info;
    private CompletableFuture<BackupSizes> measured;

    /** {@code name}: the backup's {@code --name}, or null. */
    public BackupJob(ServerConfig server, BackupMethod method, String name, Events events) {
        this.server = server;
        this.layout = new CatalogLayout(server);
        this.method = method;
        this.name = name;
        this.events = events;
    }

    /**
     * Runs the backup; returns its backup.info, status WAITING_FOR_WALS. Throws {@link ErrorCode#BACKUP_FAILED}
     * ({@code Backup failed <step>.\nDETAILS: <reason>}) once the backup is marked FAILED on disk.
     */
    public BackupInfo run() {
        try {
            LocalDateTime start = LocalDateTime.now();
            markLeftovers();
            info = create(start);
            // Before the backup exists in the catalog: a pre_backup_retry_script that asks to stop leaves no trace.
            HookScript.pre(server, "backup", h -> h.backup(info), events);
            try {
                info.set(BackupInfo.SYSTEMID, method.connect());
                save();
                events.info("Starting backup using " + method.mode() + " method for server " + server.name()
                        + " in " + layout.backupDirectory(info.backupId()));
                method.backup(new Context());
                finish(start);
            } catch (Throwable e) {
                throw fail(e);
            }
            return info;
        } finally {
            method.close();
            finished.countDown();
        }
    }

    /** The backup's backup.info once its id is allocated (null before). */
    public BackupInfo backup() {
        return info;
    }

    /**
     * Stops a running backup from another thread (a signal's shutdown hook): the method ends its processes and
     * PostgreSQL session, and this waits for {@link #run()} to have marked the backup FAILED.
     */
    public void abort() {
        abortedAt = action;
        method.abort();
        try {
            finished.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What a {@link BackupMethod} works with while it runs: the backup.info being built, the step being done (named
     * in the error when the backup fails), and the parts of Barman's sequence every method shares.
     */
    public final class Context {
        private Context() {
        }

        public BackupInfo info() {
            return info;
        }

        public ServerConfig server() {
            return server;
        }

        public Events events() {
            return events;
        }

        /** The backup's folder ({@code base/<id>}). */
        public Path directory() {
            return layout.backupDirectory(info.backupId());
        }

        /** The step now running, as Barman words it ({@code copying files}). */
        public void action(String step) {
            action = step;
        }

        public String action() {
            return action;
        }

        public void save() {
            BackupJob.this.save();
        }

        /** PostgreSQL has started the backup (begin fields set): the backup is STARTED. */
        public void started() {
            info.set(BackupInfo.STATUS, Status.STARTED);
            save();
            events.info(String.format("Backup start at LSN: %s (%s, %08X)", info.get(BackupInfo.BEGIN_XLOG),
                    info.beginWal(), info.get(BackupInfo.BEGIN_OFFSET)));
        }

        /** The copy is over: its statistics ({@code copy_time} in seconds, ...) go into backup.info. */
        public void copyDone(Map<String, Object> copyStats) {
            info.set(BackupInfo.COPY_STATS, cast(copyStats));
            events.info("Copy done (time: " + Formats.duration(Duration.ofMillis(
                    Math.round(((Number) copyStats.get("copy_time")).doubleValue() * 1000))) + ")");
        }

        /**
         * Every file of the backup is in its folder: it is made durable and measured from now on, while the method
         * finishes (PostgreSQL archives the last segment, say).
         */
        public void filesWritten() {
            Path dir = directory();
            measured = CompletableFuture.supplyAsync(() -> {
                try {
                    return BackupSizes.syncAndMeasure(dir);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        /** The newest backup whose copy is complete, older than this one: the one {@code reuse_backup} uses. */
        public BackupInfo previousBackup() {
            BackupInfo previous = null;
            for (BackupInfo b : BackupCatalog.load(server).available()) {
                if (b.backupId().compareTo(info.backupId()) < 0 && b.beginTime().isPresent()) {
                    previous = b;
                }
            }
            return previous;
        }

        /**
         * When this is the server's first backup, the WAL files archived before its begin WAL serve nothing:
         * Barman removes them, and again after the copy (more may have arrived meanwhile).
         */
        public void purgeIfFirst() {
            if (BackupCatalog.load(server).mayHaveAvailableBefore(info.backupId())) {
                return;
            }
            events.info("This is the first backup for server " + server.name());
            List<String> removed = new WalRemoval(server, events).removeBefore(info.beginWal(), Set.of(), List.of());
            if (!removed.isEmpty()) {
                events.info("WAL segments preceding the current backup have been found:");
                removed.forEach(n -> events.info("\t" + n + " from server " + server.name() + " has been removed"));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> cast(Map<String, Object> stats) {
        return (Map<Object, Object>) (Map<?, ?>) stats;
    }

    /**
     * Backups left STARTED or EMPTY by a process that died (the caller holds the backup lock, so none is
     * running) are marked FAILED, so that check and list-backups tell the truth. A backup.info that cannot be read
     * is told about: whether its backup was left unfinished is not known.
     */
    private void markLeftovers() {
        BackupCatalog catalog = BackupCatalog.load(server);
        for (String problem : catalog.unreadable().values()) {
            events.warning(problem);
        }
        for (BackupInfo b : catalog.all()) {
            if (b.status() == Status.STARTED || b.status() == Status.EMPTY) {
                b.set(BackupInfo.STATUS, Status.FAILED);
                b.set(BackupInfo.ERROR, "failure " + (b.beginWal() == null ? "starting backup" : "copying files")
                        + " (the backup process ended before the backup finished)");
                b.save(layout.backupInfoFile(b.backupId()));
            }
        }
    }

    private BackupInfo create(LocalDateTime start) {
        String id = start.format(ID);
        // Backup ids have one-second resolution: a second backup in the same second waits for the next one.
        while (Files.exists(layout.backupDirectory(id)) || Files.exists(layout.backupInfoFile(id))) {
            sleep(100);
            id = LocalDateTime.now().format(ID);
        }
        BackupInfo b = BackupInfo.create(id, layout.newerDialect());
        b.set(BackupInfo.SERVER_NAME, server.name());
        b.set(BackupInfo.MODE, method.mode());
        b.set(BackupInfo.BACKUP_NAME, name);
        return b;
    }

    /** The copy is complete: sizes, then WAITING_FOR_WALS until check-backup finds its WAL files archived. */
    private void finish(LocalDateTime start) throws IOException {
        action = "calculating backup size";
        BackupSizes sizes;
        try {
            sizes = measured != null ? measured.join() : BackupSizes.syncAndMeasure(layout.backupDirectory(
                    info.backupId()));
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e;
        }
        info.set(BackupInfo.SIZE, sizes.size());
        info.set(BackupInfo.DEDUPLICATED_SIZE, sizes.deduplicated());
        if ("link".equals(server.string(Option.REUSE_BACKUP))) {
            // Barman words it by the configured reuse_backup, whatever --reuse-backup says.
            double ratio = sizes.size() == 0 ? 0 : 1 - (double) sizes.deduplicated() / sizes.size();
            events.info("Backup size: " + Formats.size(sizes.size()) + ". Actual size on disk: "
                    + Formats.size(sizes.deduplicated()) + " (-" + String.format(Locale.ROOT, "%.2f%%",
                    ratio * 100) + " deduplication ratio).");
        } else {
            events.info("Backup size: " + Formats.size(sizes.size()));
        }
        info.set(BackupInfo.STATUS, Status.WAITING_FOR_WALS);
        save();
        events.info(String.format("Backup end at LSN: %s (%s, %08X)", info.get(BackupInfo.END_XLOG), info.endWal(),
                info.get(BackupInfo.END_OFFSET)));
        events.info("Backup completed (start time: " + pythonNaive(start) + ", elapsed time: "
                + Formats.duration(Duration.between(start, LocalDateTime.now())) + ")");
    }

    private synchronized void save() {
        info.save(layout.backupInfoFile(info.backupId()));
    }

    private synchronized BarmanException fail(Throwable e) {
        String where = abortedAt != null ? abortedAt : action;
        String reason = abortedAt != null ? "the backup process was interrupted by a signal" : firstLine(e);
        BarmanException failed = new BarmanException(ErrorCode.BACKUP_FAILED, "Backup failed " + where
                + ".\nDETAILS: " + reason, e);
        info.set(BackupInfo.STATUS, Status.FAILED);
        info.set(BackupInfo.ERROR, "failure " + where + " (" + reason + ")");
        try {
            save();
        } catch (BarmanException saveFailure) {
            failed.addSuppressed(saveFailure);
        }
        return failed;
    }

    private static String firstLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String line = message.strip().lines().findFirst().orElse(message);
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }

    /** Python's {@code str()} of a naive datetime: microseconds only when not zero. */
    private static String pythonNaive(LocalDateTime t) {
        String s = t.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        int micros = t.getNano() / 1000;
        return micros == 0 ? s : s + String.format(".%06d", micros);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
