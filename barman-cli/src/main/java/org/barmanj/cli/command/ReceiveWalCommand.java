package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code barman receive-wal SERVER}: streams WAL into the server's streaming folder (the receiver is built in,
 * pg_receivewal is not run), or with a flag stops it, resets its position, creates or drops the slot.
 */
@Command(name = "receive-wal", description = "Start a receive-wal process. The process uses the streaming protocol "
        + "to receive WAL files from the PostgreSQL server.")
public final class ReceiveWalCommand extends ServerCommand {
    @Option(names = "--stop", description = "stop the receive-wal subprocess for the server")
    boolean stop;

    @Option(names = "--reset", description = "reset the status of receive-wal removing any status files")
    boolean reset;

    @Option(names = "--create-slot", description = "create the replication slot, if it does not exist")
    boolean createSlot;

    @Option(names = "--if-not-exists", description = "do not error out if the slot already exists (only with "
            + "--create-slot)")
    boolean ifNotExists;

    @Option(names = "--drop-slot", description = "drop the replication slot, if it exists")
    boolean dropSlot;

    @Parameters(paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Override
    int run(Session session) {
        // As Barman: only plain streaming skips an inactive server; the flags work on any.
        BarmanServer server = stop || reset || createSlot || dropSlot ? anyServer(session)
                : session.server(serverName);
        if (server == null) {
            return 0;
        }
        if (stop && reset) {
            session.output().error("--stop and --reset options are not compatible");
        } else if (ifNotExists && !createSlot) {
            session.output().error("--if-not-exists is only supported when --create-slot is specified");
        } else if (stop) {
            server.stopReceiveWal(true);
        } else if (createSlot) {
            server.createReplicationSlot(ifNotExists);
        } else if (dropSlot) {
            server.dropReplicationSlot();
        } else {
            server.receiveWal(reset);
        }
        return 0;
    }

    private BarmanServer anyServer(Session session) {
        if (serverName.equals("all")) {
            session.output().error("You cannot use 'all' in a single server context");
            return null;
        }
        ServerConfig config = session.config().server(serverName);
        if (config == null) {
            session.output().error("Unknown server '" + serverName + "'");
            return null;
        }
        return session.service(config);
    }
}
