package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Map;

/**
 * {@code barman keep}: a kept backup is never deleted, by retention or by hand; {@code full} keeps the WAL files
 * from it on (point-in-time recovery), {@code standalone} only those that make it consistent.
 */
@Command(name = "keep", description = "Tag the specified backup so that it will never be deleted")
public final class KeepCommand extends ServerCommand {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--release", description = "remove the keep annotation")
    boolean release;

    @Option(names = "--status", description = "return the keep status of the backup")
    boolean status;

    @Option(names = "--target", paramLabel = "{full,standalone}",
            description = "keep this backup with the specified recovery target")
    String target;

    @Mixin
    BackupArguments arguments;

    @Override
    int run(Session session) {
        if (target != null && !target.equals("full") && !target.equals("standalone")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "argument --target: invalid choice: '"
                    + target + "' (choose from 'full', 'standalone')");
        }
        Output out = session.output();
        if (!release && !status && target == null) {
            out.error("one of the arguments -r/--release -s/--status --target is required");
            return 1;
        }
        BarmanServer server = session.server(arguments.serverName);
        if (server == null) {
            return 1;
        }
        if (status) {
            String keep = server.keepStatus(arguments.backupId);
            String shown = keep == null ? "nokeep" : keep;
            if (out.json()) {
                Map<String, Object> row = Session.object();
                row.put("description", "Keep");
                row.put("message", shown);
                Map<String, Object> rows = Session.object();
                rows.put("keep_status", row);
                out.jsonRoot().put(arguments.serverName, rows);
            } else {
                out.result("Server " + arguments.serverName + ":");
                out.result("\tKeep: " + shown);
            }
        } else if (release) {
            server.releaseKeep(arguments.backupId);
        } else {
            server.keep(arguments.backupId, target);
        }
        return 0;
    }
}
