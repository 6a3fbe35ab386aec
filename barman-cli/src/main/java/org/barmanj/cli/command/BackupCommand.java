package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BackupRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code barman backup}: a base backup of each named server ({@code all}: every active one). */
@Command(name = "backup", description = "Perform a full backup for the given server (supports 'all')")
public final class BackupCommand extends ServerCommand {
    @Mixin
    CopyOptions copy;

    @Option(names = "--immediate-checkpoint", description = "forces the initial checkpoint to be done as quickly as possible")
    boolean immediateCheckpoint;

    @Option(names = "--no-immediate-checkpoint", description = "forces the initial checkpoint to be spread")
    boolean noImmediateCheckpoint;

    @Option(names = "--reuse-backup", arity = "0..1", fallbackValue = "link", paramLabel = "{copy,link,off}",
            description = "use the previous backup to improve transfer-rate. If no argument is given \"link\" is assumed")
    String reuseBackup;

    @Option(names = {"-w", "--wait"}, description = "wait for all the required WAL files to be archived")
    boolean waitForWals;

    @Option(names = "--wait-timeout", paramLabel = "TIMEOUT",
            description = "the time, in seconds, spent waiting for the required WAL files to be archived "
                    + "before timing out")
    Integer waitTimeout;

    @Option(names = "--name", paramLabel = "BACKUP_NAME",
            description = "a name which can be used to reference this backup in barman commands such as "
                    + "recover and delete")
    String name;

    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server names for the backup command ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        BackupRequest request = new BackupRequest(reuseBackup,
                immediateCheckpoint ? Boolean.TRUE : noImmediateCheckpoint ? Boolean.FALSE : null, name,
                copy.overrides(), waitForWals, waitTimeout == null ? 0 : waitTimeout);
        session.eachServer(servers, Session.Selection.ACTIVE, server -> server.backup(request));
        return 0;
    }
}
