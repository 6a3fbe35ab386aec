package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.BarmanException;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.lock.LockFile;
import org.barmanj.core.wal.Archiver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;

/**
 * {@code barman cron}: the maintenance cron runs every minute. For every active server, under the server's
 * cron lock (so runs never overlap), it archives the incoming WAL files.
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
            } catch (IOException | BarmanException e) {
                // One server's failure must not stop the others.
                session.output().error("Cron for server " + server.name() + " failed: " + e.getMessage());
            }
        }
        return 0;
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
