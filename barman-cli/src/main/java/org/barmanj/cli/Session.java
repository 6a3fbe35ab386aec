package org.barmanj.cli;

import org.barmanj.cli.output.Output;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.server.BarmanCommand;
import org.barmanj.core.server.BarmanServer;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** What every command works with: the loaded configuration, the output writer and the process's streams. */
public final class Session {
    /** Which of the named servers a command runs on. */
    public enum Selection {
        /** Active and usable servers; inactive ones are skipped, disabled ones reported (most commands). */
        ACTIVE,
        /** Every configured one, inactive and disabled included ({@code check}, {@code show-servers}). */
        ALL
    }

    private final BarmanConfig config;
    private final Output output;
    private final Map<String, String> env;
    private final PrintStream stdout;
    private final InputStream stdin;
    private final BarmanCommand subcommands;

    Session(BarmanConfig config, Output output, Map<String, String> env, PrintStream stdout, InputStream stdin,
            BarmanCommand subcommands) {
        this.config = config;
        this.output = output;
        this.env = env;
        this.stdout = stdout;
        this.stdin = stdin;
        this.subcommands = subcommands;
    }

    public BarmanConfig config() {
        return config;
    }

    public Output output() {
        return output;
    }

    /** Standard output as bytes, for the commands that stream files (get-wal). */
    public PrintStream stdout() {
        return stdout;
    }

    /** Standard input, for the commands that read it (put-wal). */
    public InputStream stdin() {
        return stdin;
    }

    /** The core's service for one configured server, telling this session's output what happens. */
    public BarmanServer service(ServerConfig server) {
        return new BarmanServer(config, server, env, output, subcommands);
    }

    /**
     * Runs {@code action} on each named server ({@code all}: every one), sorted by name, as Barman's
     * {@code get_server_list} and {@code manage_server_command} select them; unknown names are reported. Returns
     * false when a name is not a configured server.
     */
    public boolean eachServer(List<String> names, Selection selection, Consumer<BarmanServer> action) {
        boolean active = selection == Selection.ACTIVE;
        boolean allKnown = true;
        for (Map.Entry<String, ServerConfig> e : servers(names, active, false).entrySet()) {
            if (usable(e.getValue(), e.getKey(), active)) {
                action.accept(service(e.getValue()));
            } else if (e.getValue() == null) {
                allKnown = false;
            }
        }
        return allKnown;
    }

    /**
     * Barman's {@code get_server_list}: the named servers ({@code all} or null for every one), sorted by name, with
     * null for names that are not configured; inactive and disabled ones are left out, with Barman's message, when
     * asked.
     */
    public Map<String, ServerConfig> servers(List<String> names, boolean skipInactive, boolean skipDisabled) {
        Map<String, ServerConfig> result = new TreeMap<>();
        if (names == null || names.contains("all")) {
            if (names != null && names.size() != 1) {
                output.error("You cannot use 'all' with other server names");
            }
            result.putAll(config.servers());
        } else {
            for (String name : names) {
                result.put(name, config.server(name));
            }
        }
        result.values().removeIf(server -> {
            if (server != null && skipInactive && !server.active()) {
                output.info("Skipping inactive server '" + server.name() + "'");
                return true;
            }
            if (server != null && skipDisabled && server.disabled()) {
                output.info("Skipping temporarily disabled server '" + server.name() + "'");
                return true;
            }
            return false;
        });
        return result;
    }

    /**
     * Barman's {@code manage_server_command}: reports unknown servers and, for {@code active} selections, skips
     * inactive ones and reports disabled ones; tells whether the command should run on the server.
     */
    private boolean usable(ServerConfig server, String name, boolean active) {
        if (server == null) {
            output.error("Unknown server '" + name + "'");
            return false;
        }
        if (!server.active() && active) {
            return false;
        }
        if (server.disabled()) {
            if (active) {
                for (String problem : server.problems()) {
                    output.error(problem);
                }
            }
            return !active;
        }
        return true;
    }

    /** The single named server for commands that take one; reports and returns null when unusable. */
    public BarmanServer server(String name) {
        if (name.equals("all")) {
            output.error("You cannot use 'all' in a single server context");
            return null;
        }
        ServerConfig server = config.server(name);
        if (server == null) {
            output.error("Unknown server '" + name + "'");
            return null;
        }
        if (!server.active()) {
            output.info("Skipping inactive server '" + name + "'");
            return null;
        }
        if (server.disabled()) {
            for (String problem : server.problems()) {
                output.error(problem);
            }
            return null;
        }
        return service(server);
    }

    /**
     * The named server for put-wal and get-wal; null (reported) when unknown. An inactive server gets Barman's
     * {@code ERROR: Inactive server: <name>}, which fails the command, yet the command goes on, as in Barman.
     */
    public BarmanServer activeServer(String name) {
        ServerConfig server = config.server(name);
        if (server == null) {
            output.error("Unknown server '" + name + "'");
            return null;
        }
        if (!server.active()) {
            output.error("Inactive server: " + name);
        }
        return service(server);
    }

    /** A new ordered map, for building JSON objects. */
    public static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    public static List<Object> list() {
        return new ArrayList<>();
    }
}
