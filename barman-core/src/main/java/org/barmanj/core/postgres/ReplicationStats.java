package org.barmanj.core.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code pg_stat_replication} as Barman's {@code get_replication_stats} reads it for {@code replication-status}: one
 * row per WAL sender, with its physical slot (if any) and the server's current LSN, synchronous clients first.
 */
public final class ReplicationStats {
    /** The server's current LSN ({@code serverLsn}: the replay LSN on a standby) and a row per client. */
    public record Fetched(String serverLsn, List<Map<String, String>> rows) {
    }

    private ReplicationStats() {
    }

    /**
     * {@code replaying}: null for every client, true for hot standbys (they replay WAL), false for WAL streamers.
     * Columns as Barman names them, values as text.
     */
    public static Fetched fetch(PostgresConnection pg, Boolean replaying) {
        int version = pg.serverVersionNum();
        boolean recovery = "t".equals(pg.value("SELECT pg_is_in_recovery()"));
        String serverLsn = pg.value("SELECT " + (recovery ? PostgresPlumbing.lastReplayLsn(version)
                : PostgresPlumbing.currentWalLsn(version)) + "()::text");
        List<String> where = new ArrayList<>(List.of("(rs.slot_type IS NULL OR rs.slot_type = 'physical')"));
        String replay = PostgresPlumbing.replicationLsnColumn(version, "replay");
        if (replaying != null) {
            where.add(replay + (replaying ? " IS NOT NULL" : " IS NULL"));
        }
        List<String> columns = new ArrayList<>(List.of("pid::text", "usename::text", "application_name",
                "host(client_addr) AS client_addr", "client_hostname", "client_port::text",
                "backend_start::text", "backend_xmin::text", "state", "sync_priority::text", "sync_state"));
        for (String lsn : List.of("sent", "write", "flush", "replay")) {
            columns.add(PostgresPlumbing.replicationLsnColumn(version, lsn) + "::text AS " + lsn + "_lsn");
        }
        List<Map<String, String>> rows = pg.all("SELECT " + String.join(", ", columns) + ", rs.slot_name::text, "
                + "CASE WHEN pg_is_in_recovery() THEN " + PostgresPlumbing.lastReceiveLsn(version) + "() ELSE "
                + PostgresPlumbing.currentWalLsn(version) + "() END::text AS current_lsn "
                + "FROM pg_stat_replication r LEFT JOIN pg_replication_slots rs ON (r.pid = rs.active_pid) "
                + "WHERE " + String.join(" AND ", where) + " ORDER BY sync_state DESC, sync_priority");
        return new Fetched(serverLsn, rows);
    }
}
