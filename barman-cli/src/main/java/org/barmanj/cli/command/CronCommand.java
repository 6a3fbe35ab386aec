package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.config.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
            session.service(server).cron(keepDescriptors);
        }
        return 0;
    }
}
