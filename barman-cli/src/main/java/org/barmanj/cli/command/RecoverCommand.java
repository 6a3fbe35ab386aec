package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.BarmanException;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.recovery.Recovery;
import org.barmanj.core.recovery.RecoveryTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code barman recover} (also {@code barman restore}): a backup restored into a PGDATA, here or over ssh. */
@Command(name = "recover", aliases = "restore", description = "Recover a server at a given time, name, LSN or xid")
public final class RecoverCommand extends ServerCommand {
    @Mixin
    CopyOptions copy;

    @Option(names = "--target-tli", paramLabel = "TARGET_TLI", description = "target timeline")
    String targetTli;

    @Option(names = "--target-time", paramLabel = "TARGET_TIME",
            description = "target time. You can use any valid unambiguous representation (e.g: \"YYYY-MM-DD HH:MM:SS.mmm\")")
    String targetTime;

    @Option(names = "--target-xid", paramLabel = "TARGET_XID", description = "target transaction ID")
    String targetXid;

    @Option(names = "--target-lsn", paramLabel = "TARGET_LSN", description = "target LSN (Log Sequence Number)")
    String targetLsn;

    @Option(names = "--target-name", paramLabel = "TARGET_NAME",
            description = "target name created previously with pg_create_restore_point() function call")
    String targetName;

    @Option(names = "--target-immediate", description = "end recovery as soon as a consistent state is reached")
    boolean targetImmediate;

    @Option(names = "--exclusive", description = "set target to be non inclusive")
    boolean exclusive;

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
                    + "during the recovery (rsync backups are not compressed: accepted and not used)")
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
        if (targetAction != null && !List.of("pause", "shutdown", "promote").contains(targetAction)) {
            session.output().error("argument --target-action: invalid choice: '" + targetAction
                    + "' (choose from 'pause', 'shutdown', 'promote')");
            return 2;
        }
        Map<String, String> relocations = new LinkedHashMap<>();
        for (String rule : tablespaces == null ? List.<String>of() : tablespaces) {
            int colon = rule.indexOf(':');
            if (colon <= 0 || colon == rule.length() - 1) {
                session.output().error("Invalid tablespace relocation rule '" + rule + "'\n"
                        + "HINT: The valid syntax for a relocation rule is NAME:LOCATION");
                return 1;
            }
            relocations.put(rule.substring(0, colon), rule.substring(colon + 1));
        }
        ServerConfig server = session.server(serverName);
        if (server == null) {
            return 1;
        }
        BackupInfo backup;
        try {
            backup = session.catalog(server).find(backupId);
        } catch (BarmanException e) {
            session.output().error(e.getMessage());
            return 1;
        }
        ArchiveWalCommand.archive(session, server, false);
        RecoveryTarget target = new RecoveryTarget(targetTime, targetXid, targetLsn, targetName, targetImmediate,
                targetTli, exclusive, targetAction);
        Integer configuredJobs = server.integer(org.barmanj.core.config.Option.PARALLEL_JOBS);
        boolean useGetWal = getWal || (!noGetWal && server.words(org.barmanj.core.config.Option.RECOVERY_OPTIONS)
                .contains("get-wal"));
        boolean compress = networkCompression
                || (!noNetworkCompression && server.flag(org.barmanj.core.config.Option.NETWORK_COMPRESSION)
                && remoteSshCommand != null);
        Recovery.Options options = new Recovery.Options(remoteSshCommand, standbyMode, target, relocations,
                useGetWal, copy.bwlimit != null ? copy.bwlimit
                        : server.integer(org.barmanj.core.config.Option.BANDWIDTH_LIMIT),
                copy.jobs != null ? copy.jobs : configuredJobs == null ? 1 : configuredJobs, compress,
                session.config().barmanUser(), hostName(),
                copy.retryTimes(server.integer(org.barmanj.core.config.Option.BASEBACKUP_RETRY_TIMES)),
                copy.retrySleep(server.integer(org.barmanj.core.config.Option.BASEBACKUP_RETRY_SLEEP)));
        try {
            new Recovery(server, backup, destination, options, new Recovery.Events() {
                @Override
                public void info(String line) {
                    session.output().info(line);
                }

                @Override
                public void warning(String line) {
                    session.output().warning(line);
                }
            }, Formats::duration).run();
        } catch (BarmanException e) {
            session.output().error(e.getMessage());
            return 1;
        }
        return 0;
    }

    /** The backup host's name in {@code restore_command}, as Barman's {@code socket.getfqdn()}. */
    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
