package org.barmanj.cloud;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** barman-cloud-wal-restore: PostgreSQL's restore_command, one WAL file from the bucket, decompressed by its suffix. */
public final class CloudWalRestore {
    static final String PROG = "barman-cloud-wal-restore";

    private static final String DESCRIPTION = "This script can be used as a `restore_command` to download WAL"
            + " files previously archived with barman-cloud-wal-archive command. barmanj supports the aws-s3 cloud"
            + " provider.";

    private CloudWalRestore() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = new CloudArgs(PROG, DESCRIPTION, List.of(CloudArgs.url("source"), CloudArgs.SERVER_NAME,
                    new CloudArgs.Positional("wal_name", "The value of the '%f' keyword (according to 'restore_command')."),
                    new CloudArgs.Positional("wal_dest", "The value of the '%p' keyword (according to 'restore_command').")),
                    4, List.of())
                    .parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            return restore(args);
        } catch (CloudExit e) {
            return e.code;
        }
    }

    private static int restore(CloudArgs args) {
        String server = args.positionals.get(1);
        String walName = args.positionals.get(2);
        Path dest = Path.of(args.positionals.get(3));
        if (!WalNames.isAnyXlog(walName)) {
            CloudLog.error(walName + " is an invalid name for a WAL file");
            return CloudExit.USAGE;
        }
        return CloudCommand.run(args, "WAL restore", CloudCommand.Bucket.REQUIRED, cloud -> {
            String sourceDir = WalNames.join(cloud.path, server, "wals", WalNames.hashDir(walName));
            if (!sourceDir.endsWith("/")) {
                sourceDir += "/";
            }
            String walPath = sourceDir + walName;
            String remote = null;
            CloudCompression compression = null;
            // As Barman: the plain name, unless a key that starts with it is a WAL file with a known suffix
            // (the listing is sorted, so a compressed copy wins); .backup labels are skipped.
            for (String item : cloud.listKeys(sourceDir, "/")) {
                if (item.equals(walPath)) {
                    remote = item;
                } else if (item.startsWith(walPath)) {
                    String base = item;
                    CloudCompression c = CloudCompression.bySuffix(item);
                    if (c != null) {
                        base = base.substring(0, base.length() - c.suffix.length());
                    }
                    if (!WalNames.isAnyXlog(base)) {
                        CloudLog.warning("Unknown WAL file: " + item);
                        continue;
                    } else if (WalNames.isBackupLabel(base)) {
                        CloudLog.info("Skipping backup file: " + item);
                        continue;
                    }
                    remote = item;
                    compression = c;
                    CloudLog.info("Found WAL " + walName + " for server " + server + " as " + remote);
                    break;
                }
            }
            if (remote == null) {
                CloudLog.info("WAL file " + walName + " for server " + server + " does not exists");
                return CloudExit.OPERATION;
            }
            CloudLog.debug("Downloading " + remote + " to " + dest + " ("
                    + (compression == null ? "no compression" : "decompressing " + compression.barmanName) + ")");
            Path parent = dest.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(parent, "." + walName + ".", ".part");
            try {
                try (InputStream raw = cloud.get(remote);
                        InputStream in = compression == null ? raw : compression.decompressor(raw)) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return CloudExit.OK;
        });
    }
}
