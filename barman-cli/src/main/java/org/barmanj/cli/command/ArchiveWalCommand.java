package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.wal.Archiver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code barman archive-wal SERVER}: archives what put-wal (or the archive_command) left in incoming/. */
@Command(name = "archive-wal", description = "Execute maintenance operations on WAL files for a given server. This "
        + "command processes any incoming WAL files for the server and archives them along the catalogue.")
public final class ArchiveWalCommand extends ServerCommand {
    @Parameters(paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Override
    int run(Session session) {
        ServerConfig server = session.server(serverName);
        if (server != null) {
            archive(session, server, true);
        }
        return 0;
    }

    /** Runs the archiver; reports Barman's message when another archiver holds the lock. */
    static List<String> archive(Session session, ServerConfig server, boolean verbose) {
        List<String> archived = new Archiver(server, session.output()::info).run(verbose);
        if (archived == null) {
            session.output().info("Another archive-wal process is already running on server " + server.name()
                    + ". Skipping to the next server");
            return List.of();
        }
        return archived;
    }
}
