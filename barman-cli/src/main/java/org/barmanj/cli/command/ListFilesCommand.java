package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupFiles;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.List;

/** {@code barman list-files}: the absolute paths of a backup's files, one a line. */
@Command(name = "list-files", description = "List all the files for a single backup")
public final class ListFilesCommand extends ServerCommand {
    private static final List<String> TARGETS = List.of("standalone", "data", "wal", "full");

    @Spec
    CommandSpec spec;

    private BackupFiles.Target target;

    @Option(names = "--target", paramLabel = "{standalone,data,wal,full}", defaultValue = "standalone",
            description = "Possible values are: data (just the data files), standalone (base backup files, including "
                    + "required WAL files), wal (just WAL files between the beginning of base backup and the "
                    + "following one (if any) or the end of the log) and full (same as data + wal). Defaults to "
                    + "standalone")
    void target(String value) {
        if (!TARGETS.contains(value)) {
            throw new ParameterException(spec.commandLine(), "argument --target: invalid choice: '" + value
                    + "' (choose from 'standalone', 'data', 'wal', 'full')");
        }
        target = BackupFiles.Target.of(value);
    }

    @Mixin
    BackupArguments arguments;

    @Override
    int run(Session session) {
        BarmanServer service = session.server(arguments.serverName);
        if (service == null) {
            return 1;
        }
        BackupCatalog catalog = BackupCatalog.load(service.config());
        BackupFiles.list(catalog, catalog.find(arguments.backupId), target, session.output()::result);
        return 0;
    }
}
