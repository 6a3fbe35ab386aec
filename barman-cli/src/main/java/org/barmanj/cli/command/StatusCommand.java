package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.config.Unsupported;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * {@code barman status}: the server's settings, PostgreSQL's state and the catalog summary, as Barman 3.4's rows;
 * settings this version refuses are listed in a row of their own.
 */
@Command(name = "status", description = "Shows live information and status of the PostgreSQL server")
public final class StatusCommand extends ServerCommand {
    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server name for the command ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        Output out = session.output();
        session.eachServer(servers, Session.Selection.ACTIVE, service -> {
            ServerConfig server = service.config();
            Rows rows = new Rows(out, server.name());
            if (server.description() != null) {
                rows.add("description", "Description", server.description());
            }
            rows.add("active", "Active", py(server.active()));
            rows.add("disabled", "Disabled", py(server.disabled()));
            boolean passive = server.string(Option.PRIMARY_SSH_COMMAND) != null;
            if (!passive) {
                // As Barman: a passive node's PostgreSQL is the primary's business.
                postgres(service, rows);
            }
            rows.add("passive_node", "Passive node", py(passive));
            BackupCatalog catalog = service.catalog();
            rows.add("retention_policies", "Retention policies", server.retentionPolicy() == null ? "not enforced"
                    : "enforced (mode: " + server.string(Option.RETENTION_POLICY_MODE) + ", retention: "
                    + server.retentionPolicy() + ", WAL retention: MAIN)");
            List<BackupInfo> done = catalog.withStatus(BackupInfo.Status.DONE);
            List<BackupInfo> available = catalog.available();
            rows.add("backups_number", "No. of available backups", String.valueOf(done.size()));
            rows.add("first_backup", "First available backup",
                    available.isEmpty() ? "None" : available.get(0).backupId());
            rows.add("last_backup", "Last available backup",
                    available.isEmpty() ? "None" : available.get(available.size() - 1).backupId());
            int minimum = server.integer(Option.MINIMUM_REDUNDANCY) == null ? 0 : server.integer(Option.MINIMUM_REDUNDANCY);
            rows.add("minimum_redundancy", "Minimum redundancy requirements",
                    (done.size() < minimum ? "FAILED (" : "satisfied (") + done.size() + "/" + minimum + ")");
            if (passive) {
                rows.add("primary_ssh_command", "SSH command to primary server",
                        server.string(Option.PRIMARY_SSH_COMMAND));
            }
            unsupported(server, rows);
        });
        return 0;
    }

    /** The PostgreSQL and archiver rows; Barman prints only the failure line when the server is unreachable. */
    private static void postgres(BarmanServer service, Rows rows) {
        ServerConfig server = service.config();
        Map<String, Object> r = service.remoteStatus();
        if (r.get("server_txt_version") == null) {
            rows.add("pg_version", "PostgreSQL version", "FAILED trying to get PostgreSQL version");
            return;
        }
        rows.add("pg_version", "PostgreSQL version", (String) r.get("server_txt_version"));
        rows.add("is_in_recovery", "Cluster state",
                Boolean.TRUE.equals(r.get("is_in_recovery")) ? "in archive recovery" : "in production");
        if (r.get("current_size") != null) {
            rows.add("current_size", "Current data size", Formats.size(((BigDecimal) r.get("current_size")).doubleValue()));
        }
        if (r.get("data_directory") != null) {
            rows.add("data_directory", "PostgreSQL Data directory", (String) r.get("data_directory"));
        }
        if (r.get("current_xlog") != null) {
            rows.add("current_xlog", "Current WAL segment", (String) r.get("current_xlog"));
        }
        if (!server.flag(Option.ARCHIVER) || r.get("archive_mode") == null) {
            return;
        }
        String command = (String) r.get("archive_command");
        rows.add("archive_command", "PostgreSQL 'archive_command' setting", command == null || command.isEmpty()
                ? "FAILED (please set it accordingly to documentation)" : command);
        String last = (String) r.get("last_archived_wal");
        if (last != null && r.get("last_archived_time") != null) {
            last += ", at " + PyDateTime.ctime((OffsetDateTime) r.get("last_archived_time"));
        }
        rows.add("last_archived_wal", "Last archived WAL", last == null ? "No WAL segment shipped yet" : last);
        Long failed = (Long) r.get("failed_count");
        if (failed != null) {
            String failures = String.valueOf(failed);
            if (failed > 0) {
                failures += " (" + r.get("last_failed_wal") + " at "
                        + PyDateTime.ctime((OffsetDateTime) r.get("last_failed_time")) + ")";
            }
            rows.add("failed_count", "Failures of WAL archiver", failures);
        }
        BigDecimal rate = (BigDecimal) r.get("current_archived_wals_per_second");
        if (rate != null && rate.signum() != 0) {
            rows.add("server_archived_wals_per_hour", "Server WAL archiving rate",
                    Formats.fixed(3600 * rate.doubleValue(), 2) + "/hour");
        }
    }

    /**
     * Ours, only when there are some: the settings this version refuses, so that no row above reads as if they were
     * in effect (a passive node that syncs nothing, a streaming archiver that never starts, ...).
     */
    private static void unsupported(ServerConfig server, Rows rows) {
        List<String> refused = Unsupported.refusals(server).stream().map(Unsupported.Refusal::message).toList();
        if (!refused.isEmpty()) {
            rows.add("unsupported_settings", "Settings not supported by this version", String.join("; ", refused));
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
                out.result("Server " + server + ":");
            }
        }

        void add(String key, String description, String message) {
            if (json != null) {
                Map<String, Object> row = Session.object();
                row.put("description", description);
                row.put("message", message);
                json.put(key, row);
            } else {
                out.result("\t" + description + ": " + message);
            }
        }
    }
}
