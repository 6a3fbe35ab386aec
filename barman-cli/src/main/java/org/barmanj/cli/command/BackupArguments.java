package org.barmanj.cli.command;

import picocli.CommandLine.Parameters;

/** {@code SERVER_NAME BACKUP_ID}, the two arguments of the commands on one backup (a picocli mixin). */
final class BackupArguments {
    @Parameters(index = "0", paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Parameters(index = "1", paramLabel = "BACKUP_ID",
            description = "specifies the backup ID (or latest, last, oldest, first, last-failed, or a backup name)")
    String backupId;
}
