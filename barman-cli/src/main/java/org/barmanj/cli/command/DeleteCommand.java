package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code barman delete}: removes a backup and the WAL files only it needed. */
@Command(name = "delete", description = "Delete a backup")
public final class DeleteCommand extends ServerCommand {
    @Parameters(index = "0", paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Parameters(index = "1", paramLabel = "BACKUP_ID",
            description = "specifies the backup ID (or latest, last, oldest, first, last-failed, or a backup name)")
    String backupId;

    @Override
    int run(Session session) {
        BarmanServer server = session.server(serverName);
        if (server == null) {
            return 1;
        }
        server.delete(backupId);
        return 0;
    }
}
