package org.barmanj.cloud;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** barman-cloud-wal-archive: PostgreSQL's archive_command, one WAL file to PREFIX/SERVER/wals/HASHDIR/NAME[.gz|.bz2|.snappy]. */
public final class CloudWalArchive {
    static final String PROG = "barman-cloud-wal-archive";

    private static final String DESCRIPTION = "This script can be used in the `archive_command` of a PostgreSQL"
            + " server to ship WAL files to the Cloud. barmanj supports the aws-s3 cloud provider.";
    private static final List<CloudOption> OPTIONS = List.of(
            CloudCompression.GZIP.option("the WAL"), CloudCompression.BZIP2.option("the WAL"),
            CloudCompression.SNAPPY.option("the WAL"),
            CloudOption.tags("TAGS", "Tags to be added to archived WAL files in cloud storage", "--tags"),
            CloudOption.tags("HISTORY_TAGS", "Tags to be added to archived history files in cloud storage",
                    "--history-tags"),
            CloudArgs.ENCRYPTION);

    private CloudWalArchive() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = new CloudArgs(PROG, DESCRIPTION,
                    List.of(CloudArgs.url("destination"), CloudArgs.SERVER_NAME, new CloudArgs.Positional("wal_path",
                            "the value of the '%p' keyword (according to 'archive_command').")), 2, OPTIONS)
                    .parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            CloudCompression compression = CloudCompression.chosen(args);
            String encryption = args.value("--encryption");
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
                    throw new CloudExit(CloudExit.OPERATION); // Barman 3.4: an uncaught exception, exit 1
                }
                return file;
            }
            CloudLog.error(PROG + " called as unsupported hook script: " + phase + "_" + hook);
            throw new CloudExit(CloudExit.OPERATION); // Barman 3.4: an uncaught exception, exit 1
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
        return CloudCommand.run(args, "WAL archiver", CloudCommand.Bucket.CREATE, cloud -> {
            cloud.encryption = encryption;
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
        });
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
