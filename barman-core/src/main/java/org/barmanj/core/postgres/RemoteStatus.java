package org.barmanj.core.postgres;

import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.compat.PyNamedTuple;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Barman's "remote status" of a PostgreSQL server: the keys {@code status}, {@code show-servers} and
 * {@code check} read, with the value types Barman gets from psycopg2 (strings, Long, Boolean, BigDecimal,
 * OffsetDateTime, lists). A value the connected role may not read is null.
 */
public final class RemoteStatus {
    /** The keys Barman reports, all null, when PostgreSQL cannot be reached. */
    public static Map<String, Object> unreachable(boolean archiver) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (String key : List.of("data_directory", "server_txt_version", "is_superuser", "is_in_recovery",
                "current_xlog", "replication_slot_support", "replication_slot", "synchronous_standby_names",
                "postgres_systemid", "version_supported")) {
            result.put(key, null);
        }
        if (archiver) {
            result.put("archive_mode", null);
            result.put("archive_command", null);
        }
        return result;
    }

    private RemoteStatus() {
    }

    /** The remote status, or the all-null one with the reason when PostgreSQL cannot be reached. */
    public record Fetched(Map<String, Object> values, String error) {
    }

    /** Connects with the server's {@code conninfo} (timeout: {@code check_timeout}) and queries it. */
    public static Fetched fetch(ServerConfig server, Map<String, String> env, String userHome) {
        boolean archiver = server.flag(Option.ARCHIVER);
        if (server.string(Option.CONNINFO) == null) {
            // Without conninfo Barman has no PostgreSQL connection: only the archiver's keys remain.
            Map<String, Object> keys = new LinkedHashMap<>();
            if (archiver) {
                keys.put("archive_mode", null);
                keys.put("archive_command", null);
            }
            return new Fetched(keys, "no conninfo");
        }
        Fetched fetched;
        try (PostgresConnection pg = PostgresConnection.open(server, env, userHome)) {
            fetched = new Fetched(query(pg, archiver, server.string(Option.SLOT_NAME)), null);
        } catch (PostgresException e) {
            fetched = new Fetched(unreachable(archiver), e.getMessage());
        }
        StreamingStatus.merge(server, env, userHome, fetched.values());
        return fetched;
    }

    /** Queries a reachable server. {@code slotName} is the configured {@code slot_name} (may be null). */
    public static Map<String, Object> query(PostgresConnection pg, boolean archiver, String slotName) {
        Map<String, Object> r = unreachable(archiver);
        int version = pg.serverVersionNum();
        Boolean superuser = bool(pg.value("SELECT usesuper FROM pg_user WHERE usename = CURRENT_USER"));
        Boolean privileges = backupPrivileges(pg, version);
        if (Boolean.TRUE.equals(privileges)) {
            r.put("data_directory", pg.value("SHOW data_directory"));
        }
        for (String name : List.of("wal_level", "hot_standby", "max_wal_senders", "data_checksums",
                "max_replication_slots", "wal_compression", PostgresPlumbing.walKeepSetting(version))) {
            r.put(name, pg.value("SHOW \"" + name + "\""));
        }
        r.put("is_superuser", superuser);
        r.put("has_backup_privileges", privileges);
        boolean recovery = Boolean.TRUE.equals(bool(pg.value("SELECT pg_is_in_recovery()")));
        r.put("is_in_recovery", recovery);
        r.put("server_txt_version", txtVersion(pg.value("SELECT version()")));
        r.put("version_supported", version >= PostgresPlumbing.OLDEST_SUPPORTED);
        if (!recovery) {
            Map<String, String> wal = pg.row("SELECT location::text AS location, file_name "
                    + "FROM pg_current_wal_lsn() AS location, pg_walfile_name_offset(location)");
            r.put("current_lsn", wal.get("location"));
            r.put("current_xlog", wal.get("file_name"));
        } else {
            r.put("current_lsn", pg.value("SELECT pg_last_wal_replay_lsn()::text"));
            r.put("current_xlog", null);
        }
        // sum() of bigint is numeric: Barman gets a Decimal (a string in its JSON).
        String size = Boolean.TRUE.equals(privileges)
                ? pg.value("SELECT sum(pg_tablespace_size(oid)) FROM pg_tablespace") : null;
        r.put("current_size", size == null ? null : new BigDecimal(size));
        r.put("archive_timeout", number(pg.value("SELECT setting FROM pg_settings WHERE name='archive_timeout'")));
        r.put("checkpoint_timeout", number(pg.value("SELECT setting FROM pg_settings WHERE name='checkpoint_timeout'")));
        r.put("xlog_segment_size", number(pg.value("SELECT setting FROM pg_settings WHERE name='wal_segment_size'")));
        for (Map.Entry<String, String> e : pg.rows("SELECT name, setting FROM pg_settings "
                + "WHERE name IN ('config_file', 'hba_file', 'ident_file')").entrySet()) {
            r.put(e.getKey(), e.getValue());
        }
        r.put("replication_slot_support", Boolean.TRUE);
        if (slotName != null) {
            Map<String, String> slot = pg.row("SELECT slot_name, active, restart_lsn::text AS restart_lsn "
                    + "FROM pg_replication_slots WHERE slot_type = 'physical' AND slot_name = '"
                    + slotName.replace("'", "''") + "'");
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("slot_name", slot.get("slot_name"));
            fields.put("active", "t".equals(slot.get("active")));
            fields.put("restart_lsn", slot.get("restart_lsn"));
            r.put("replication_slot", slot.isEmpty() ? null : PyNamedTuple.record(fields));
        }
        r.put("synchronous_standby_names", standbyNames(pg.value("SHOW synchronous_standby_names")));
        r.put("postgres_systemid", pg.value("SELECT system_identifier::text FROM pg_control_system()"));
        if (archiver) {
            r.put("archive_mode", pg.value("SHOW archive_mode"));
            r.put("archive_command", pg.value("SHOW archive_command"));
            Map<String, String> stats = pg.row("SELECT archived_count::text, last_archived_wal, "
                    + "last_archived_time::text, failed_count::text, last_failed_wal, last_failed_time::text, "
                    + "stats_reset::text, (current_setting('archive_mode') IN ('on', 'always') "
                    + "AND (last_failed_wal IS NULL OR last_failed_wal LIKE '%.history' "
                    + "AND substring(last_failed_wal from 1 for 8) <= substring(last_archived_wal from 1 for 8) "
                    + "OR last_failed_time <= last_archived_time))::text AS is_archiving, "
                    + "(CAST(archived_count AS NUMERIC) / EXTRACT(EPOCH FROM age(now(), stats_reset)))::text "
                    + "AS current_archived_wals_per_second FROM pg_stat_archiver");
            r.put("archived_count", number(stats.get("archived_count")));
            r.put("last_archived_wal", stats.get("last_archived_wal"));
            r.put("last_archived_time", time(stats.get("last_archived_time")));
            r.put("failed_count", number(stats.get("failed_count")));
            r.put("last_failed_wal", stats.get("last_failed_wal"));
            r.put("last_failed_time", time(stats.get("last_failed_time")));
            r.put("stats_reset", time(stats.get("stats_reset")));
            r.put("is_archiving", "true".equals(stats.get("is_archiving")));
            String rate = stats.get("current_archived_wals_per_second");
            r.put("current_archived_wals_per_second", rate == null ? null : new BigDecimal(rate));
        }
        return r;
    }

    /** Barman's check for superuser or the monitoring roles plus the backup functions (PostgreSQL 10+). */
    private static Boolean backupPrivileges(PostgresConnection pg, int version) {
        String start = PostgresPlumbing.backupStartSignature(version);
        List<String> stops = new ArrayList<>();
        for (String signature : PostgresPlumbing.backupStopSignatures(version)) {
            stops.add("has_function_privilege(CURRENT_USER, '" + signature + "', 'EXECUTE')");
        }
        String stop = String.join(" OR ", stops);
        try {
            return bool(pg.value("SELECT usesuper OR ((pg_has_role(CURRENT_USER, 'pg_monitor', 'MEMBER') OR "
                    + "(pg_has_role(CURRENT_USER, 'pg_read_all_settings', 'MEMBER') AND "
                    + "pg_has_role(CURRENT_USER, 'pg_read_all_stats', 'MEMBER'))) "
                    + "AND has_function_privilege(CURRENT_USER, '" + start + "', 'EXECUTE') AND (" + stop + ") "
                    + "AND has_function_privilege(CURRENT_USER, 'pg_switch_wal()', 'EXECUTE') "
                    + "AND has_function_privilege(CURRENT_USER, 'pg_create_restore_point(text)', 'EXECUTE')) "
                    + "FROM pg_user WHERE usename = CURRENT_USER"));
        } catch (PostgresException e) {
            return null;
        }
    }

    /**
     * The version as Barman shows it: the second word of {@code version()}; EDB Advanced Server up to 10 adds
     * a fourth number, which Barman drops.
     */
    static String txtVersion(String versionString) {
        String[] words = versionString.split("\\s+");
        if (words[0].equals("EnterpriseDB")) {
            return words[1].substring(0, words[1].lastIndexOf('.'));
        }
        return words[1];
    }

    /** Names from {@code synchronous_standby_names}, without an {@code N (...)}/{@code ANY N (...)} wrapper. */
    static List<String> standbyNames(String setting) {
        List<String> names = new ArrayList<>();
        if (setting == null) {
            return names;
        }
        int start = setting.indexOf('(') + 1;
        int end = setting.lastIndexOf(')');
        for (String n : setting.substring(start, end < 0 ? setting.length() : end).split(",", -1)) {
            names.add(n.strip());
        }
        return names;
    }

    private static Boolean bool(String s) {
        return s == null ? null : s.equals("t") || s.equals("true");
    }

    private static Long number(String s) {
        return s == null ? null : Long.valueOf(s);
    }

    private static java.time.OffsetDateTime time(String s) {
        return s == null ? null : PyDateTime.parse(s);
    }
}
