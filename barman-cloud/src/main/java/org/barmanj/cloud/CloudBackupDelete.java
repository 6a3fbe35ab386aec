package org.barmanj.cloud;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.compat.PyLiteral;
import org.barmanj.core.config.RetentionPolicy;
import org.barmanj.core.retention.BackupDeletion;
import org.barmanj.core.retention.RetentionReport;

/**
 * barman-cloud-backup-delete: deletes one backup ({@code -b}) or those a retention policy finds obsolete
 * ({@code -r}) from the bucket, with the WAL files no remaining backup needs, as Barman 3.4 does: the backup's
 * tars in one request (batches of {@code --batch-size}), then its backup.info, then its WAL files. A kept backup
 * ({@code annotations/keep}) is never deleted; its annotation object is left in place, as 3.4 leaves it.
 * The retention and WAL maths are barman-core's ({@link RetentionReport}, {@link BackupDeletion#walPlan}).
 */
public final class CloudBackupDelete {
    static final String PROG = "barman-cloud-backup-delete";

    private static final String DESCRIPTION = "This script can be used to delete backups made with"
            + " barman-cloud-backup command. barmanj supports the aws-s3 cloud provider.";

    private CloudBackupDelete() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static CloudArgs arguments() {
        return new CloudArgs(PROG, DESCRIPTION, List.of(CloudArgs.url("source"), CloudArgs.SERVER_NAME), 2, List.of(
                CloudOption.value("BACKUP_ID", "Backup ID of the backup to be deleted", "-b", "--backup-id")
                        .exclusiveIn("delete"),
                CloudOption.value("RETENTION_POLICY", "If specified, delete all backups eligible for deletion"
                        + " according to the supplied retention policy. Syntax: REDUNDANCY value | RECOVERY WINDOW"
                        + " OF value {DAYS | WEEKS | MONTHS}", "-r", "--retention-policy").exclusiveIn("delete"),
                CloudOption.flag("Find the objects which need to be deleted but do not delete them", "--dry-run"),
                CloudOption.integer("DELETE_BATCH_SIZE", "The maximum number of objects to be deleted in a single"
                        + " request to the cloud provider. If unset then the maximum allowed batch size for the"
                        + " specified cloud provider will be used (1000 for aws-s3).", "--batch-size")))
                .requireOneOf("delete");
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = arguments().parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            return delete(args);
        } catch (CloudExit e) {
            return e.code;
        }
    }

    private static int delete(CloudArgs args) {
        String server = args.positionals.get(1);
        boolean dryRun = args.setFlags.contains("--dry-run");
        String batch = args.value("--batch-size");
        return CloudCommand.run(args, "backup delete", CloudCommand.Bucket.REQUIRED, cloud -> {
            BucketCatalog catalog = new BucketCatalog(cloud, server);
            catalog.backups();
            if (!catalog.unreadable.isEmpty()) {
                CloudLog.error("Cannot read the following backups: " + PyLiteral.repr(catalog.unreadable)
                        + "\nUnsafe to proceed with deletion due to failure reading backup catalog");
                return CloudExit.OPERATION;
            }
            Run run = new Run(cloud, catalog, new CloudDeleter(cloud, batch == null ? null : Integer.parseInt(batch)),
                    dryRun);
            String backupIdArg = args.value("--backup-id");
            if (backupIdArg != null) {
                String backupId = catalog.parseBackupId(backupIdArg);
                if (CloudBackupKeep.readKeep(cloud, CloudBackupKeep.keepKey(catalog, backupId)) != null) {
                    CloudLog.error("Skipping delete of backup " + backupId + " for server " + server + " as it has a"
                            + " current keep request. If you really want to delete this backup please remove the"
                            + " keep and try again.");
                    return CloudExit.OPERATION;
                }
                run.deleteBackup(backupId, true);
                return CloudExit.OK;
            }
            String policyText = args.value("--retention-policy");
            RetentionPolicy policy;
            try {
                policy = RetentionPolicy.parse(policyText);
            } catch (IllegalArgumentException e) {
                CloudLog.error("Could not create retention policy " + policyText
                        + ": Cannot parse option retention_policy: " + policyText);
                return CloudExit.USAGE;
            }
            for (String backupId : obsolete(policy, catalog, run.keeps::target, OffsetDateTime.now())) {
                run.deleteBackup(backupId, false);
            }
            return CloudExit.OK;
        });
    }

    /** The backups the policy reports OBSOLETE, oldest first (barman-cloud has no minimum redundancy: 0). */
    static List<String> obsolete(RetentionPolicy policy, BucketCatalog catalog, Function<String, String> keeps,
            OffsetDateTime now) {
        List<BackupInfo> backups = new ArrayList<>(catalog.backups().values());
        Map<String, String> report = RetentionReport.of(policy, 0, backups, keeps, now);
        return report.entrySet().stream().filter(e -> BackupCatalog.OBSOLETE.equals(e.getValue()))
                .map(Map.Entry::getKey).sorted().toList();
    }

    /** The keys of a backup's tars in Barman's order: PGDATA, then the tablespaces by oid; each main tar, then its parts. */
    static List<String> backupFileKeys(Map<Long, CloudDownload.BackupFile> files) {
        List<Map.Entry<Long, CloudDownload.BackupFile>> byOid = new ArrayList<>(files.entrySet());
        byOid.sort((a, b) -> Long.compare(a.getKey() == null ? -1 : a.getKey(), b.getKey() == null ? -1 : b.getKey()));
        List<String> keys = new ArrayList<>();
        for (Map.Entry<Long, CloudDownload.BackupFile> e : byOid) {
            CloudDownload.BackupFile f = e.getValue();
            if (f.main != null) {
                keys.add(f.main);
            }
            keys.addAll(f.parts.stream().sorted().toList());
        }
        return keys;
    }

    /** One run of the command: the catalog and WAL list it read, updated as backups go (as Barman's caches). */
    static final class Run {
        private final S3Cloud cloud;
        private final BucketCatalog catalog;
        private final CloudDeleter deleter;
        private final boolean dryRun;
        /** Barman's annotation cache: one listing of the base folder, then only the annotated backups read. */
        final KeepAnnotations keeps;

        Run(S3Cloud cloud, BucketCatalog catalog, CloudDeleter deleter, boolean dryRun) {
            this.cloud = cloud;
            this.catalog = catalog;
            this.deleter = deleter;
            this.dryRun = dryRun;
            this.keeps = new KeepAnnotations(cloud, catalog);
        }

        void deleteBackup(String backupId, boolean skipWalCleanupIfStandalone) throws IOException {
            BackupInfo info = catalog.info(backupId);
            if (info == null) {
                CloudLog.warning("Backup " + backupId + " does not exist");
                return;
            }
            if (info.get(BackupInfo.SNAPSHOTS_INFO) != null) {
                CloudLog.error("Could not delete backup " + backupId + ": it is a snapshot backup, whose snapshots"
                        + " barmanj cannot delete");
                throw new CloudExit(CloudExit.OPERATION);
            }
            List<String> objects = backupFileKeys(new CloudDownload(cloud).backupFiles(catalog, info, true));
            for (String k : objects) {
                CloudLog.debug("Will delete archive at " + k);
            }
            String infoKey = catalog.backupKey(backupId, "backup.info");
            CloudLog.debug("Will delete backup.info file at " + infoKey);
            if (!dryRun) {
                try {
                    deleter.delete(objects);
                    // backup.info last: a failed delete can be run again.
                    deleter.delete(List.of(infoKey));
                } catch (RuntimeException e) {
                    CloudLog.error("Could not delete backup " + backupId + ": " + S3Cloud.describe(e));
                    throw new CloudExit(CloudExit.OPERATION);
                }
            } else {
                List<String> all = new ArrayList<>(objects);
                all.add(infoKey);
                skipping(all);
            }
            removeWals(info, skipWalCleanupIfStandalone);
            catalog.backups().remove(backupId);
        }

        private void removeWals(BackupInfo deleted, boolean skipWalCleanupIfStandalone) throws IOException {
            List<BackupInfo> backups = new ArrayList<>(catalog.backups().values());
            if (backups.stream().noneMatch(b -> b.backupId().equals(deleted.backupId()))) {
                // Barman: the backup must be in the catalog it read first.
                throw new IllegalStateException("Could not find backup_id " + deleted.backupId());
            }
            // Barman 3.4 compares the backup read again with the catalog's copy, which never match: the deleted
            // backup's timeline is protected like any other (unless it is the one the removal goes up to).
            BackupDeletion.WalPlan plan = BackupDeletion.walPlan(backups, deleted, keeps::target,
                    !skipWalCleanupIfStandalone, b -> true);
            if (plan == null) {
                return;
            }
            Map<String, String> wals;
            try {
                wals = catalog.walKeys();
            } catch (RuntimeException e) {
                CloudLog.error("Cannot clean up WALs for backup " + deleted.backupId()
                        + " because an error occurred listing WALs: " + S3Cloud.describe(e));
                return;
            }
            Map<String, String> going = new TreeMap<>();
            for (Map.Entry<String, String> w : wals.entrySet()) {
                if (plan.keepFrom() != null && plan.removes(w.getKey())) {
                    going.put(w.getKey(), w.getValue());
                }
            }
            List<String> keys = going.values().stream().sorted().toList();
            if (!keys.isEmpty()) {
                if (!dryRun) {
                    try {
                        deleter.delete(keys);
                    } catch (RuntimeException e) {
                        CloudLog.error("Could not delete the following WALs for backup " + deleted.backupId() + ": "
                                + PyLiteral.repr(keys) + ", Reason: " + S3Cloud.describe(e));
                        return;
                    }
                } else {
                    skipping(keys);
                }
            }
            going.keySet().forEach(wals::remove);
        }

        private static void skipping(List<String> keys) {
            System.out.println("Skipping deletion of objects " + PyLiteral.repr(keys) + " due to --dry-run option");
            System.out.flush();
        }
    }
}
