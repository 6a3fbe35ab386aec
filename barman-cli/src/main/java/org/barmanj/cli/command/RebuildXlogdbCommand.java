package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code barman rebuild-xlogdb}: recreates xlog.db from the WAL archive on disk. */
@Command(name = "rebuild-xlogdb", description = "Rebuild the WAL file database guessing it from the disk content.")
public final class RebuildXlogdbCommand extends ServerCommand {
    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server names for the command ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        session.eachServer(servers, Session.Selection.ACTIVE, BarmanServer::rebuildXlogDb);
        return 0;
    }
}
