package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Formats;
import org.barmanj.cli.output.Output;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.PyDateTime;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.postgres.PostgresConnection;
import org.barmanj.core.postgres.PostgresException;
import org.barmanj.core.postgres.ServerStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;

/** {@code barman status}: the server's settings, PostgreSQL's state and the catalog summary. */
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
            postgres(session, server, rows);
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

    /** The PostgreSQL and archiver rows; Barman prints only the failure line when the server is unreachable. */
    private static void postgres(Session session, ServerConfig server, Rows rows) {
        ServerStatus status;
        try (PostgresConnection pg = PostgresConnection.open(server.string(Option.CONNINFO), session.env(),
                System.getProperty("user.home"), server.integer(Option.CHECK_TIMEOUT))) {
            status = ServerStatus.query(pg);
        } catch (PostgresException e) {
            session.output().debug("PostgreSQL connection for server " + server.name() + ": " + e.getMessage());
            rows.add("pg_version", "PostgreSQL version", "FAILED trying to get PostgreSQL version");
            return;
        }
        rows.add("pg_version", "PostgreSQL version", status.txtVersion());
        rows.add("is_in_recovery", "Cluster state", status.inRecovery() ? "in archive recovery" : "in production");
        if (status.currentSize() != null) {
            rows.add("current_size", "Current data size", Formats.size(status.currentSize()));
        }
        if (status.dataDirectory() != null) {
            rows.add("data_directory", "PostgreSQL Data directory", status.dataDirectory());
        }
        if (status.currentWal() != null) {
            rows.add("current_xlog", "Current WAL segment", status.currentWal());
        }
        if (!server.flag(Option.ARCHIVER) || status.archiveMode() == null) {
            return;
        }
        String command = status.archiveCommand();
        rows.add("archive_command", "PostgreSQL 'archive_command' setting", command == null || command.isEmpty()
                ? "FAILED (please set it accordingly to documentation)" : command);
        String last = status.lastArchivedWal();
        if (last != null && status.lastArchivedTime() != null) {
            last += ", at " + PyDateTime.ctime(status.lastArchivedTime());
        }
        rows.add("last_archived_wal", "Last archived WAL", last == null ? "No WAL segment shipped yet" : last);
        if (status.failedCount() != null) {
            String failures = String.valueOf(status.failedCount());
            if (status.failedCount() > 0) {
                failures += " (" + status.lastFailedWal() + " at " + PyDateTime.ctime(status.lastFailedTime()) + ")";
            }
            rows.add("failed_count", "Failures of WAL archiver", failures);
        }
        if (status.archivedWalsPerSecond() != null && status.archivedWalsPerSecond() != 0) {
            rows.add("server_archived_wals_per_hour", "Server WAL archiving rate",
                    Formats.fixed(3600 * status.archivedWalsPerSecond(), 2) + "/hour");
        }
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
