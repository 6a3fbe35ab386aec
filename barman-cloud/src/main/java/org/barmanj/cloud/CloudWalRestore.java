package org.barmanj.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.List;
import org.barmanj.walarchive.Spool;

/**
 * barman-cloud-wal-restore: PostgreSQL's restore_command, one WAL file from the bucket, decompressed by its suffix.
 * With {@code --parallel N} (barmanj's extension, off by default) it also prefetches the next N segments into a
 * private spool folder ({@link WalSpool}, {@link WalPrefetch}), from which the next calls are served.
 */
public final class CloudWalRestore {
    static final String PROG = "barman-cloud-wal-restore";
    static final String DEFAULT_SPOOL = "/var/tmp/barman-cloud-wal-restore";
    static final int MAX_PARALLEL = 64;

    static final CloudOption PARALLEL = CloudOption.integer("N", "barmanj extension: also download the next N WAL"
            + " segments of the timeline, N at once, into the spool directory, from which the next calls are served"
            + " without a network call (default: 0, no prefetch)", "--parallel");
    static final CloudOption SPOOL_DIR = CloudOption.value("SPOOL_DIR", "barmanj extension: the prefetch folder"
            + " of --parallel, used only if private to the user (default: " + DEFAULT_SPOOL + ")", "--spool-dir");

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
                    4, List.of(PARALLEL, SPOOL_DIR))
                    .parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            return restore(args);
        } catch (CloudExit e) {
            return e.code;
        }
    }

    private static int restore(CloudArgs args) {
        String sourceUrl = args.positionals.get(0);
        String server = args.positionals.get(1);
        String walName = args.positionals.get(2);
        Path dest = Path.of(args.positionals.get(3));
        int parallel = args.value("--parallel") == null ? 0 : Integer.parseInt(args.value("--parallel"));
        if (parallel < 0 || parallel > MAX_PARALLEL) {
            args.fail(System.err, "argument --parallel: " + parallel + " is not from 0 to " + MAX_PARALLEL);
        }
        if (!WalNames.isAnyXlog(walName)) {
            CloudLog.error(walName + " is an invalid name for a WAL file");
            return CloudExit.USAGE;
        }
        // The spool only for the plain segments (never .history, .partial, .backup), only when it is private;
        // a spool that is not is a warning and no prefetch: the restore itself goes on as without --parallel.
        Spool spool = null;
        if (parallel > 0 && !args.test && WalNames.isSegment(walName)) {
            String dir = args.value("--spool-dir") == null ? DEFAULT_SPOOL : args.value("--spool-dir");
            try {
                spool = WalSpool.open(Path.of(dir), sourceUrl, server);
            } catch (Spool.RefusedException e) {
                CloudLog.warning(e.getMessage() + "; no prefetch");
            }
            if (spool != null) {
                try {
                    if (spool.take(walName, dest)) {
                        CloudLog.info("Found WAL " + walName + " for server " + server + " in the spool directory "
                                + spool.folder);
                        return CloudExit.OK;
                    }
                } catch (IOException e) {
                    CloudLog.warning("Cannot move " + spool.folder.resolve(walName) + " to " + dest + ": "
                            + e.getMessage() + "; downloading it");
                }
            }
        }
        Spool prefetchInto = spool;
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
            List<String> listing = cloud.listKeys(sourceDir, "/");
            for (String item : listing) {
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
                if (prefetchInto != null) {
                    // PostgreSQL 13 and older ask for each segment on the newest timeline first: what was
                    // prefetched on older timelines stays for the request that follows; the rest is stale.
                    prefetchInto.clean(olderTimelines(prefetchInto, walName));
                }
                CloudLog.info("WAL file " + walName + " for server " + server + " does not exists");
                return CloudExit.OPERATION;
            }
            CloudLog.debug("Downloading " + remote + " to " + dest + " ("
                    + (compression == null ? "no compression" : "decompressing " + compression.barmanName) + ")");
            Path parent = dest.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(parent, "." + walName + ".", ".part");
            WalPrefetch.Running prefetch = null;
            try {
                try (InputStream raw = cloud.get(remote);
                        InputStream in = compression == null ? raw : compression.decompressor(raw)) {
                    if (prefetchInto == null) {
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    } else {
                        // The first page says the segment size; the prefetch starts while the rest downloads.
                        byte[] first = in.readNBytes(WalPrefetch.HEADER_BYTES);
                        try {
                            prefetch = startPrefetch(cloud, prefetchInto, server, walName, sourceDir, listing, first,
                                    parallel);
                        } catch (RuntimeException e) {
                            // The prefetch never costs the requested segment (a listing of the next folder failed).
                            CloudLog.warning("No prefetch after " + walName + ": " + S3Cloud.describe(e));
                        }
                        try (OutputStream out = Files.newOutputStream(tmp)) {
                            out.write(first);
                            in.transferTo(out);
                        }
                    }
                }
                Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (Exception e) {
                if (prefetch != null) {
                    prefetch.abort();
                }
                throw e;
            } finally {
                Files.deleteIfExists(tmp);
            }
            if (prefetch != null) {
                int spooled = prefetch.finish();
                CloudLog.info("Prefetched " + spooled + " WAL files after " + walName + " for server " + server
                        + " into the spool directory " + prefetchInto.folder);
            }
            return CloudExit.OK;
        });
    }

    /**
     * Cleans the spool and starts the download of the segments that follow {@code walName}, if its first page
     * is the long header of that very segment (else nothing is prefetched); null when there is nothing to fetch.
     */
    private static WalPrefetch.Running startPrefetch(S3Cloud cloud, Spool spool, String server, String walName,
            String sourceDir, List<String> listing, byte[] first, int parallel) {
        WalPrefetch.Header header = WalPrefetch.parse(first);
        if (!WalPrefetch.matches(header, walName)) {
            spool.clean(java.util.Set.of());
            CloudLog.warning("WAL " + walName + " does not start with the header of that segment: no prefetch");
            return null;
        }
        List<String> following = WalPrefetch.following(walName, header.segmentSize(), parallel);
        List<String> removed = spool.clean(new HashSet<>(following));
        if (!removed.isEmpty()) {
            CloudLog.debug("Removed from the spool directory: " + String.join(", ", removed));
        }
        List<WalPrefetch.Item> items = WalPrefetch.plan(following,
                name -> {
                    String d = WalNames.join(cloud.path, server, "wals", WalNames.hashDir(name));
                    return d.endsWith("/") ? d : d + "/";
                },
                folder -> folder.equals(sourceDir) ? listing : cloud.listKeys(folder, "/"),
                spool::holds);
        if (items.isEmpty()) {
            return null;
        }
        CloudLog.info("Prefetching " + items.size() + " WAL files after " + walName + " for server " + server
                + " (" + header.segmentSize() + "-byte segments)");
        return new WalPrefetch.Running(cloud, spool, items, header, parallel);
    }

    /** The segments in the spool on a timeline before {@code walName}'s. */
    static java.util.Set<String> olderTimelines(Spool spool, String walName) {
        java.util.Set<String> older = new HashSet<>();
        try (var names = Files.list(spool.folder)) {
            names.map(p -> p.getFileName().toString())
                    .filter(n -> WalNames.isSegment(n) && WalNames.timeline(n) < WalNames.timeline(walName))
                    .forEach(older::add);
        } catch (IOException e) {
            // Nothing kept: the spool is cleaned, and what PostgreSQL asks next is downloaded.
        }
        return older;
    }
}
