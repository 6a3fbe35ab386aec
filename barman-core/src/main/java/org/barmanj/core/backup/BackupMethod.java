package org.barmanj.core.backup;

import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.config.Unsupported;

import java.io.IOException;

/**
 * How a backup's files are taken (Barman's backup executors): {@code backup_method = rsync} is
 * {@link RsyncBackupMethod}; {@code postgres} (pg_basebackup) is {@link PostgresBackupMethod}. A {@link BackupJob}
 * runs one: {@link #connect}, {@link #backup}, then {@link #close} whatever happened.
 */
public interface BackupMethod {
    /**
     * Why this version cannot take the server's backups, as one line naming the option, its value and what is
     * supported; null when it can. The rule is {@link Unsupported}'s table: Barman's other methods
     * ({@code local-rsync}, {@code snapshot}), exclusive backups, streaming, and whatever stops
     * archiving (a backup's WAL files would never come). Running rsync instead would record
     * something else as the server's backup (a {@code pgdata} path on the backup host, say).
     */
    static String unsupported(ServerConfig server) {
        for (Unsupported.Refusal refusal : Unsupported.refusals(server)) {
            if (refusal.stopsBackups()) {
                return refusal.message();
            }
        }
        return null;
    }

    /** Barman's name of the method, written as backup.info's {@code mode} ({@code rsync-concurrent}). */
    String mode();

    /** Opens the PostgreSQL session the backup needs; returns the cluster's system identifier. */
    String connect();

    /**
     * Takes the backup into {@code context.directory()}: records the begin and end of the backup in
     * {@code context.info()} and the copy's statistics ({@link BackupJob.Context#copyDone}), naming each step with
     * {@link BackupJob.Context#action} so that a failure says where it happened.
     */
    void backup(BackupJob.Context context) throws IOException, InterruptedException;

    /** Called from another thread (a signal): ends the method's processes and session, so that backup() fails now. */
    void abort();

    /** Ends the PostgreSQL session, if still open. */
    void close();
}
