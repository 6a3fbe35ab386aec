package org.barmanj.core.backup;

import org.barmanj.core.Events;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.postgres.BackupControl;
import org.barmanj.core.postgres.PostgresConnection;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Barman's concurrent backup strategy, for the methods that copy files themselves: the backup is started and
 * stopped with SQL on one PostgreSQL session that stays open for the whole copy (PostgreSQL ends a concurrent
 * backup whose session ends, so a dead backup never leaves the server in backup mode), and what it returns is
 * recorded in backup.info.
 */
final class ConcurrentBackupStrategy {
    /** How long a backup waits for PostgreSQL to archive its last segment before it goes on WAITING_FOR_WALS. */
    private static final long ARCHIVING_WAIT_MILLIS = 60_000;

    private final BackupControl control;
    private BackupControl.ServerFacts facts;

    ConcurrentBackupStrategy(PostgresConnection pg) {
        this.control = new BackupControl(pg);
    }

    /** Records what the backup needs to know of the server, then starts the backup: the backup is STARTED. */
    BackupControl.ServerFacts start(BackupJob.Context context, boolean immediateCheckpoint) {
        BackupInfo info = context.info();
        facts = recordFacts(context, control);

        context.action("issuing start backup command");
        BackupControl.Mark begin = control.start("Barman backup " + context.server().name() + " "
                + info.backupId(), immediateCheckpoint);
        long beginLsn = WalName.parseLsn(begin.lsn());
        info.set(BackupInfo.BEGIN_XLOG, begin.lsn());
        info.set(BackupInfo.TIMELINE, (long) begin.timeline());
        info.set(BackupInfo.BEGIN_WAL, WalName.segmentOf(begin.timeline(), beginLsn, facts.segmentSize()));
        info.set(BackupInfo.BEGIN_OFFSET, WalName.offsetOf(beginLsn, facts.segmentSize()));
        info.set(BackupInfo.BEGIN_TIME, PyDateTime.parse(begin.timestamp()));
        context.started();
        return facts;
    }

    /** What every method records of the server before its backup starts (Barman's {@code _pg_get_metadata}). */
    static BackupControl.ServerFacts recordFacts(BackupJob.Context context, BackupControl control) {
        BackupInfo info = context.info();
        context.action("detecting data directory");
        BackupControl.ServerFacts facts = control.facts();
        info.set(BackupInfo.PGDATA, facts.dataDirectory());
        info.set(BackupInfo.VERSION, (long) facts.version());
        info.set(BackupInfo.CONFIG_FILE, facts.configFile());
        info.set(BackupInfo.HBA_FILE, facts.hbaFile());
        info.set(BackupInfo.IDENT_FILE, facts.identFile());
        info.set(BackupInfo.INCLUDED_FILES, facts.includedFiles());
        info.set(BackupInfo.XLOG_SEGMENT_SIZE, facts.segmentSize());
        context.action("detecting tablespaces");
        info.set(BackupInfo.TABLESPACES, facts.tablespaces());
        return facts;
    }

    /**
     * Barman 3.17's {@code keepalive_interval}: a {@code SELECT 1} on the backup's session every {@code seconds}
     * while the files are copied, so that no firewall or TCP idle timeout ends the session (PostgreSQL would then
     * end the backup). 0 or less: none. Closing it stops the pings.
     */
    AutoCloseable keepAlive(int seconds, Events events) {
        if (seconds <= 0) {
            return () -> { };
        }
        ScheduledExecutorService pinger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "backup-keepalive");
            t.setDaemon(true);
            return t;
        });
        pinger.scheduleWithFixedDelay(() -> {
            try {
                control.ping();
            } catch (RuntimeException e) {
                events.debug("keepalive query failed: " + e.getMessage());
            }
        }, seconds, seconds, TimeUnit.SECONDS);
        return () -> {
            pinger.shutdownNow();
            pinger.awaitTermination(10, TimeUnit.SECONDS);
        };
    }

    /** {@code global/pg_control} read by the server, or null when this role may not read server files. */
    byte[] readControlFile() {
        return control.readControlFile();
    }

    /** Stops the backup and records its end; returns the text of its {@code backup_label}. */
    String stop(BackupJob.Context context) {
        context.action("issuing stop backup command (native concurrent)");
        BackupInfo info = context.info();
        BackupControl.Mark end = control.stop();
        long endLsn = WalName.parseLsn(end.lsn());
        info.set(BackupInfo.END_XLOG, end.lsn());
        info.set(BackupInfo.END_WAL, WalName.segmentOf(end.timeline(), endLsn, facts.segmentSize()));
        info.set(BackupInfo.END_OFFSET, WalName.offsetOf(endLsn, facts.segmentSize()));
        info.set(BackupInfo.END_TIME, PyDateTime.parse(end.timestamp()));
        info.set(BackupInfo.BACKUP_LABEL, end.backupLabel());
        return end.backupLabel();
    }

    /**
     * On a primary, as PostgreSQL's own wait: the backup is complete once its last segment is archived. Should the
     * archiver be stuck, the backup goes on WAITING_FOR_WALS and becomes DONE when the WAL arrives. Then Barman's
     * WAL switch and {@code barman_<id>} restore point.
     */
    void awaitLastSegment(BackupJob.Context context) throws InterruptedException {
        if (facts.inRecovery()) {
            return;
        }
        control.waitForArchiving(context.info().endWal(), ARCHIVING_WAIT_MILLIS);
        control.switchWal();
        control.createRestorePoint("barman_" + context.info().backupId());
    }
}
