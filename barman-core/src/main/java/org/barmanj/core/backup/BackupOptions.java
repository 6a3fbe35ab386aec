package org.barmanj.core.backup;

import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;

/** The choices of one backup: the server's options, overridden by the command line's. */
public record BackupOptions(String reuse, int jobs, boolean immediateCheckpoint, String name, int retryTimes,
                            int retrySleepSeconds, Integer bwlimit) {
    /** The server's settings, for {@code barman backup} without overriding flags. */
    public static BackupOptions of(ServerConfig server) {
        String reuse = server.string(Option.REUSE_BACKUP);
        Integer jobs = server.integer(Option.PARALLEL_JOBS);
        Integer retryTimes = server.integer(Option.BASEBACKUP_RETRY_TIMES);
        Integer retrySleep = server.integer(Option.BASEBACKUP_RETRY_SLEEP);
        return new BackupOptions(reuse == null ? "off" : reuse, jobs == null ? 1 : jobs,
                server.flag(Option.IMMEDIATE_CHECKPOINT), null, retryTimes == null ? 0 : retryTimes,
                retrySleep == null ? 30 : retrySleep, server.integer(Option.BANDWIDTH_LIMIT));
    }
}
