package org.barmanj.cloud;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** barman-cloud-wal-archive: PostgreSQL's archive_command, one WAL file to PREFIX/SERVER/wals/HASHDIR/NAME[.gz|.bz2|.snappy]. */
public final class CloudWalArchive {
    static final String PROG = "barman-cloud-wal-archive";
    private static final String HELP = """
            This script can be used in the `archive_command` of a PostgreSQL server to ship WAL files to the
            Cloud. barmanj supports the aws-s3 cloud provider.

            positional arguments:
              destination_url       URL of the cloud destination, such as a bucket in AWS S3. For example:
                                    `s3://bucket/path/to/folder`.
              server_name           the name of the server as configured in Barman.
              wal_path              the value of the '%p' keyword (according to 'archive_command').

            options:
              -V, --version         show program's version number and exit
              --help                show this help message and exit
              -v, --verbose         increase output verbosity (e.g., -vv is more than -v)
              -q, --quiet           decrease output verbosity (e.g., -qq is less than -q)
              -t, --test            Test cloud connectivity and exit
              --cloud-provider {aws-s3,azure-blob-storage,google-cloud-storage}
                                    The cloud provider to use as a storage backend (barmanj: aws-s3 only)
              -z, --gzip            gzip-compress the WAL while uploading to the cloud
              -j, --bzip2           bzip2-compress the WAL while uploading to the cloud
              --snappy              snappy-compress the WAL while uploading to the cloud
              --tags [TAGS ...]     Tags to be added to archived WAL files in cloud storage
              --history-tags [HISTORY_TAGS ...]
                                    Tags to be added to archived history files in cloud storage

            Extra options for the aws-s3 cloud provider:
              --endpoint-url ENDPOINT_URL
                                    Override default S3 endpoint URL with the given one
              -P PROFILE, --profile PROFILE
                                    profile name (e.g. INI section in AWS credentials file)
              --read-timeout READ_TIMEOUT
                                    the time in seconds until a timeout is raised when waiting to read from a
                                    connection (defaults to 60 seconds)
              -e ENCRYPTION, --encryption ENCRYPTION
                                    The encryption algorithm used when storing the uploaded data in S3. Allowed
                                    values: 'AES256'|'aws:kms'.
            """;

    private CloudWalArchive() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = new CloudArgs(PROG,
                    "[-z | -j | --snappy] [--tags [TAGS ...]] [--history-tags [HISTORY_TAGS ...]] [-e ENCRYPTION]\n"
                            + " ".repeat(8 + PROG.length()) + "destination_url server_name [wal_path]",
                    HELP, Set.of("--encryption", "--max-block-size", "--max-concurrency", "--max-single-put-size",
                            "--encryption-scope"),
                    Set.of("--gzip", "--bzip2", "--snappy"), Set.of("--tags", "--history-tags"),
                    Map.of("-z", "--gzip", "-j", "--bzip2", "-e", "--encryption"),
                    List.of("destination_url", "server_name", "wal_path"), 2)
                    .parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            int compressions = 0;
            CloudCompression compression = null;
            for (CloudCompression c : CloudCompression.values()) {
                if (args.setFlags.contains("--" + c.barmanName)) {
                    compressions++;
                    compression = c;
                }
            }
            if (compressions > 1) {
                args.fail(System.err, "only one of -z/--gzip, -j/--bzip2, --snappy is allowed");
            }
            String encryption = args.value("--encryption");
            if (encryption != null && !encryption.equals("AES256") && !encryption.equals("aws:kms")) {
                args.fail(System.err, "argument -e/--encryption: invalid choice: '" + encryption
                        + "' (choose from 'AES256', 'aws:kms')");
            }
            return archive(args, compression, encryption);
        } catch (CloudExit e) {
            return e.code;
        }
    }

    private static String hookWalPath(CloudArgs args) {
        String hook = System.getenv("BARMAN_HOOK");
        String phase = System.getenv("BARMAN_PHASE");
        if (hook != null && phase != null) {
            if ((hook.equals("archive_script") || hook.equals("archive_retry_script")) && phase.equals("pre")) {
                String file = System.getenv("BARMAN_FILE");
                if (file == null) {
                    CloudLog.error("Expected environment variable BARMAN_FILE not set");
                    throw new CloudExit(CloudExit.GENERAL);
                }
                return file;
            }
            CloudLog.error(PROG + " called as unsupported hook script: " + phase + "_" + hook);
            throw new CloudExit(CloudExit.GENERAL);
        }
        if (args.positionals.size() < 3) {
            CloudLog.error("the following arguments are required: wal_path");
            throw new CloudExit(CloudExit.USAGE);
        }
        return args.positionals.get(2);
    }

    private static int archive(CloudArgs args, CloudCompression compression, String encryption) {
        String walPath = hookWalPath(args);
        if (!WalNames.isAnyXlog(walPath)) {
            CloudLog.error(walPath + " is an invalid name for a WAL file");
            return CloudExit.USAGE;
        }
        String server = args.positionals.get(1);
        try (S3Cloud cloud = new S3Cloud(args)) {
            cloud.encryption = encryption;
            if (!cloud.testConnectivity()) {
                return CloudExit.NETWORK;
            }
            if (args.test) {
                return CloudExit.OK;
            }
            cloud.setupBucket();
            List<String[]> tags = args.tagLists.get("--tags");
            if (WalNames.isHistory(walPath)) {
                List<String[]> history = args.tagLists.get("--history-tags");
                if (history != null && !history.isEmpty()) {
                    tags = history;
                }
            }
            String name = WalNames.basename(walPath) + (compression == null ? "" : compression.suffix);
            String key = WalNames.join(cloud.path, server, "wals", WalNames.hashDir(walPath), name);
            byte[] body = read(Path.of(walPath), compression);
            CloudLog.debug("Uploading " + walPath + " to " + key + " (" + body.length + " bytes)");
            cloud.put(key, body, tags);
            return CloudExit.OK;
        } catch (CloudExit e) {
            return e.code;
        } catch (Exception | LinkageError e) {
            CloudLog.error("Barman cloud WAL archiver exception: " + S3Cloud.describe(e));
            return CloudExit.GENERAL;
        }
    }

    private static byte[] read(Path wal, CloudCompression compression) throws IOException {
        if (compression == null) {
            return Files.readAllBytes(wal);
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream((int) Math.min(Files.size(wal), 1 << 26));
        try (OutputStream out = compression.compressor(buf)) {
            Files.copy(wal, out);
        }
        return buf.toByteArray();
    }
}
