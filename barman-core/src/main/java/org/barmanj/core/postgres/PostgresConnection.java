package org.barmanj.core.postgres;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * A JDBC session to the PostgreSQL server named by a {@code conninfo} string. Passwords come from the
 * conninfo, {@code PGPASSWORD} or the password file ({@code PGPASSFILE}, else {@code ~/.pgpass}), as with libpq.
 */
public final class PostgresConnection implements AutoCloseable {
    private final Connection connection;

    private PostgresConnection(Connection connection) {
        this.connection = connection;
    }

    /** Opens a session with the server's {@code conninfo} and {@code check_timeout}. */
    public static PostgresConnection open(org.barmanj.core.config.ServerConfig server, Map<String, String> env,
                                          String userHome) {
        Integer timeout = server.integer(org.barmanj.core.config.Option.CHECK_TIMEOUT);
        return open(server.string(org.barmanj.core.config.Option.CONNINFO), env, userHome, timeout == null ? 30 : timeout);
    }

    /** Opens a session; {@code application_name} defaults to {@code barman}, as Barman sets it. */
    public static PostgresConnection open(String conninfo, Map<String, String> env, String userHome,
                                          int timeoutSeconds) {
        return new PostgresConnection(connect(conninfo, env, userHome, timeoutSeconds, null));
    }

    /**
     * A physical replication session (the walsender's protocol, simple queries only) with the given
     * {@code application_name} unless the conninfo sets one: the JDBC connection itself, for the streaming code.
     */
    public static Connection openReplication(String conninfo, Map<String, String> env, String userHome,
                                             int timeoutSeconds, String applicationName) {
        Properties replication = new Properties();
        replication.setProperty("replication", "true");
        replication.setProperty("preferQueryMode", "simple");
        replication.setProperty("assumeMinServerVersion", "9.4");
        replication.setProperty("ApplicationName", applicationName);
        return connect(conninfo, env, userHome, timeoutSeconds, replication);
    }

    private static Connection connect(String conninfo, Map<String, String> env, String userHome, int timeoutSeconds,
                                      Properties extra) {
        ConnInfo info;
        try {
            info = ConnInfo.parse(conninfo);
        } catch (IllegalArgumentException e) {
            throw new PostgresException("invalid conninfo '" + conninfo + "': " + e.getMessage(), e);
        }
        String host = first(info.get("host"), env.get("PGHOST"), "localhost");
        String port = first(info.get("port"), env.get("PGPORT"), "5432");
        String user = first(info.get("user"), env.get("PGUSER"), System.getProperty("user.name"));
        String dbname = first(info.get("dbname"), env.get("PGDATABASE"), user);
        if (host.startsWith("/")) {
            throw new PostgresException("conninfo host '" + host + "' is a Unix socket folder; use a TCP host name "
                    + "or address (the JDBC driver connects over TCP)", null);
        }
        Properties props = new Properties();
        props.setProperty("user", user);
        String password = first(info.get("password"), env.get("PGPASSWORD"), null);
        if (password == null) {
            password = PgPass.lookup(passFile(env, userHome), host, port, dbname, user);
        }
        if (password != null) {
            props.setProperty("password", password);
        }
        props.setProperty("ApplicationName", first(info.get("application_name"), null, "barman"));
        if (extra != null) {
            extra.forEach((k, v) -> props.setProperty((String) k, info.get("application_name") != null
                    && k.equals("ApplicationName") ? info.get("application_name") : (String) v));
        }
        props.setProperty("connectTimeout", first(info.get("connect_timeout"), null, String.valueOf(timeoutSeconds)));
        props.setProperty("sslmode", first(info.get("sslmode"), env.get("PGSSLMODE"), "prefer"));
        StringBuilder url = new StringBuilder("jdbc:postgresql://");
        String[] hosts = host.split(",");
        String[] ports = port.split(",");
        for (int i = 0; i < hosts.length; i++) {
            if (i > 0) {
                url.append(',');
            }
            String h = hosts[i].contains(":") ? "[" + hosts[i] + "]" : hosts[i];
            url.append(h).append(':').append(ports[Math.min(i, ports.length - 1)]);
        }
        url.append('/').append(dbname);
        try {
            return DriverManager.getConnection(url.toString(), props);
        } catch (SQLException e) {
            throw new PostgresException(firstLine(e.getMessage()), e);
        }
    }

    private static Path passFile(Map<String, String> env, String userHome) {
        String explicit = env.get("PGPASSFILE");
        return explicit != null ? Path.of(explicit) : Path.of(userHome, ".pgpass");
    }

    private static String first(String a, String b, String fallback) {
        return a != null ? a : b != null ? b : fallback;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Runs a query expected to return one row; columns by name, values as text (null for SQL NULL).
     * {@code params} bind the query's {@code ?} placeholders, in order.
     */
    public Map<String, String> row(String sql, Object... params) {
        try (PreparedStatement st = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                return firstRow(rs);
            }
        } catch (SQLException e) {
            throw new PostgresException(firstLine(e.getMessage()), e);
        }
    }

    private static Map<String, String> firstRow(ResultSet rs) throws SQLException {
        Map<String, String> row = new LinkedHashMap<>();
        if (!rs.next()) {
            return row;
        }
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
            row.put(rs.getMetaData().getColumnLabel(i), rs.getString(i));
        }
        return row;
    }

    /** Runs a statement that returns nothing. */
    public void execute(String sql) {
        try (java.sql.Statement st = connection.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new PostgresException(firstLine(e.getMessage()), e);
        }
    }

    /** A two-column query as a map from the first column to the second. */
    public Map<String, String> rows(String sql) {
        try (PreparedStatement st = connection.prepareStatement(sql); ResultSet rs = st.executeQuery()) {
            Map<String, String> rows = new LinkedHashMap<>();
            while (rs.next()) {
                rows.put(rs.getString(1), rs.getString(2));
            }
            return rows;
        } catch (SQLException e) {
            throw new PostgresException(firstLine(e.getMessage()), e);
        }
    }

    /** The single value of a one-row, one-column query. */
    public String value(String sql) {
        Map<String, String> row = row(sql);
        return row.isEmpty() ? null : row.values().iterator().next();
    }

    public int serverVersionNum() {
        return Integer.parseInt(value("SHOW server_version_num"));
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // Nothing useful to do: the session is gone either way.
        }
    }
}
