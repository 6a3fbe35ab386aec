package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.compat.PythonText;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code barman show-servers}: every configuration value of the named servers and PostgreSQL's status. */
@Command(name = "show-servers", aliases = "show-server",
        description = "Show all configuration parameters for the specified servers")
public final class ShowServersCommand extends ServerCommand {
    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server names to show ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        Output out = session.output();
        session.eachServer(servers, Session.Selection.ALL, service -> {
            ServerConfig server = service.config();
            String note = !server.active() ? "(inactive)" : server.disabled() ? "(WARNING: disabled)" : null;
            Map<String, Object> values = values(service);
            if (out.json()) {
                Map<String, Object> o = new TreeMap<>();
                o.put("description", note);
                for (Map.Entry<String, Object> v : values.entrySet()) {
                    if (v.getValue() != null || !o.containsKey(v.getKey())) {
                        o.put(v.getKey(), PythonText.jsonValue(v.getValue()));
                    }
                }
                out.jsonRoot().put(server.name(), o);
                return;
            }
            out.result("Server " + server.name() + (note == null ? "" : " " + note) + ":");
            for (Map.Entry<String, Object> v : values.entrySet()) {
                out.result("\t" + v.getKey() + ": " + PythonText.str(v.getValue()));
            }
        });
        return 0;
    }

    /**
     * What Barman shows: its configuration attributes (options introduced after Barman 3.4 only when configured),
     * then PostgreSQL's remote status (all null when it cannot be reached), sorted by key.
     */
    private static Map<String, Object> values(BarmanServer service) {
        ServerConfig server = service.config();
        Map<String, Object> values = new TreeMap<>();
        for (Map.Entry<Option, Object> v : server.values().entrySet()) {
            Option option = v.getKey();
            if (option.newerThan34() && server.source(option).equals("default")) {
                continue;
            }
            values.put(option.key(), display(option, v.getValue()));
        }
        values.put("name", server.name());
        values.put("barman_home", server.barmanHome());
        values.put("barman_lock_directory", server.lockDirectory());
        values.put("msg_list", new ArrayList<>(server.problems()));
        boolean passive = server.string(Option.PRIMARY_SSH_COMMAND) != null;
        values.put("passive_node", passive);
        if (!passive) {
            values.putAll(service.remoteStatus());
        }
        Duration maxAge = server.duration(Option.LAST_BACKUP_MAXIMUM_AGE);
        values.put("last_backup_maximum_age", maxAge == null ? "None" : PythonText.str(maxAge));
        return values;
    }

    @SuppressWarnings("unchecked")
    private static Object display(Option option, Object value) {
        if (option == Option.BACKUP_OPTIONS) {
            return PythonText.csvOption("BackupOptions", (Collection<String>) value);
        }
        if (option == Option.RECOVERY_OPTIONS) {
            return PythonText.csvOption("RecoveryOptions", (Collection<String>) value);
        }
        return value;
    }
}
