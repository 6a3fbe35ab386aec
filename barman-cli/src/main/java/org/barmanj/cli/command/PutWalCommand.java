package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code barman put-wal SERVER}: stores the WAL files barman-wal-archive streams on stdin. The launcher's
 * hot path reaches {@link #receive} without building the whole command line model (see BarmanCli).
 */
@Command(name = "put-wal", description = "Receive a WAL file from SERVER_NAME and securely store it in the incoming "
        + "directory. The file will be read from standard input in tar format.")
public final class PutWalCommand extends ServerCommand {
    @Option(names = {"-t", "--test"}, description = "test both the connection and the configuration of the requested "
            + "PostgreSQL server in Barman for WAL retrieval")
    boolean test;

    @Parameters(paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Override
    int run(Session session) {
        return receive(session, serverName, test);
    }

    /** The whole command once its arguments are known. */
    public static int receive(Session session, String serverName, boolean test) {
        BarmanServer server = session.activeServer(serverName);
        if (server == null) {
            return 1;
        }
        if (server.config().disabled()) {
            for (String problem : server.config().problems()) {
                session.output().error(problem);
            }
            return 1;
        }
        if (test) {
            session.output().info("Ready to accept WAL files for the server " + serverName);
            return 0;
        }
        server.putWal(session.stdin());
        return 0;
    }
}
