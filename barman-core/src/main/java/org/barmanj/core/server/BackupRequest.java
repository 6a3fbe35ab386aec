package org.barmanj.core.server;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.backup.BackupOptions;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;

import java.util.List;

/**
 * What {@code barman backup} was asked for. Null fields take the server's options: {@code reuse}
 * ({@code copy|link|off}), {@code immediateCheckpoint}. {@code name} is the backup's {@code --name} (may be null);
 * {@code waitTimeoutSeconds} 0 waits as long as it takes. Values Barman refuses are refused here, before any
 * server is touched.
 */
public record BackupRequest(String reuse, Boolean immediateCheckpoint, String name, CopyOverrides copy,
                            boolean waitForWals, int waitTimeoutSeconds) {
    private static final List<String> REUSE = List.of("copy", "link", "off");
    private static final List<String> RESERVED_NAMES = List.of("latest", "last", "oldest", "first", "last-failed");

    public BackupRequest {
        if (reuse != null && !REUSE.contains(reuse)) {
            throw new BarmanException(ErrorCode.USAGE, "argument --reuse-backup: invalid choice: '" + reuse
                    + "' (choose from 'copy', 'link', 'off')");
        }
        if (name != null && (name.isBlank() || BackupCatalog.isBackupId(name) || RESERVED_NAMES.contains(name))) {
            throw new BarmanException(ErrorCode.USAGE, "argument --name: Backup name '" + name
                    + "' is not allowed: backup ID or reserved word");
        }
    }

    /** The backup's options: this request's, else the server's. */
    BackupOptions options(ServerConfig server) {
        String configuredReuse = server.string(Option.REUSE_BACKUP);
        return new BackupOptions(reuse != null ? reuse : configuredReuse == null ? "off" : configuredReuse,
                copy.jobs(server.integer(Option.PARALLEL_JOBS)),
                immediateCheckpoint != null ? immediateCheckpoint : server.flag(Option.IMMEDIATE_CHECKPOINT),
                name,
                copy.retryTimes(server.integer(Option.BASEBACKUP_RETRY_TIMES)),
                copy.retrySleepSeconds(server.integer(Option.BASEBACKUP_RETRY_SLEEP)),
                copy.bwlimit(server.integer(Option.BANDWIDTH_LIMIT)));
    }
}
