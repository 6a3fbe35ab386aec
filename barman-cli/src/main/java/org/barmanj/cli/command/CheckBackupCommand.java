package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code barman check-backup}: makes a backup DONE, WAITING_FOR_WALS or FAILED by the WAL files it needs. */
@Command(name = "check-backup", description = "Make sure that all the required WAL files to check the consistency "
        + "of a physical backup (that is, from the beginning to the end of the full backup) are correctly archived. "
        + "This command is automatically invoked by the cron command and at the end of every backup operation.")
public final class CheckBackupCommand extends ServerCommand {
    @Parameters(index = "0", paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Parameters(index = "1", paramLabel = "BACKUP_ID",
            description = "specifies the backup ID (or latest, last, oldest, first, last-failed, or a backup name)")
    String backupId;

    @Override
    int run(Session session) {
        BarmanServer service = session.server(serverName);
        if (service == null) {
            return 1;
        }
        service.checkBackup(backupId);
        return 0;
    }
}
