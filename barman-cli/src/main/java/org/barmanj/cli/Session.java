package org.barmanj.cli;

import org.barmanj.cli.output.Output;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.ServerConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What every command works with: the loaded configuration and the output writer. */
public final class Session {
    private final BarmanConfig config;
    private final Output output;
    private final Map<String, String> env;

    Session(BarmanConfig config, Output output, Map<String, String> env) {
        this.config = config;
        this.output = output;
        this.env = env;
    }

    /** Barman names the calling host in put-wal and get-wal messages when called through ssh. */
    public String sshSource() {
        String connection = env.get("SSH_CONNECTION");
        return connection == null || connection.isBlank() ? "" : " (SSH host: " + connection.split(" ")[0] + ")";
    }

    /** The process environment (PGPASSWORD, PGPASSFILE, ...). */
    public Map<String, String> env() {
        return env;
    }

    public BarmanConfig config() {
        return config;
    }

    public Output output() {
        return output;
    }

    /**
     * Barman's {@code get_server_list}: the named servers ({@code all} for every one), sorted by name, with
     * null for names that are not configured; inactive and disabled ones are left out, with Barman's message,
     * when asked.
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
     * Barman's {@code manage_server_command}: reports unknown servers and, when asked, inactive or disabled
     * ones, and tells whether the command should run on the server.
     */
    public boolean usable(ServerConfig server, String name, boolean skipInactive, boolean skipDisabled,
                          boolean disabledIsError) {
        if (server == null) {
            output.error("Unknown server '" + name + "'");
            return false;
        }
        if (!server.active() && skipInactive) {
            return false;
        }
        if (server.disabled()) {
            if (disabledIsError) {
                for (String problem : server.problems()) {
                    output.error(problem);
                }
            }
            return !skipDisabled;
        }
        return true;
    }

    /** The single named server for commands that take one; reports and returns null when unusable. */
    public ServerConfig server(String name) {
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
        return server;
    }

    /**
     * The named server for put-wal and get-wal; null (reported) when unknown. An inactive server gets Barman's
     * {@code ERROR: Inactive server: <name>}, which fails the command, yet the command goes on, as in Barman.
     */
    public ServerConfig activeServer(String name) {
        ServerConfig server = config.server(name);
        if (server == null) {
            output.error("Unknown server '" + name + "'");
        } else if (!server.active()) {
            output.error("Inactive server: " + name);
        }
        return server;
    }

    /** The server's catalog; backups whose backup.info is unreadable are reported as errors. */
    public BackupCatalog catalog(ServerConfig server) {
        BackupCatalog catalog = BackupCatalog.load(server);
        for (String problem : catalog.unreadable().values()) {
            output.error(problem);
        }
        return catalog;
    }

    /** A new ordered map, for building JSON objects. */
    public static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    public static List<Object> list() {
        return new ArrayList<>();
    }
}
