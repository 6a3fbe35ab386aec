package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.BarmanException;
import org.barmanj.core.backup.CheckBackup;
import org.barmanj.core.backup.IdentityFile;
import org.barmanj.core.backup.RsyncBackup;
import org.barmanj.core.backup.WalPurge;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.check.CheckResult;
import org.barmanj.core.check.ServerCheck;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.lock.LockFile;
import org.barmanj.core.postgres.RemoteStatus;
import org.barmanj.core.remote.SharedConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/** {@code barman backup}: a base backup of each named server ({@code all}: every active one). */
@Command(name = "backup", description = "Perform a full backup for the given server (supports 'all')")
public final class BackupCommand extends ServerCommand {
    @Mixin
    CopyOptions copy;

    /** Checks that do not stop a backup when they fail (Barman's non-critical checks). */
    private static final Set<String> NON_CRITICAL = Set.of("minimum redundancy requirements", "backup maximum age",
            "backup minimum size", "failed backups", "archiver errors", "empty incoming directory",
            "empty streaming directory", "incoming WALs directory", "streaming WALs directory", "wal maximum age");

    @Option(names = "--immediate-checkpoint", description = "forces the initial checkpoint to be done as quickly as possible")
    boolean immediateCheckpoint;

    @Option(names = "--no-immediate-checkpoint", description = "forces the initial checkpoint to be spread")
    boolean noImmediateCheckpoint;

    @Option(names = "--reuse-backup", arity = "0..1", fallbackValue = "link", paramLabel = "{copy,link,off}",
            description = "use the previous backup to improve transfer-rate. If no argument is given \"link\" is assumed")
    String reuseBackup;






    @Option(names = {"-w", "--wait"}, description = "wait for all the required WAL files to be archived")
    boolean waitForWals;

    @Option(names = "--wait-timeout", description = "the time, in seconds, spent waiting for the required WAL files "
            + "to be archived before timing out")
    Integer waitTimeout;

    @Option(names = "--name", description = "a name which can be used to reference this backup in barman commands "
            + "such as recover and delete")
    String name;

    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server names for the backup command ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        if (reuseBackup != null && !List.of("copy", "link", "off").contains(reuseBackup)) {
            session.output().error("argument --reuse-backup: invalid choice: '" + reuseBackup
                    + "' (choose from 'copy', 'link', 'off')");
            return 2;
        }
        if (name != null && (name.isBlank() || BackupCatalog.isBackupId(name)
                || List.of("latest", "last", "oldest", "first", "last-failed").contains(name))) {
            session.output().error("argument --name: Backup name '" + name + "' is not allowed: backup ID or reserved "
                    + "word");
            return 2;
        }
        for (Map.Entry<String, ServerConfig> e : session.servers(servers, true, false).entrySet()) {
            if (session.usable(e.getValue(), e.getKey(), true, true, true)) {
                backup(session, e.getValue());
            }
        }
        return 0;
    }

    private void backup(Session session, ServerConfig server) {
        // The check's ssh probe opens the connection that the backup's short commands then share.
        try (SharedConnection ssh = SharedConnection.of(server.string(org.barmanj.core.config.Option.SSH_COMMAND))) {
            backup(session, server, ssh);
        }
    }

    private void backup(Session session, ServerConfig server, SharedConnection ssh) {
        String home = System.getProperty("user.home");
        AtomicReference<Map<String, Object>> remote = new AtomicReference<>();
        List<CheckResult> checks = new ServerCheck(server, Formats::size, Formats::duration).run(() -> {
            remote.set(RemoteStatus.fetch(server, session.env(), home).values());
            return remote.get();
        }, ssh.sshCommand());
        if (checks.stream().anyMatch(c -> !c.ok() && !NON_CRITICAL.contains(c.name()))) {
            session.output().error("Impossible to start the backup. Check the log for more details, or run 'barman check "
                    + server.name() + "'");
            return;
        }
        CatalogLayout layout = new CatalogLayout(server);
        if (remote.get().get("server_txt_version") != null) {
            IdentityFile.writeIfAbsent(layout, (String) remote.get().get("postgres_systemid"),
                    IdentityFile.majorVersion((String) remote.get().get("server_txt_version")));
        }
        BackupInfo result;
        boolean first = BackupCatalog.load(server).available().isEmpty();
        try (LockFile lock = LockFile.tryAcquire(LockFile.of(server.lockDirectory(), server.name(), "backup"))) {
            if (lock == null) {
                session.output().error("Another backup process is running");
                return;
            }
            result = runLocked(session, server, home, ssh);
        } catch (IOException e) {
            session.output().error("Permission denied, unable to access '" + e.getMessage() + "'");
            return;
        }
        if (result == null) {
            return;
        }
        ArchiveWalCommand.archive(session, server, false);
        if (result.status().equals(BackupInfo.WAITING_FOR_WALS)) {
            CheckBackup.runLocked(server, result, () -> { });
        }
        if (first && BackupInfo.COPY_DONE.contains(result.status())) {
            // WAL files older than the first backup may have arrived while it ran: they serve nothing.
            WalPurge.before(server, result.beginWal());
        }
        if (result.status().equals(BackupInfo.WAITING_FOR_WALS)) {
            session.output().warning("IMPORTANT: this backup is classified as WAITING_FOR_WALS, meaning that Barman "
                    + "has not received yet all the required WAL files for the backup consistency.\n"
                    + "This is a common behaviour in concurrent backup scenarios, and Barman automatically set the "
                    + "backup as DONE once all the required WAL files have been archived.\n"
                    + "Hint: execute the backup command with '--wait'");
        }
    }

    /** The backup itself, under the lock; a signal (Ctrl-C, kill) ends it as a FAILED backup. */
    private BackupInfo runLocked(Session session, ServerConfig server, String home, SharedConnection ssh) {
        RsyncBackup.Options defaults = RsyncBackup.Options.of(server);
        RsyncBackup.Options options = new RsyncBackup.Options(
                reuseBackup != null ? reuseBackup : defaults.reuse(),
                copy.jobs != null ? copy.jobs : defaults.jobs(),
                immediateCheckpoint || (!noImmediateCheckpoint && defaults.immediateCheckpoint()),
                name,
                copy.retryTimes(defaults.retryTimes()),
                copy.retrySleep(defaults.retrySleepSeconds()),
                copy.bwlimit != null ? copy.bwlimit : defaults.bwlimit());
        RsyncBackup backup = new RsyncBackup(server, options, new RsyncBackup.Events() {
            @Override
            public void info(String line) {
                session.output().info(line);
            }

            @Override
            public void error(String line) {
                session.output().error(line);
            }
        }, Formats::size, Formats::duration, session.env(), home, ssh);
        Thread hook = new Thread(backup::abort, "backup-abort");
        Runtime.getRuntime().addShutdownHook(hook);
        BackupInfo info;
        try {
            info = backup.run();
        } catch (RsyncBackup.BackupFailed e) {
            session.output().error(e.getMessage());
            return null;
        } catch (BarmanException e) {
            session.output().error(e.getMessage());
            return null;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it waits for run() to have marked the backup FAILED.
            }
        }
        if (waitForWals) {
            if (SwitchWalCommand.waitForWal(session, server, info.endWal(), waitTimeout == null ? 0 : waitTimeout)) {
                CheckBackup.runLocked(server, info, () -> { });
            }
        }
        return info;
    }
}
