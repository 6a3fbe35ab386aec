package org.barmanj.core.backup;

import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.compat.Printable;
import org.barmanj.core.compression.TarballCompression;

import java.util.List;
import java.util.Locale;

/**
 * Which backups of a catalog this version can restore and check: those whose files are a plain copy of the data
 * directory, and the tarballs of {@code backup_compression} ({@code compression} = gzip, lz4 or zstd, restored as
 * Barman 3.4's TarballRecoveryExecutor does). A catalog shared with Barman may hold others: incremental backups
 * ({@code parent_backup_id}, Barman 3.13+), other compressions of a newer Barman, encrypted ones
 * ({@code encryption}, 3.15+) and snapshot backups ({@code snapshots_info}). Copying them as plain files would give
 * a data directory PostgreSQL cannot start, or one silently missing what the parent holds, so {@code recover} (and
 * {@code check-backup}) refuse them before touching anything.
 */
public final class RestoreSupport {
    private static final String SUPPORTED = "supported: full backups, plain or compressed with gzip, "
            + "lz4 or zstd, without encryption or snapshots";

    private record Kind(String key, String what) {
    }

    private static final List<Kind> KINDS = List.of(new Kind("parent_backup_id", "an incremental backup"),
            new Kind("compression", "a compressed backup"), new Kind("encryption", "an encrypted backup"),
            new Kind("snapshots_info", "a snapshot backup"));

    private RestoreSupport() {
    }

    /**
     * Why this version cannot restore or check the backup, naming the {@code backup.info} key, its value and what is
     * supported; null when it can. The caller says which backup and server (e.g. {@code Cannot recover from backup
     * 'ID' of server 'S': } + this).
     */
    public static String refusal(BackupInfo backup) {
        for (Kind kind : KINDS) {
            String value = backup.raw(kind.key());
            if (value == null || value.toLowerCase(Locale.ROOT).equals("none")
                    || kind.key().equals("compression") && TarballCompression.of(value) != null) {
                continue;
            }
            // A snapshot's description is a long dictionary: that it is there is what matters.
            String shown = kind.key().equals("snapshots_info") ? " set" : " = " + Printable.of(value);
            return kind.key() + shown + " (" + kind.what() + ") is not supported by this version: " + SUPPORTED;
        }
        return null;
    }
}
