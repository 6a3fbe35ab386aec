package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code barman archive-wal SERVER}: archives what put-wal (or the archive_command) left in incoming/. */
@Command(name = "archive-wal", description = "Execute maintenance operations on WAL files for a given server. This "
        + "command processes any incoming WAL files for the server and archives them along the catalogue.")
public final class ArchiveWalCommand extends ServerCommand {
    @Parameters(paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Override
    int run(Session session) {
        BarmanServer server = session.server(serverName);
        if (server != null) {
            server.archiveWal(true);
        }
        return 0;
    }
}
