package org.barmanj.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;

/**
 * The backups and WAL files of one server in a bucket, as Barman's {@code CloudBackupCatalog} reads them:
 * {@code PREFIX/SERVER/base/ID/backup.info} (barman-core's {@link BackupInfo}, so the encoding is the catalog's)
 * and {@code PREFIX/SERVER/wals/...}. Every listing is paginated.
 */
final class BucketCatalog {
    private final S3Cloud cloud;
    final String server;
    /** {@code PREFIX/SERVER/base} and {@code PREFIX/SERVER/wals}, without a trailing slash. */
    final String basePrefix;
    final String walPrefix;
    private Map<String, BackupInfo> backups;
    private Map<String, String> walKeys;
    /** Backup folders whose backup.info could not be read (Barman lists them apart). */
    final List<String> unreadable = new ArrayList<>();

    BucketCatalog(S3Cloud cloud, String server) {
        this.cloud = cloud;
        this.server = server;
        basePrefix = WalNames.join(cloud.path, server, "base");
        walPrefix = WalNames.join(cloud.path, server, "wals");
    }

    /** The key of a file in a backup's folder: {@code PREFIX/SERVER/base/ID/name}. */
    String backupKey(String backupId, String name) {
        return basePrefix + "/" + backupId + "/" + name;
    }

    /** Backups by id, oldest first; a folder without a backup.info is not a backup, an unreadable one is noted. */
    Map<String, BackupInfo> backups() {
        if (backups == null) {
            backups = new TreeMap<>();
            for (String dir : cloud.listKeys(basePrefix + "/", "/")) {
                if (!dir.endsWith("/")) {
                    continue;
                }
                String id = dir.substring(basePrefix.length() + 1, dir.length() - 1);
                try {
                    BackupInfo info = info(id);
                    if (info != null) {
                        backups.put(id, info);
                    }
                } catch (RuntimeException e) {
                    CloudLog.warning("Unable to open backup.info file for " + id + ": " + S3Cloud.describe(e));
                    unreadable.add(id);
                }
            }
        }
        return backups;
    }

    /** The backup.info of one backup, or null if there is none. */
    BackupInfo info(String backupId) {
        String key = backupKey(backupId, "backup.info");
        try (InputStream in = cloud.getIfExists(key)) {
            if (in == null) {
                return null;
            }
            return BackupInfo.parse(backupId, server, new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    "s3://" + cloud.bucket + "/" + key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Barman's parse_backup_id: a backup id as is, else the backup of that name; unknown names are refused. */
    String parseBackupId(String idOrName) {
        if (BackupCatalog.isBackupId(idOrName)) {
            return idOrName;
        }
        List<String> named = backups().values().stream().filter(b -> idOrName.equals(b.backupName()))
                .map(BackupInfo::backupId).toList();
        if (named.size() == 1) {
            return named.get(0);
        }
        if (named.size() > 1) {
            throw new IllegalArgumentException("Multiple backups found matching name '" + idOrName
                    + "' (try using backup ID instead): " + String.join(" ", named));
        }
        throw new IllegalArgumentException("Unknown backup '" + idOrName + "' for server '" + server + "'");
    }

    /** Barman's get_wal_paths: WAL name (without its compression suffix) to key, every archived WAL file. */
    Map<String, String> walKeys() {
        if (walKeys == null) {
            walKeys = new TreeMap<>();
            for (String key : cloud.listKeys(walPrefix + "/", "")) {
                String name = key.substring(key.lastIndexOf('/') + 1);
                if (WalNames.isAnyXlog(name)) {
                    walKeys.put(name, key);
                    continue;
                }
                CloudCompression c = CloudCompression.bySuffix(name);
                if (c != null && WalNames.isAnyXlog(name.substring(0, name.length() - c.suffix.length()))) {
                    walKeys.put(name.substring(0, name.length() - c.suffix.length()), key);
                }
            }
        }
        return walKeys;
    }
}
