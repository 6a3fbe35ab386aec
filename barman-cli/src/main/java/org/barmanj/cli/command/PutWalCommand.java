package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.wal.PutWal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;

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
        return receive(session, serverName, test, parent.stdin());
    }

    /** The whole command once its arguments are known. */
    public static int receive(Session session, String serverName, boolean test, InputStream stdin) {
        ServerConfig server = session.activeServer(serverName);
        if (server == null) {
            return 1;
        }
        if (server.disabled()) {
            for (String problem : server.problems()) {
                session.output().error(problem);
            }
            return 1;
        }
        if (test) {
            session.output().info("Ready to accept WAL files for the server " + serverName);
            return 0;
        }
        PutWal.Result result = PutWal.receive(server, stdin, session.sshSource());
        for (String message : result.messages()) {
            session.output().info(message);
        }
        return 0;
    }
}
