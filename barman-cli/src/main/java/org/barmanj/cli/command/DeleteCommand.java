package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code barman delete}: removes a backup and the WAL files only it needed. */
@Command(name = "delete", description = "Delete a backup")
public final class DeleteCommand extends ServerCommand {
    @Mixin
    BackupArguments arguments;

    @Override
    int run(Session session) {
        BarmanServer server = session.server(arguments.serverName);
        if (server == null) {
            return 1;
        }
        server.delete(arguments.backupId);
        return 0;
    }
}
