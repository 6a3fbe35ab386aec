package org.barmanj.core.retention;

import org.barmanj.core.Events;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.BackupInfo.Status;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.fs.FileTrees;
import org.barmanj.core.fs.IoReason;
import org.barmanj.core.hooks.HookScript;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Deletes one backup, as Barman's {@code BackupManager.delete_backup}: refused when it is kept or when it would
 * leave fewer DONE backups than {@code minimum_redundancy}; removes its files and, when no older backup needs
 * them, the WAL files only it needed; the {@code pre_/post_delete} hook scripts run around it. The caller holds
 * the backup's lock.
 *
 * <p>The catalog stays readable at every instant, by both tools: before any file goes, the backup is marked
 * FAILED with an error saying a delete started ({@link #isInterrupted}), so a crash leaves a FAILED backup, not a
 * DONE one with missing files; the data go next, then the WAL files, then backup.info and its folder. A later
 * {@code delete} (or {@code cron}) of that backup finishes the work. A crash between the removal of backup.info
 * and that of its folder leaves an empty folder, no longer a backup for either tool: a later {@code delete} of that
 * id (or {@code cron}) removes it ({@link #isLeftover}).
 */
public final class BackupDeletion {
    private static final String MARK = "delete started on ";

    private final ServerConfig server;
    private final CatalogLayout layout;
    private final Events events;

    public BackupDeletion(ServerConfig server, Events events) {
        this.server = server;
        this.layout = new CatalogLayout(server);
        this.events = events;
    }

    /** True for a backup whose delete started and did not finish (its files may be partly gone). */
    public static boolean isInterrupted(BackupInfo backup) {
        return backup.status() == Status.FAILED && backup.error() != null && backup.error().startsWith(MARK);
    }

    /**
     * True for what a delete killed after removing backup.info leaves: {@code base/<id>} an empty folder (not a
     * link) and no backup.info for that id. A backup being taken may have such a folder for an instant: the
     * caller holds the server's backup lock.
     */
    public static boolean isLeftover(CatalogLayout layout, String id) {
        Path folder = layout.backupDirectory(id);
        if (!BackupCatalog.isBackupId(id) || !Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)
                || Files.exists(layout.backupInfoFile(id), LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> children = Files.list(folder)) {
            return children.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Finishes the delete that left {@link #isLeftover} {@code id}: its empty folder goes (only if still empty). */
    public boolean removeLeftover(String id) {
        OffsetDateTime start = OffsetDateTime.now();
        events.info("Deleting backup " + id + " for server " + server.name());
        try {
            Files.delete(layout.backupDirectory(id));
        } catch (IOException e) {
            events.error("Failure deleting backup " + id + " for server " + server.name() + ".\n"
                    + IoReason.withFile(e));
            return false;
        }
        events.info("Deleted backup " + id + " (start time: " + PyDateTime.ctime(start) + ", elapsed time: "
                + Formats.duration(Duration.between(start, OffsetDateTime.now())) + ")");
        return true;
    }

    /**
     * Deletes {@code backup}. {@code cleanWalsOfStandaloneKeeps}: retention may remove the WAL files between
     * standalone keeps that are older than the backup (a {@code barman delete} by hand may not). Returns false
     * when the delete was refused or failed (told as a warning or an error).
     */
    public boolean delete(BackupInfo backup, boolean cleanWalsOfStandaloneKeeps) {
        String id = backup.backupId();
        if (KeepAnnotation.read(layout, id) != null) {
            events.warning("Skipping delete of backup " + id + " for server " + server.name() + " as it has a "
                    + "current keep request. If you really want to delete this backup please remove the keep "
                    + "and try again.");
            return false;
        }
        BackupCatalog catalog = BackupCatalog.load(server);
        int done = catalog.withStatus(Status.DONE).size();
        int minimum = RetentionReport.minimumRedundancy(server);
        if (backup.status() == Status.DONE && minimum >= done) {
            events.warning("Skipping delete of backup " + id + " for server " + server.name() + " due to minimum "
                    + "redundancy requirements (minimum redundancy = " + minimum + ", current redundancy = " + done
                    + ")");
            return false;
        }
        OffsetDateTime start = OffsetDateTime.now();
        HookScript.pre(server, "delete", h -> h.backup(backup), events);
        String status = backup.statusText();
        String error = backup.error();
        events.info("Deleting backup " + id + " for server " + server.name());
        WalPlan wals = walPlan(catalog, backup, cleanWalsOfStandaloneKeeps);
        try {
            markDeleting(backup, start);
        } catch (RuntimeException e) {
            events.error("Failure deleting backup " + id + " for server " + server.name() + ".\n" + e.getMessage());
            return false;
        }
        try {
            deleteContentExceptInfo(layout.backupDirectory(id));
        } catch (IOException e) {
            events.error("Failure deleting backup " + id + " for server " + server.name() + ".\n"
                    + IoReason.withFile(e));
            return false;
        }
        if (wals != null) {
            events.info("Delete associated WAL segments:");
            for (String name : new WalRemoval(server, events).removeBefore(wals.keepFrom(), wals.timelines(),
                    wals.ranges())) {
                events.info("\t" + name);
            }
        }
        try {
            deleteInfoAndFolder(id);
        } catch (IOException e) {
            events.error("Failure deleting backup " + id + " for server " + server.name() + ".\n"
                    + IoReason.withFile(e) + "\nPlease manually remove the '" + layout.backupDirectory(id)
                    + "' directory");
            return false;
        }
        events.info("Deleted backup " + id + " (start time: " + PyDateTime.ctime(start) + ", elapsed time: "
                + Formats.duration(Duration.between(start, OffsetDateTime.now())) + ")");
        // As Barman's: the backup's status before the delete, and no neighbours (it is no longer in the catalog).
        HookScript.post(server, "delete", h -> h.backup(backup).env("BARMAN_STATUS", status)
                .env("BARMAN_ERROR", error).env("BARMAN_PREVIOUS_ID", "").env("BARMAN_NEXT_ID", ""), events);
        return true;
    }

    /**
     * Which WAL files the delete removes: those before {@code keepFrom} (null: all), except history files, those
     * of the {@code timelines} and those inside the {@code ranges} (see {@link #removes}).
     */
    public record WalPlan(String keepFrom, Set<Integer> timelines, List<WalRemoval.Range> ranges) {
        /** True if this plan removes the archived WAL file {@code walName} (a segment, .backup or .history). */
        public boolean removes(String walName) {
            return !WalRemoval.needed(walName, keepFrom, timelines, ranges);
        }
    }

    /**
     * Barman's {@code should_remove_wals} and what follows it: WAL files go only when no older backup needs them
     * (there is none, or, for retention, all older ones are standalone keeps, whose own WAL ranges stay). They
     * go up to the next backup's begin WAL (none: up to this one's, a concurrent backup started meanwhile may
     * need the later ones), never on the timeline of another backup. Null: no WAL file goes.
     */
    static WalPlan walPlan(BackupCatalog catalog, BackupInfo backup, boolean cleanWalsOfStandaloneKeeps) {
        CatalogLayout layout = new CatalogLayout(catalog.config());
        return walPlan(catalog.all(), backup, id -> KeepAnnotation.read(layout, id), cleanWalsOfStandaloneKeeps,
                b -> !b.backupId().equals(backup.backupId()) && (b.copyDone() || b.status() == Status.STARTED
                        || b.status() == Status.SYNCING));
    }

    /**
     * The same for backups that are not in a catalog folder (barman-cloud's bucket): {@code backups} are all the
     * server's backups, oldest first, {@code keepTarget} gives a backup's keep annotation (null: none), and the
     * timelines of the backups {@code protectsTimeline} accepts stay (but the one the removal goes up to).
     */
    public static WalPlan walPlan(List<BackupInfo> backups, BackupInfo backup, Function<String, String> keepTarget,
            boolean cleanWalsOfStandaloneKeeps, Predicate<BackupInfo> protectsTimeline) {
        List<BackupInfo> available = backups.stream().filter(BackupInfo::copyDone).toList();
        List<WalRemoval.Range> ranges = new ArrayList<>();
        List<BackupInfo> older = available.stream().filter(b -> b.backupId().compareTo(backup.backupId()) < 0)
                .toList();
        for (int i = older.size() - 1; i >= 0; i--) {
            BackupInfo o = older.get(i);
            if (!KeepAnnotation.STANDALONE.equals(keepTarget.apply(o.backupId())) || !cleanWalsOfStandaloneKeeps) {
                return null;
            }
            ranges.add(new WalRemoval.Range(o.beginWal(), o.endWal()));
        }
        BackupInfo next = available.stream().filter(b -> b.backupId().compareTo(backup.backupId()) > 0)
                .findFirst().orElse(null);
        BackupInfo removeUntil = next != null ? next : backup;
        Set<Integer> timelines = new HashSet<>();
        for (BackupInfo b : backups) {
            if (protectsTimeline.test(b)) {
                timelines.add(b.timeline());
            }
        }
        timelines.remove(removeUntil.timeline());
        return new WalPlan(removeUntil.beginWal(), timelines, ranges);
    }

    /** The first step: the backup is FAILED, its error saying a delete started and how to finish it. */
    void markDeleting(BackupInfo backup, OffsetDateTime start) {
        if (isInterrupted(backup)) {
            return;
        }
        backup.set(BackupInfo.STATUS, Status.FAILED);
        backup.set(BackupInfo.ERROR, MARK + PyDateTime.ctime(start) + " (if no delete is running, 'barman delete "
                + server.name() + " " + backup.backupId() + "' finishes it)");
        backup.save(layout.backupInfoFile(backup.backupId()));
    }

    /** Everything in the backup's folder but backup.info (data/, tablespace folders, annotations). */
    private static void deleteContentExceptInfo(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> children = Files.list(folder)) {
            for (Path child : children.toList()) {
                if (!child.getFileName().toString().equals("backup.info")) {
                    FileTrees.delete(child);
                }
            }
        }
    }

    private void deleteInfoAndFolder(String id) throws IOException {
        Path folder = layout.backupDirectory(id);
        deleteContentExceptInfo(folder);
        Files.deleteIfExists(folder.resolve("backup.info"));
        Files.deleteIfExists(folder);
        Files.deleteIfExists(layout.metaDirectory().resolve(id + "-backup.info"));
    }
}
