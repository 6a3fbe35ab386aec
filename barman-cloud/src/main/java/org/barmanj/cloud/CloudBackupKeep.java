package org.barmanj.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.retention.KeepAnnotation;

/**
 * barman-cloud-backup-keep: marks a backup in the bucket as archival ({@code --target full|standalone}), so that
 * barman-cloud-backup-delete never deletes it, shows the mark ({@code -s}) or removes it ({@code -r}). The mark
 * is Barman 3.4's object {@code PREFIX/SERVER/base/ID/annotations/keep} holding the target, so either tool sees
 * the other's keeps.
 */
public final class CloudBackupKeep {
    static final String PROG = "barman-cloud-backup-keep";

    private static final String DESCRIPTION = "This script can be used to tag backups in cloud storage as archival"
            + " backups such that they will not be deleted. barmanj supports the aws-s3 cloud provider.";

    private CloudBackupKeep() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static CloudArgs arguments() {
        return new CloudArgs(PROG, DESCRIPTION, List.of(CloudArgs.url("source"), CloudArgs.SERVER_NAME,
                new CloudArgs.Positional("backup_id", "the backup ID of the backup to be kept")), 3, List.of(
                        CloudOption.flag("If specified, the command will remove the keep annotation and the backup"
                                + " will be eligible for deletion", "-r", "--release").exclusiveIn("keep"),
                        CloudOption.flag("Print the keep status of the backup", "-s", "--status").exclusiveIn("keep"),
                        CloudOption.value(null, "Specify the recovery target for this backup", "--target")
                                .choices(KeepAnnotation.FULL, KeepAnnotation.STANDALONE).exclusiveIn("keep")))
                .requireOneOf("keep");
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = arguments().parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            return keep(args);
        } catch (CloudExit e) {
            return e.code;
        }
    }

    private static int keep(CloudArgs args) {
        String server = args.positionals.get(1);
        return CloudCommand.run(args, "keep", CloudCommand.Bucket.REQUIRED, cloud -> {
            BucketCatalog catalog = new BucketCatalog(cloud, server);
            String backupId = catalog.parseBackupId(args.positionals.get(2));
            String key = keepKey(catalog, backupId);
            if (args.setFlags.contains("--release")) {
                new CloudDeleter(cloud, null).delete(List.of(key));
            } else if (args.setFlags.contains("--status")) {
                String target = readKeep(cloud, key);
                System.out.println("Keep: " + (target == null || target.isEmpty() ? "nokeep" : target));
                System.out.flush();
            } else {
                BackupInfo info = catalog.info(backupId);
                if (info == null) {
                    // Barman 3.4 fails here too (exit 4), with a Python AttributeError as its message.
                    CloudLog.error("Barman cloud keep exception: backup " + backupId + " for server " + server
                            + " does not exist");
                    return CloudExit.GENERAL;
                }
                if (info.status() != BackupInfo.Status.DONE) {
                    CloudLog.error("Cannot add keep to backup " + backupId + " because it has status "
                            + info.statusText() + ". Only backups with status DONE can be kept.");
                    return CloudExit.OPERATION;
                }
                cloud.put(key, args.value("--target").getBytes(StandardCharsets.UTF_8), null);
            }
            return CloudExit.OK;
        });
    }

    /** {@code PREFIX/SERVER/base/ID/annotations/keep}. */
    static String keepKey(BucketCatalog catalog, String backupId) {
        return catalog.backupKey(backupId, "annotations/keep");
    }

    /**
     * The keep annotation's first line (as Barman reads it, any newline included), or null when there is none.
     */
    static String readKeep(S3Cloud cloud, String key) throws IOException {
        try (InputStream in = cloud.getIfExists(key)) {
            if (in == null) {
                return null;
            }
            StringBuilder b = new StringBuilder();
            byte[] bytes = in.readAllBytes();
            int end = 0;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            b.append(new String(bytes, 0, Math.min(bytes.length, end + 1), StandardCharsets.UTF_8));
            return b.toString();
        }
    }
}
