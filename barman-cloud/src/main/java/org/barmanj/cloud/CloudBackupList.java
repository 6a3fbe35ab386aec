package org.barmanj.cloud;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.compat.PyDateTime;

/**
 * barman-cloud-backup-list: the backups of a server in a bucket, as Barman 3.4 prints them. Console: the DONE
 * backups, oldest first, with their end time, first WAL, keep target ({@code KEEP:FULL}, {@code KEEP:STANDALONE})
 * and name; {@code --format json} (any value but {@code console}): every backup's backup.info, whatever its status.
 */
public final class CloudBackupList {
    static final String PROG = "barman-cloud-backup-list";
    private static final String DESCRIPTION = "This script can be used to list backups made with"
            + " barman-cloud-backup command. barmanj supports the aws-s3 cloud provider.";
    static final CloudOption FORMAT = CloudOption.value("FORMAT", "Output format (console or json). Default console.",
            "--format");

    private CloudBackupList() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = new CloudArgs(PROG, DESCRIPTION, List.of(CloudArgs.url("source"), CloudArgs.SERVER_NAME),
                    2, List.of(FORMAT)).parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            String server = args.positionals.get(1);
            boolean console = "console".equals(format(args));
            return CloudCommand.run(args, "backup list", CloudCommand.Bucket.REQUIRED, cloud -> {
                BucketCatalog catalog = new BucketCatalog(cloud, server);
                Map<String, BackupInfo> backups = catalog.backups();
                String text = console ? console(backups, new KeepAnnotations(cloud, catalog)::target)
                        : json(backups);
                PrintStream out = CloudText.stdout();
                out.print(text);
                out.flush();
                return CloudExit.OK;
            });
        } catch (CloudExit e) {
            return e.code;
        }
    }

    /** The --format value; Barman's default is console. */
    static String format(CloudArgs args) {
        String f = args.value(FORMAT.canonical());
        return f == null ? "console" : f;
    }

    /** The console table (the backups sorted by id, as the map is), keep targets from {@code keep}. */
    static String console(Map<String, BackupInfo> backups, java.util.function.Function<String, String> keep) {
        StringBuilder out = new StringBuilder();
        row(out, "Backup ID", "End Time", "Begin Wal", "Archival Status", "Name");
        for (BackupInfo b : backups.values()) {
            if (b.status() != BackupInfo.Status.DONE) {
                continue;
            }
            String target = keep.apply(b.backupId());
            String archival = target == null || target.isEmpty() ? "" : "KEEP:" + target.toUpperCase(java.util.Locale.ROOT);
            String name = b.backupName();
            row(out, b.backupId(), endTime(b), b.beginWal(), archival, name == null ? "" : name);
        }
        return out.toString();
    }

    /** strftime("%Y-%m-%d %H:%M:%S") of the end time, in the offset it was written with. */
    private static String endTime(BackupInfo b) {
        String full = PyDateTime.format(b.endTime());
        return full.substring(0, "YYYY-MM-DD HH:MM:SS".length());
    }

    private static void row(StringBuilder out, String id, String end, String wal, String archival, String name) {
        out.append(CloudText.left(id, 20)).append(CloudText.left(end, 25)).append(CloudText.left(wal, 30))
                .append(CloudText.left(archival, 17)).append(CloudText.left(name, 20)).append('\n');
    }

    /** {"backups_list": [to_json() of every backup, sorted by id]}. */
    static String json(Map<String, BackupInfo> backups) {
        List<Object> list = new ArrayList<>();
        for (BackupInfo b : backups.values()) {
            list.add(BackupInfoView.toJson(b));
        }
        return PyJsonWriter.dumps(Map.of("backups_list", list)) + "\n";
    }
}
