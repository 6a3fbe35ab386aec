package org.barmanj.cloud;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** barman-cloud-wal-restore: PostgreSQL's restore_command, one WAL file from the bucket, decompressed by its suffix. */
public final class CloudWalRestore {
    static final String PROG = "barman-cloud-wal-restore";
    private static final String HELP = """
            This script can be used as a `restore_command` to download WAL files previously archived with
            barman-cloud-wal-archive command. barmanj supports the aws-s3 cloud provider.

            positional arguments:
              source_url            URL of the cloud source, such as a bucket in AWS S3. For example:
                                    `s3://bucket/path/to/folder`.
              server_name           the name of the server as configured in Barman.
              wal_name              The value of the '%f' keyword (according to 'restore_command').
              wal_dest              The value of the '%p' keyword (according to 'restore_command').

            options:
              -V, --version         show program's version number and exit
              --help                show this help message and exit
              -v, --verbose         increase output verbosity (e.g., -vv is more than -v)
              -q, --quiet           decrease output verbosity (e.g., -qq is less than -q)
              -t, --test            Test cloud connectivity and exit
              --cloud-provider {aws-s3,azure-blob-storage,google-cloud-storage}
                                    The cloud provider to use as a storage backend (barmanj: aws-s3 only)

            Extra options for the aws-s3 cloud provider:
              --endpoint-url ENDPOINT_URL
                                    Override default S3 endpoint URL with the given one
              -P PROFILE, --profile PROFILE
                                    profile name (e.g. INI section in AWS credentials file)
              --read-timeout READ_TIMEOUT
                                    the time in seconds until a timeout is raised when waiting to read from a
                                    connection (defaults to 60 seconds)
            """;

    private CloudWalRestore() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = new CloudArgs(PROG, "source_url server_name wal_name wal_dest", HELP, Set.of(),
                    Set.of(), Set.of(), Map.of(), List.of("source_url", "server_name", "wal_name", "wal_dest"), 4)
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
        try (S3Cloud cloud = new S3Cloud(args)) {
            if (!cloud.testConnectivity()) {
                return CloudExit.NETWORK;
            }
            if (args.test) {
                return CloudExit.OK;
            }
            if (!cloud.bucketExists) {
                CloudLog.error("Bucket " + cloud.bucket + " does not exist");
                return CloudExit.OPERATION;
            }
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
        } catch (CloudExit e) {
            return e.code;
        } catch (Exception | LinkageError e) {
            CloudLog.error("Barman cloud WAL restore exception: " + S3Cloud.describe(e));
            return CloudExit.GENERAL;
        }
    }
}
