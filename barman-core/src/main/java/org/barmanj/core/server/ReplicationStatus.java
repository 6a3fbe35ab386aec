package org.barmanj.core.server;

import org.barmanj.core.compat.PyDateTime;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code barman replication-status} shows of a server: its current LSN ({@code serverLsn}: the replay LSN on a
 * standby, null if none) and its streaming clients ({@code pg_stat_replication}), synchronous ones first.
 */
public record ReplicationStatus(String serverLsn, List<Client> clients) {
    /** Barman's {@code --target}: which streaming clients are listed. */
    public enum Target {
        ALL("all", "streaming clients"),
        HOT_STANDBY("hot-standby", "hot standby servers"),
        WAL_STREAMER("wal-streamer", "WAL streamers");

        private final String option;
        private final String title;

        Target(String option, String title) {
            this.option = option;
            this.title = title;
        }

        /** How Barman names the clients listed: {@code streaming clients}, ... */
        public String title() {
            return title;
        }

        /** The target named by a {@code --target} value; IllegalArgumentException for another value. */
        public static Target of(String option) {
            for (Target t : values()) {
                if (t.option.equals(option)) {
                    return t;
                }
            }
            throw new IllegalArgumentException(option);
        }
    }

    /** One WAL sender's client; LSNs as PostgreSQL prints them, {@code replayLsn} null for a WAL streamer. */
    public record Client(long pid, String userName, String applicationName, String clientAddr, String clientHostname,
                         Long clientPort, OffsetDateTime backendStart, String backendXmin, String state,
                         String sentLsn, String writeLsn, String flushLsn, String replayLsn, long syncPriority,
                         String syncState, String slotName, String currentLsn) {
    }

    /** From the rows of {@code pg_stat_replication} as the postgres package reads them (text values). */
    static ReplicationStatus of(String serverLsn, List<Map<String, String>> rows) {
        List<Client> clients = new ArrayList<>();
        for (Map<String, String> r : rows) {
            clients.add(new Client(Long.parseLong(r.get("pid")), r.get("usename"), r.get("application_name"),
                    r.get("client_addr"), r.get("client_hostname"), number(r.get("client_port")),
                    r.get("backend_start") == null ? null : PyDateTime.parse(r.get("backend_start")),
                    r.get("backend_xmin"), r.get("state"), r.get("sent_lsn"), r.get("write_lsn"), r.get("flush_lsn"),
                    r.get("replay_lsn"), Long.parseLong(r.get("sync_priority")), r.get("sync_state"),
                    r.get("slot_name"), r.get("current_lsn")));
        }
        return new ReplicationStatus(serverLsn, clients);
    }

    private static Long number(String s) {
        return s == null ? null : Long.valueOf(s);
    }
}
