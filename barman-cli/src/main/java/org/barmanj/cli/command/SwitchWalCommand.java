package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code barman switch-wal}: closes the current WAL segment, and with {@code --archive} waits for it. */
@Command(name = "switch-wal", aliases = "switch-xlog", description = "Execute the switch-wal command on the target server")
public final class SwitchWalCommand extends ServerCommand {
    @Option(names = "--force", description = "forces the switch by executing CHECKPOINT before pg_switch_wal()")
    boolean force;

    @Option(names = "--archive", description = "wait for one WAL file to be archived")
    boolean archive;

    @Option(names = "--archive-timeout", paramLabel = "TIMEOUT", defaultValue = "30",
            description = "the time, in seconds, the archiver will wait for a new WAL file to be archived before "
                    + "timing out (default: 30)")
    int archiveTimeout;

    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*", description = "specifies the server name target of the "
            + "switch-wal command")
    List<String> servers;

    @Override
    int run(Session session) {
        session.eachServer(servers, Session.Selection.ACTIVE,
                server -> server.switchWal(force, archive, archiveTimeout));
        return 0;
    }
}
