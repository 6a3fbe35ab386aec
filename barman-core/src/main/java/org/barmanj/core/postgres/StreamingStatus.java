package org.barmanj.core.postgres;

import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The remote status of the streaming side, merged into {@link RemoteStatus} as Barman merges it: its
 * {@code StreamingConnection} keys ({@code IDENTIFY_SYSTEM} on a replication session with
 * {@code streaming_conninfo}), when {@code backup_method = postgres} or {@code streaming_archiver} is on, and its
 * StreamingWalArchiver's {@code pg_receivexlog_*} keys, when {@code streaming_archiver} is on. Our receiver is
 * built in ({@code receive-wal} does not run {@code pg_receivewal}): it is always installed, and compatible with
 * the PostgreSQL versions it streams from ({@link PostgresPlumbing#receiverStreams}).
 */
public final class StreamingStatus {
    /** What {@code pg_receivexlog_path} and {@code pg_receivexlog_version} say of the built-in receiver. */
    public static final String RECEIVER_PATH = "built-in";
    public static final String RECEIVER_VERSION = "built-in (PostgreSQL " + PostgresPlumbing.RECEIVER_OLDEST_MAJOR
            + " to " + PostgresPlumbing.RECEIVER_NEWEST_MAJOR + ")";

    private StreamingStatus() {
    }

    /** Whether Barman opens a streaming connection for this server. */
    public static boolean needed(ServerConfig server) {
        return "postgres".equals(server.string(Option.BACKUP_METHOD)) || server.flag(Option.STREAMING_ARCHIVER);
    }

    /**
     * The streaming keys, added to {@code status} (the remote status of {@code conninfo}, whose
     * {@code synchronous_standby_names} tells whether the receiver is a synchronous standby).
     */
    public static void merge(ServerConfig server, Map<String, String> env, String userHome,
                             Map<String, Object> status) {
        if (!needed(server)) {
            return;
        }
        Integer timeout = server.integer(Option.CHECK_TIMEOUT);
        Integer version = identify(server.string(Option.STREAMING_CONNINFO), env, userHome,
                timeout == null ? 30 : timeout, status);
        if (server.flag(Option.STREAMING_ARCHIVER)) {
            receiver(server, version, status);
        }
    }

    /**
     * Barman's StreamingConnection status: {@code connection_error}, {@code streaming_supported},
     * {@code streaming}, {@code streaming_systemid}, {@code timeline}, {@code xlogpos}, {@code version_supported};
     * returns the server's version number (null when unreachable).
     */
    static Integer identify(String conninfo, Map<String, String> env, String userHome, int timeoutSeconds,
                            Map<String, Object> status) {
        for (String key : List.of("connection_error", "streaming_supported", "streaming", "streaming_systemid",
                "timeline", "xlogpos", "version_supported")) {
            status.put(key, null);
        }
        Connection connection;
        try {
            connection = PostgresConnection.openReplication(conninfo, env, userHome, timeoutSeconds, "barman");
        } catch (PostgresException e) {
            status.put("connection_error", e.getMessage());
            return null;
        }
        try (connection; Statement st = connection.createStatement()) {
            int version;
            try (ResultSet rs = st.executeQuery("SHOW server_version_num")) {
                rs.next();
                version = Integer.parseInt(rs.getString(1));
            }
            status.put("version_supported", version >= PostgresPlumbing.OLDEST_SUPPORTED);
            if (version < PostgresPlumbing.OLDEST_SUPPORTED) {
                return version;
            }
            status.put("streaming_supported", true);
            try (ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
                if (rs.next()) {
                    status.put("streaming", true);
                    status.put("streaming_systemid", rs.getString(1));
                    status.put("timeline", Long.valueOf(rs.getString(2)));
                    status.put("xlogpos", rs.getString(3));
                }
            } catch (SQLException e) {
                // Not a replication session (Barman's ProgrammingError).
                status.put("streaming", false);
            }
            return version;
        } catch (SQLException e) {
            status.put("connection_error", PostgresConnection.firstLine(e.getMessage()));
            return null;
        }
    }

    /** Barman's StreamingWalArchiver status, for the built-in receiver. */
    static void receiver(ServerConfig server, Integer streamingVersion, Map<String, Object> status) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("pg_receivexlog_compatible", null);
        r.put("pg_receivexlog_installed", true);
        r.put("pg_receivexlog_path", RECEIVER_PATH);
        r.put("pg_receivexlog_supports_slots", null);
        r.put("pg_receivexlog_synchronous", null);
        r.put("pg_receivexlog_version", RECEIVER_VERSION);
        if (streamingVersion != null) {
            boolean compatible = PostgresPlumbing.receiverStreams(streamingVersion);
            r.put("pg_receivexlog_compatible", compatible);
            r.put("pg_receivexlog_supports_slots", compatible);
            r.put("pg_receivexlog_synchronous", synchronous(server, status));
        }
        status.putAll(r);
    }

    /**
     * Barman's {@code _is_synchronous}: {@code streaming_archiver_name} (or {@code *}) is in
     * {@code synchronous_standby_names}; null when PostgreSQL ({@code conninfo}) was not reached.
     */
    static Boolean synchronous(ServerConfig server, Map<String, Object> status) {
        if (status.get("server_txt_version") == null) {
            return null;
        }
        if (!(status.get("synchronous_standby_names") instanceof List<?> names) || names.isEmpty()) {
            return false;
        }
        return names.contains("*") || names.contains(server.string(Option.STREAMING_ARCHIVER_NAME));
    }
}
