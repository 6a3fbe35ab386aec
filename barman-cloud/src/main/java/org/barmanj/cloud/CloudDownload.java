package org.barmanj.cloud;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.barmanj.core.catalog.BackupInfo;

/**
 * The tars of one backup in the bucket and their download: Barman's get_backup_files (one tar per tablespace,
 * {@code data} for PGDATA, each with its split parts {@code NAME_0001.tar...}, compression by the suffix) and a
 * streaming GET, decompress, untar of each, a bounded number of tars at a time.
 */
final class CloudDownload {
    /** One object of the backup: a tar (or split part) to extract into target. */
    record Tar(Long oid, String key, CloudCompression compression, Path target) {}

    /** A tablespace (oid null: PGDATA) and its objects in Barman's order: the main tar, then the parts. */
    static final class BackupFile {
        final Long oid;
        final String base;
        String main;
        CloudCompression mainCompression;
        final List<String> parts = new ArrayList<>();
        final List<CloudCompression> partCompressions = new ArrayList<>();

        BackupFile(Long oid, String base) {
            this.oid = oid;
            this.base = base;
        }
    }

    private final S3Cloud cloud;

    CloudDownload(S3Cloud cloud) {
        this.cloud = cloud;
    }

    /**
     * The backup's files by oid (null first: PGDATA, then the tablespaces as backup.info lists them), found by
     * listing the backup's folder; a missing one is logged and ends the command with exit 1, as Barman does.
     */
    Map<Long, BackupFile> backupFiles(BucketCatalog catalog, BackupInfo info) {
        return backupFiles(catalog, info, false);
    }

    /** The same; {@code allowMissing}: a missing tar is only a warning (Barman's allow_missing, for deletes). */
    Map<Long, BackupFile> backupFiles(BucketCatalog catalog, BackupInfo info, boolean allowMissing) {
        String sourceDir = catalog.basePrefix + "/" + info.backupId();
        Map<Long, BackupFile> files = new LinkedHashMap<>();
        files.put(null, new BackupFile(null, sourceDir + "/data"));
        List<BackupInfo.Tablespace> tablespaces = info.get(BackupInfo.TABLESPACES);
        if (tablespaces != null) {
            for (BackupInfo.Tablespace t : tablespaces) {
                files.put(t.oid(), new BackupFile(t.oid(), sourceDir + "/" + t.oid()));
            }
        }
        for (String item : cloud.listKeys(sourceDir + "/", "/")) {
            for (BackupFile f : files.values()) {
                if (!item.startsWith(f.base)) {
                    continue;
                }
                String suffix = item.substring(f.base.length());
                if (suffix.isEmpty() || (suffix.charAt(0) != '.' && suffix.charAt(0) != '_')) {
                    CloudLog.debug("Skipping spurious prefix match: " + f.base + "|" + suffix);
                    continue;
                }
                boolean part = suffix.charAt(0) == '_';
                String ext = part ? (suffix.contains(".") ? suffix.substring(suffix.indexOf('.') + 1) : suffix)
                        : suffix.substring(1);
                CloudCompression c;
                switch (ext) {
                    case "tar" -> c = null;
                    case "tar.gz" -> c = CloudCompression.GZIP;
                    case "tar.bz2" -> c = CloudCompression.BZIP2;
                    case "tar.snappy" -> c = CloudCompression.SNAPPY;
                    default -> {
                        CloudLog.warning("Skipping unknown extension: " + ext);
                        continue;
                    }
                }
                if (part) {
                    f.parts.add(item);
                    f.partCompressions.add(c);
                } else {
                    f.main = item;
                    f.mainCompression = c;
                }
                CloudLog.info("Found file from backup '" + info.backupId() + "' of server '" + catalog.server
                        + "': " + item);
                break;
            }
        }
        for (BackupFile f : files.values()) {
            if (f.main == null && info.get(BackupInfo.SNAPSHOTS_INFO) == null) {
                if (allowMissing) {
                    CloudLog.warning("Missing file " + f.base + ".* for server " + catalog.server);
                    continue;
                }
                CloudLog.error("Missing file " + f.base + ".* for server " + catalog.server);
                throw new CloudExit(CloudExit.OPERATION);
            }
        }
        return files;
    }

    /**
     * Extracts every tar, at most {@code workers} at a time (each a GET streamed through its decompressor into the
     * tar reader: no temporary file), then applies the directories' modes. The first failure cancels the rest and
     * is thrown.
     */
    void extractAll(List<Tar> tars, Map<Path, TarExtract> extractors, int workers) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(workers, tars.size())), r -> {
            Thread t = new Thread(r, "barman-cloud-restore-download");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Long>> futures = new ArrayList<>();
            for (Tar tar : tars) {
                futures.add(pool.submit(() -> extractOne(tar, extractors.get(tar.target()))));
            }
            for (Future<Long> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    futures.forEach(other -> other.cancel(true));
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    if (cause instanceof RuntimeException re) {
                        throw re;
                    }
                    throw new IOException(cause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        for (TarExtract x : extractors.values()) {
            x.finish();
        }
    }

    private long extractOne(Tar tar, TarExtract extract) throws IOException {
        CloudLog.debug("Extracting " + tar.key() + " to " + tar.target() + " ("
                + (tar.compression() == null ? "no compression" : "decompressing " + tar.compression().barmanName)
                + ")");
        long started = System.nanoTime();
        try (InputStream raw = new BufferedInputStream(cloud.get(tar.key()), 1 << 20);
                InputStream in = tar.compression() == null ? raw : tar.compression().decompressor(raw)) {
            long bytes = extract.extract(in, tar.key());
            CloudLog.info("Extracted " + tar.key() + " to " + tar.target() + ": " + bytes + " bytes in "
                    + (System.nanoTime() - started) / 1_000_000 + " ms");
            return bytes;
        }
    }
}
