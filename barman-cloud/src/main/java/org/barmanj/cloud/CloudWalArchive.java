package org.barmanj.cloud;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.barmanj.walarchive.ArchiveStatus;

/**
 * barman-cloud-wal-archive: PostgreSQL's archive_command, a WAL file to PREFIX/SERVER/wals/HASHDIR/NAME[.gz|...].
 * A burst of WAL is sent in fewer calls, as barmanj's barman-wal-archive sends it: the files PostgreSQL has
 * already marked ready go in the same call ({@code --look-ahead}, several uploads at a time), and those stored
 * are marked done so PostgreSQL does not archive them again. Barman 3.4 sends one file per call.
 */
public final class CloudWalArchive {
    static final String PROG = "barman-cloud-wal-archive";
    /** As barman-wal-archive's. */
    static final int DEFAULT_LOOK_AHEAD = 64;
    /** Uploads at a time when looking ahead. */
    static final int UPLOADERS = 4;

    private static final String DESCRIPTION = "This script can be used in the `archive_command` of a PostgreSQL"
            + " server to ship WAL files to the Cloud. barmanj supports the aws-s3 cloud provider.";
    private static final List<CloudOption> OPTIONS = List.of(
            CloudCompression.GZIP.option("the WAL"), CloudCompression.BZIP2.option("the WAL"),
            CloudCompression.SNAPPY.option("the WAL"),
            CloudOption.tags("TAGS", "Tags to be added to archived WAL files in cloud storage", "--tags"),
            CloudOption.tags("HISTORY_TAGS", "Tags to be added to archived history files in cloud storage",
                    "--history-tags"),
            CloudArgs.ENCRYPTION,
            CloudOption.integer("N", "barmanj: also upload up to N other WAL files PostgreSQL has marked ready in"
                    + " archive_status, " + UPLOADERS + " at a time, and mark those stored done (default "
                    + DEFAULT_LOOK_AHEAD + "; 0: WAL_PATH only, as Barman 3.4)", "--look-ahead"));

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
            String n = args.value("--look-ahead");
            int lookAhead = n == null ? DEFAULT_LOOK_AHEAD : Integer.parseInt(n);
            if (lookAhead < 0) {
                args.fail(System.err, "argument --look-ahead: " + n + " is not 0 or more");
            }
            return archive(args, compression, encryption, lookAhead);
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

    private static int archive(CloudArgs args, CloudCompression compression, String encryption, int lookAhead) {
        boolean hook = System.getenv("BARMAN_HOOK") != null && System.getenv("BARMAN_PHASE") != null;
        String walPath = hookWalPath(args);
        if (!WalNames.isAnyXlog(walPath)) {
            CloudLog.error(walPath + " is an invalid name for a WAL file");
            return CloudExit.USAGE;
        }
        String server = args.positionals.get(1);
        return CloudCommand.run(args, "WAL archiver", CloudCommand.Bucket.CREATE, cloud -> {
            cloud.encryption = encryption;
            Path wal = Path.of(walPath);
            // A hook script's file sits in Barman's incoming folder, where no PostgreSQL marks anything ready.
            List<Path> extra = hook ? List.of() : ArchiveStatus.readyAfter(wal, lookAhead);
            if (extra.isEmpty()) {
                upload(cloud, args, server, compression, wal);
                return CloudExit.OK;
            }
            ExecutorService pool = Executors.newFixedThreadPool(UPLOADERS);
            try {
                Future<?> first = pool.submit(() -> upload(cloud, args, server, compression, wal));
                List<Future<?>> ahead = new ArrayList<>();
                for (Path p : extra) {
                    ahead.add(pool.submit(() -> upload(cloud, args, server, compression, p)));
                }
                List<Path> stored = new ArrayList<>();
                for (int i = 0; i < extra.size(); i++) {
                    try {
                        ahead.get(i).get();
                        stored.add(extra.get(i));
                    } catch (ExecutionException e) {
                        CloudLog.warning("WAL file " + extra.get(i).getFileName() + " not uploaded ahead (PostgreSQL"
                                + " will archive it again): " + S3Cloud.describe(e.getCause()));
                    }
                }
                ArchiveStatus.markDone(stored);
                CloudLog.debug("Uploaded " + stored.size() + " of " + extra.size() + " WAL files ahead");
                try {
                    first.get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
                }
                return CloudExit.OK;
            } finally {
                pool.shutdownNow();
            }
        });
    }

    /** One WAL file to its key, with --tags (or --history-tags for a history file). */
    private static Void upload(S3Cloud cloud, CloudArgs args, String server, CloudCompression compression, Path wal)
            throws IOException {
        List<String[]> tags = args.tagLists.get("--tags");
        String base = wal.getFileName().toString();
        if (WalNames.isHistory(base)) {
            List<String[]> history = args.tagLists.get("--history-tags");
            if (history != null && !history.isEmpty()) {
                tags = history;
            }
        }
        String name = base + (compression == null ? "" : compression.suffix);
        String key = WalNames.join(cloud.path, server, "wals", WalNames.hashDir(base), name);
        byte[] body = read(wal, compression);
        CloudLog.debug("Uploading " + wal + " to " + key + " (" + body.length + " bytes)");
        cloud.put(key, body, tags);
        return null;
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
