package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code barman show-servers}: every configuration value of the named servers. */
@Command(name = "show-servers", aliases = "show-server",
        description = "Show all configuration parameters for the specified servers")
public final class ShowServersCommand extends ServerCommand {
    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server names to show ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        Output out = session.output();
        for (Map.Entry<String, ServerConfig> e : session.servers(servers).entrySet()) {
            ServerConfig server = e.getValue();
            if (!session.usable(server, e.getKey(), false, false, false)) {
                continue;
            }
            String note = !server.active() ? "(inactive)" : server.disabled() ? "(WARNING: disabled)" : null;
            Map<String, Object> values = values(session, server);
            if (out.json()) {
                Map<String, Object> o = new TreeMap<>();
                o.put("description", note);
                for (Map.Entry<String, Object> v : values.entrySet()) {
                    o.put(v.getKey(), jsonValue(v.getValue()));
                }
                out.jsonRoot().put(server.name(), o);
                continue;
            }
            out.info("Server " + server.name() + (note == null ? "" : " " + note) + ":");
            for (Map.Entry<String, Object> v : values.entrySet()) {
                out.info("\t" + v.getKey() + ": " + pythonStr(v.getValue()));
            }
        }
        return 0;
    }

    /** The keys Barman shows: every option, Barman's own attributes and the configuration problems. */
    private static Map<String, Object> values(Session session, ServerConfig server) {
        Map<String, Object> values = new TreeMap<>();
        for (Map.Entry<Option, Object> v : server.values().entrySet()) {
            values.put(v.getKey().key(), v.getValue());
        }
        values.put("name", server.name());
        values.put("barman_home", server.barmanHome());
        values.put("barman_lock_directory", server.lockDirectory());
        values.put("msg_list", new ArrayList<>(server.problems()));
        values.put("passive_node", server.string(Option.PRIMARY_SSH_COMMAND) != null);
        values.put("last_backup_maximum_age", server.duration(Option.LAST_BACKUP_MAXIMUM_AGE) == null
                ? "None" : server.duration(Option.LAST_BACKUP_MAXIMUM_AGE));
        return values;
    }

    private static Object jsonValue(Object v) {
        if (v instanceof Collection<?> c && !(v instanceof List<?>)) {
            return String.join(",", c.stream().map(Object::toString).sorted().toList());
        }
        if (v instanceof Duration || v instanceof org.barmanj.core.config.RetentionPolicy || v instanceof Map<?, ?>) {
            return pythonStr(v);
        }
        return v;
    }

    /** Python's {@code str()} of the values Barman holds, for the console listing. */
    static String pythonStr(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof Duration d) {
            long days = d.toDays();
            long s = d.minusDays(days).getSeconds();
            String time = String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
            return days == 0 ? time : days + (days == 1 ? " day, " : " days, ") + time;
        }
        if (v instanceof List<?> l) {
            List<String> items = new ArrayList<>();
            for (Object item : l) {
                items.add(org.barmanj.core.catalog.PyLiteral.reprString(String.valueOf(item)));
            }
            return "[" + String.join(", ", items) + "]";
        }
        if (v instanceof Collection<?> c) {
            List<String> items = new ArrayList<>();
            for (Object item : c) {
                items.add(org.barmanj.core.catalog.PyLiteral.reprString(String.valueOf(item)));
            }
            items.sort(null);
            return c.isEmpty() ? "set()" : "{" + String.join(", ", items) + "}";
        }
        return v.toString();
    }
}
