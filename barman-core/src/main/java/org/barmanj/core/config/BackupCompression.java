package org.barmanj.core.config;

import org.barmanj.core.compression.TarballCompression;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code backup_compression} of {@code backup_method = postgres} (Barman 3.4's {@code PgBaseBackupCompression} and
 * its options): pg_basebackup compresses, on the client (pg_basebackup) or on the server (PostgreSQL 15+), into
 * its tar format ({@code base.tar.gz} and one {@code <oid>.tar.gz} per tablespace in the backup's {@code data}
 * folder), or with {@code backup_compression_format = plain} only over the wire (server side, decompressed by
 * pg_basebackup: the backup is then a plain one). {@code format}, {@code location}: null when unset.
 */
public record BackupCompression(TarballCompression type, String format, Integer level, String location,
                                Integer workers) {

    /** The server's setting; null without one ({@code none}, accepted as Barman's later versions, is none). */
    public static BackupCompression of(ServerConfig server) {
        TarballCompression type = TarballCompression.of(server.string(Option.BACKUP_COMPRESSION));
        if (type == null) {
            return null;
        }
        return new BackupCompression(type, server.string(Option.BACKUP_COMPRESSION_FORMAT),
                server.integer(Option.BACKUP_COMPRESSION_LEVEL), server.string(Option.BACKUP_COMPRESSION_LOCATION),
                server.integer(Option.BACKUP_COMPRESSION_WORKERS));
    }

    /** True when the backup is stored as compressed tarballs (backup.info's {@code compression}). */
    public boolean tarball() {
        return !"plain".equals(format);
    }

    /**
     * Barman 3.4's validation, its lines in its order. {@code serverVersionNum} (PostgreSQL's
     * {@code server_version_num}) and {@code pgBaseBackupVersionNum}: null when unknown, and the rules needing them
     * are then left out (read the configuration alone, only the others apply).
     */
    public List<String> issues(Integer serverVersionNum, Integer pgBaseBackupVersionNum) {
        List<String> issues = new ArrayList<>();
        boolean oldClient = pgBaseBackupVersionNum != null && pgBaseBackupVersionNum < 150000;
        if ("server".equals(location)) {
            if (oldClient) {
                issues.add("backup_compression_location = server requires pg_basebackup 15 or greater");
            }
            if (serverVersionNum != null && serverVersionNum < 150000) {
                issues.add("backup_compression_location = server requires PostgreSQL 15 or greater");
            }
        }
        if ("plain".equals(format) && !"server".equals(location)) {
            // Python's %s of an unset location.
            issues.add("backup_compression_format plain is not compatible with backup_compression_location "
                    + (location == null ? "None" : location));
        }
        String name = type.barmanName();
        if (type != TarballCompression.GZIP && oldClient) {
            issues.add("backup_compression = " + name + " requires pg_basebackup 15 or greater");
        }
        int maxLevel = switch (type) {
            case GZIP -> 9;
            case LZ4 -> 12;
            case ZSTD -> 22;
        };
        if (level != null && (level < 1 || level > maxLevel)) {
            issues.add("backup_compression_level " + level + " unsupported by pg_basebackup compression " + name);
        }
        if (workers != null) {
            if (type != TarballCompression.ZSTD) {
                issues.add("backup_compression_workers is not compatible with compression " + name);
            } else if (workers < 0) {
                issues.add("backup_compression_workers should be a positive integer: '" + workers + "' is invalid");
            }
        }
        return issues;
    }

    /**
     * Barman's pg_basebackup arguments: {@code --format} (tar unless set), then for pg_basebackup 15 and later
     * {@code --compress=[location-]type[:level=N,workers=N]}, for older ones {@code --gzip} and {@code --compress=N}
     * (a level of 0 is left out there, as Barman does).
     */
    public List<String> arguments(int pgBaseBackupVersionNum) {
        List<String> args = new ArrayList<>();
        args.add("--format=" + (format == null ? "tar" : format));
        if (pgBaseBackupVersionNum >= 150000) {
            StringBuilder compress = new StringBuilder("--compress=");
            if (location != null) {
                compress.append(location).append('-');
            }
            compress.append(type.barmanName());
            List<String> detail = new ArrayList<>();
            if (level != null) {
                detail.add("level=" + level);
            }
            if (workers != null) {
                detail.add("workers=" + workers);
            }
            if (!detail.isEmpty()) {
                compress.append(':').append(String.join(",", detail));
            }
            args.add(compress.toString());
        } else {
            args.add("--" + type.barmanName());
            if (level != null && level != 0) {
                args.add("--compress=" + level);
            }
        }
        return args;
    }
}
