package org.barmanj.core.streaming;

import org.barmanj.core.postgres.PostgresConnection;
import org.barmanj.core.postgres.PostgresException;
import org.postgresql.copy.CopyDual;
import org.postgresql.core.BaseConnection;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * A physical replication connection (the walsender's commands) over pgjdbc: IDENTIFY_SYSTEM, TIMELINE_HISTORY,
 * READ_REPLICATION_SLOT, slot creation and removal, and START_REPLICATION with its {@code TIMELINE}, which
 * pgjdbc's replication API does not send: the copy is started on its query executor.
 */
final class ReplicationSession implements AutoCloseable {
    /** SQLSTATEs of the slot commands' failures, as Barman tells them apart. */
    static final String DUPLICATE_OBJECT = "42710";
    static final String UNDEFINED_OBJECT = "42704";
    static final String OBJECT_IN_USE = "55006";
    static final String CONFIGURATION_LIMIT_EXCEEDED = "53400";

    private final Connection connection;

    private ReplicationSession(Connection connection) {
        this.connection = connection;
    }

    static ReplicationSession open(String conninfo, Map<String, String> env, String userHome, int timeoutSeconds,
                                   String applicationName) {
        return new ReplicationSession(PostgresConnection.openReplication(conninfo, env, userHome, timeoutSeconds,
                applicationName));
    }

    /** IDENTIFY_SYSTEM's answer. */
    record Identity(String systemId, int timeline, long position) {
    }

    Identity identify() throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("IDENTIFY_SYSTEM")) {
            rs.next();
            return new Identity(rs.getString("systemid"), rs.getInt("timeline"),
                    WalPosition.parseLsn(rs.getString("xlogpos")));
        }
    }

    int serverVersionNum() throws SQLException {
        return Integer.parseInt(show("server_version_num"));
    }

    String show(String setting) throws SQLException {
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The history file of a timeline: its name and content. */
    record History(String fileName, byte[] content) {
        TimelineHistory parsed(int timeline) {
            return TimelineHistory.parse(timeline, new String(content, StandardCharsets.UTF_8));
        }
    }

    History timelineHistory(int timeline) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("TIMELINE_HISTORY " + timeline)) {
            rs.next();
            return new History(rs.getString(1), rs.getBytes(2));
        }
    }

    /** READ_REPLICATION_SLOT (PostgreSQL 15 and later): the slot's restart point, null when it has none. */
    StartPoint slotRestart(String slot) throws SQLException {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("READ_REPLICATION_SLOT " + slot)) {
            if (!rs.next() || rs.getString("restart_lsn") == null) {
                return null;
            }
            return new StartPoint(rs.getInt("restart_tli"), WalPosition.parseLsn(rs.getString("restart_lsn")));
        }
    }

    void execute(String command) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(command);
        }
    }

    /** Starts streaming; the copy's blocking reads give up after {@code readTimeoutMillis}. */
    CopyDual startReplication(String slot, long start, int timeline, int readTimeoutMillis) throws SQLException {
        connection.setNetworkTimeout(Runnable::run, readTimeoutMillis);
        String command = "START_REPLICATION " + (slot == null ? "" : "SLOT " + slot + " ") + "PHYSICAL "
                + WalPosition.formatLsn(start) + " TIMELINE " + timeline;
        return (CopyDual) connection.unwrap(BaseConnection.class).getQueryExecutor().startCopy(command, true);
    }

    void readTimeout(int millis) throws SQLException {
        connection.setNetworkTimeout(Runnable::run, millis);
    }

    static PostgresException failure(SQLException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return new PostgresException(nl < 0 ? m : m.substring(0, nl), e);
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // The session is gone either way.
        }
    }
}
