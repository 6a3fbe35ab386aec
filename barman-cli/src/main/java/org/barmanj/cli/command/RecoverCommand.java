package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BarmanServer;
import org.barmanj.core.server.RecoveryRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code barman recover} (also {@code barman restore}): a backup restored into a PGDATA, here or over ssh. */
@Command(name = "recover", aliases = "restore", description = "Recover a server at a given time, name, LSN or xid")
public final class RecoverCommand extends ServerCommand {
    @Mixin
    CopyOptions copy;

    @Mixin
    TargetOptions target;

    @Option(names = "--tablespace", paramLabel = "NAME:LOCATION",
            description = "tablespace relocation rule")
    List<String> tablespaces;

    @Option(names = "--remote-ssh-command", paramLabel = "SSH_COMMAND",
            description = "This options activates remote recovery, by specifying the secure shell command to be "
                    + "launched on a remote host. It is the equivalent of the \"ssh_command\" server option in the "
                    + "configuration file for remote recovery. Example: 'ssh postgres@db2'")
    String remoteSshCommand;

    @Option(names = "--get-wal", description = "Enable the get-wal option during the recovery.")
    boolean getWal;

    @Option(names = "--no-get-wal", description = "Disable the get-wal option during recovery.")
    boolean noGetWal;

    @Option(names = "--network-compression", description = "Enable network compression during remote recovery.")
    boolean networkCompression;

    @Option(names = "--no-network-compression", description = "Disable network compression during remote recovery.")
    boolean noNetworkCompression;

    @Option(names = "--target-action", paramLabel = "TARGET_ACTION",
            description = "Specifies what action the server should take once the recovery target is reached. This "
                    + "option is not allowed for PostgreSQL < 9.1. If PostgreSQL is between 9.1 and 9.4 included "
                    + "the only allowed value is 'pause'. If PostgreSQL is 9.5 or newer the possible values are "
                    + "'shutdown', 'pause', 'promote'.")
    String targetAction;

    @Option(names = "--standby-mode", description = "Enable standby mode when starting the recovered PostgreSQL instance")
    boolean standbyMode;

    @Option(names = "--recovery-staging-path", paramLabel = "RECOVERY_STAGING_PATH",
            description = "A path to a location on the recovery host where compressed backup files will be staged "
                    + "during the recovery. This location must have enough available space to temporarily hold the "
                    + "full compressed backup. This option is *required* when recovering from a compressed backup.")
    String recoveryStagingPath;

    @Parameters(index = "0", paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Parameters(index = "1", paramLabel = "BACKUP_ID", description = "specifies the backup ID to recover")
    String backupId;

    @Parameters(index = "2", paramLabel = "DESTINATION_DIRECTORY",
            description = "the directory where the new server is created")
    String destination;

    @Override
    int run(Session session) {
        RecoveryRequest request = new RecoveryRequest(backupId, destination, remoteSshCommand, standbyMode,
                target.targetTime, target.targetXid, target.targetLsn, target.targetName, target.targetImmediate,
                target.targetTli, target.exclusive, targetAction,
                tablespaces, getWal ? Boolean.TRUE : noGetWal ? Boolean.FALSE : null,
                networkCompression ? Boolean.TRUE : noNetworkCompression ? Boolean.FALSE : null, copy.overrides(),
                recoveryStagingPath);
        BarmanServer server = session.server(serverName);
        if (server == null) {
            return 1;
        }
        server.recover(request);
        return 0;
    }
}
