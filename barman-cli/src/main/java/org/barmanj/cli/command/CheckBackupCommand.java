package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code barman check-backup}: makes a backup DONE, WAITING_FOR_WALS or FAILED by the WAL files it needs. */
@Command(name = "check-backup", description = "Make sure that all the required WAL files to check the consistency "
        + "of a physical backup (that is, from the beginning to the end of the full backup) are correctly archived. "
        + "This command is automatically invoked by the cron command and at the end of every backup operation.")
public final class CheckBackupCommand extends ServerCommand {
    @Mixin
    BackupArguments arguments;

    @Override
    int run(Session session) {
        BarmanServer service = session.server(arguments.serverName);
        if (service == null) {
            return 1;
        }
        service.checkBackup(arguments.backupId);
        return 0;
    }
}
