package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;

/** {@code barman status}: the server's settings and catalog summary. */
@Command(name = "status", description = "Shows live information and status of the PostgreSQL server")
public final class StatusCommand extends ServerCommand {
    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server name for the command ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        Output out = session.output();
        for (Map.Entry<String, ServerConfig> e : session.servers(servers).entrySet()) {
            ServerConfig server = e.getValue();
            if (!session.usable(server, e.getKey(), true, true, true)) {
                continue;
            }
            Rows rows = new Rows(out, server.name());
            if (server.description() != null) {
                rows.add("description", "Description", server.description());
            }
            rows.add("active", "Active", py(server.active()));
            rows.add("disabled", "Disabled", py(server.disabled()));
            rows.add("pg_version", "PostgreSQL version", "FAILED trying to get PostgreSQL version");
            boolean passive = server.string(Option.PRIMARY_SSH_COMMAND) != null;
            rows.add("passive_node", "Passive node", py(passive));
            BackupCatalog catalog = session.catalog(server);
            rows.add("retention_policies", "Retention policies", server.retentionPolicy() == null ? "not enforced"
                    : "enforced (mode: " + server.string(Option.RETENTION_POLICY_MODE) + ", retention: "
                    + server.retentionPolicy() + ", WAL retention: MAIN)");
            List<BackupInfo> done = catalog.withStatus(BackupInfo.DONE);
            List<BackupInfo> available = catalog.available();
            rows.add("backups_number", "No. of available backups", String.valueOf(done.size()));
            rows.add("first_backup", "First available backup",
                    available.isEmpty() ? "None" : available.get(0).backupId());
            rows.add("last_backup", "Last available backup",
                    available.isEmpty() ? "None" : available.get(available.size() - 1).backupId());
            int minimum = server.integer(Option.MINIMUM_REDUNDANCY) == null ? 0 : server.integer(Option.MINIMUM_REDUNDANCY);
            rows.add("minimum_redundancy", "Minimum redundancy requirements",
                    (done.size() < minimum ? "FAILED (" : "satisfied (") + done.size() + "/" + minimum + ")");
        }
        return 0;
    }

    private static String py(boolean b) {
        return b ? "True" : "False";
    }

    /** Barman's status rows: {@code \tDescription: value} on the console, {@code {key: {description, message}}} in JSON. */
    private static final class Rows {
        private final Output out;
        private final Map<String, Object> json;

        Rows(Output out, String server) {
            this.out = out;
            if (out.json()) {
                json = Session.object();
                out.jsonRoot().put(server, json);
            } else {
                json = null;
                out.info("Server " + server + ":");
            }
        }

        void add(String key, String description, String message) {
            if (json != null) {
                Map<String, Object> row = Session.object();
                row.put("description", description);
                row.put("message", message);
                json.put(key, row);
            } else {
                out.info("\t" + description + ": " + message);
            }
        }
    }
}
