package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.BarmanException;
import org.barmanj.core.backup.CheckBackup;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.lock.LockFile;
import org.barmanj.core.wal.Archiver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.List;

/**
 * {@code barman cron}: the maintenance cron runs every minute. For every active server, under the server's
 * cron lock (so runs never overlap), it archives the incoming WAL files and checks the oldest backup waiting for
 * its WAL files.
 */
@Command(name = "cron", description = "Run maintenance tasks (global command)")
public final class CronCommand extends ServerCommand {
    @Option(names = "--keep-descriptors", description = "Keep the stdout and the stderr streams attached to Barman "
            + "subprocesses")
    boolean keepDescriptors;

    @Override
    int run(Session session) {
        for (ServerConfig server : session.servers(null, true, true).values()) {
            try (LockFile cron = LockFile.tryAcquire(LockFile.of(server.lockDirectory(), server.name(), "cron"))) {
                if (cron == null) {
                    session.output().info("Another cron process is already running on server " + server.name()
                            + ". Skipping to the next server");
                    continue;
                }
                archive(session, server);
                checkOldestWaitingBackup(session, server);
            } catch (IOException | BarmanException e) {
                // One server's failure must not stop the others.
                session.output().error("Cron for server " + server.name() + " failed: " + e.getMessage());
            }
        }
        return 0;
    }

    /** Barman's check-backup of the oldest backup still waiting for its WAL files (its output goes nowhere). */
    private static void checkOldestWaitingBackup(Session session, ServerConfig server) {
        List<BackupInfo> waiting = BackupCatalog.load(server).withStatus(BackupInfo.WAITING_FOR_WALS);
        if (waiting.isEmpty()) {
            return;
        }
        BackupInfo oldest = waiting.get(0);
        // As Barman: when another process holds the backup's lock, nothing is done or said.
        CheckBackup.runLocked(server, oldest, () -> session.output().info("Starting check-backup for backup "
                + oldest.backupId() + " of server " + server.name()));
    }

    /**
     * Barman starts a background archive-wal whose output goes nowhere; here it runs in this process, its
     * per-file lines shown only with {@code --keep-descriptors}.
     */
    private void archive(Session session, ServerConfig server) {
        Archiver archiver = new Archiver(server, keepDescriptors ? session.output()::info : line -> { });
        if (archiver.run(false, () -> session.output().info("Starting WAL archiving for server " + server.name()))
                == null) {
            session.output().info("Another archive-wal process is already running on server " + server.name()
                    + ". Skipping to the next server");
        }
    }
}
