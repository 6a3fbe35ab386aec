package org.barmanj.core.postgres;

import java.util.List;

/**
 * What differs between PostgreSQL versions, in one place (Barman's {@code postgres_plumbing.py}): function and
 * setting names, the version thresholds where they change, and the paths a file-level copy leaves out. Versions are
 * {@code server_version_num} values ({@code 150004}).
 */
public final class PostgresPlumbing {
    /** The oldest version Barman 3.4 supports (its {@code version_supported}). */
    static final int OLDEST_SUPPORTED = 90600;
    /** PostgreSQL 13 renamed {@code wal_keep_segments} to {@code wal_keep_size}. */
    private static final int WAL_KEEP_SIZE = 130000;
    /** PostgreSQL 14 added {@code idle_session_timeout}. */
    private static final int IDLE_SESSION_TIMEOUT = 140000;
    /** PostgreSQL 15 renamed {@code pg_start_backup}/{@code pg_stop_backup} and dropped exclusive backups. */
    private static final int BACKUP_START_STOP = 150000;
    /** pg_basebackup 9.4 added {@code --tablespace-mapping} and {@code --max-rate}. */
    private static final int PG_BASEBACKUP_MAPPING = 90400;
    /** pg_basebackup 10 added {@code --no-slot}, {@code --wal-method} and a temporary slot by default. */
    private static final int PG_BASEBACKUP_WAL_METHOD = 100000;
    /** pg_basebackup 9.2 only backs up 9.2; later ones back up their own and older majors, from 9.3. */
    private static final int PG_BASEBACKUP_OLDEST_PEER = 90300;

    /**
     * Paths in PGDATA that a copy of the data directory leaves out (rsync filter syntax, {@code /} is PGDATA): logs,
     * the WAL (archived apart), and {@code global/pg_control}, copied last.
     */
    public static final List<String> PGDATA_EXCLUDES = List.of("/pg_log/*", "/log/*", "/pg_xlog/*", "/pg_wal/*",
            "/global/pg_control");
    /** Files and folders anywhere (PGDATA and tablespaces) that PostgreSQL recreates at start-up: never copied. */
    public static final List<String> EXCLUDES = List.of("pgsql_tmp*", "postgresql.auto.conf.tmp",
            "current_logfiles.tmp", "pg_internal.init", "postmaster.pid", "postmaster.opts", "recovery.conf",
            "standby.signal", "pg_dynshmem/*", "pg_notify/*", "pg_replslot/*", "pg_serial/*", "pg_stat_tmp/*",
            "pg_snapshots/*", "pg_subtrans/*");
    /** Paths in PGDATA that a recovery does not copy from the backup (or deletes at the destination). */
    public static final List<String> RECOVERY_EXCLUDES = List.of("/pg_log/*", "/log/*", "/pg_xlog/*", "/pg_wal/*",
            "/postmaster.pid", "/recovery.conf", "/tablespace_map");

    /** The majors the built-in WAL receiver (receive-wal) streams from. */
    static final int RECEIVER_OLDEST_MAJOR = 13;
    static final int RECEIVER_NEWEST_MAJOR = 17;

    private PostgresPlumbing() {
    }

    /** PostgreSQL 10 renamed the xlog functions and pg_stat_replication's {@code *_location} columns to wal/lsn. */
    private static final int WAL_NAMES = 100000;

    /** The function giving the current WAL write position of a primary. */
    static String currentWalLsn(int version) {
        return version >= WAL_NAMES ? "pg_current_wal_lsn" : "pg_current_xlog_location";
    }

    /** The function giving the last WAL position a standby replayed. */
    static String lastReplayLsn(int version) {
        return version >= WAL_NAMES ? "pg_last_wal_replay_lsn" : "pg_last_xlog_replay_location";
    }

    /** The function giving the last WAL position a standby received. */
    static String lastReceiveLsn(int version) {
        return version >= WAL_NAMES ? "pg_last_wal_receive_lsn" : "pg_last_xlog_receive_location";
    }

    /** A position column of pg_stat_replication: {@code kind} is sent, write, flush or replay. */
    static String replicationLsnColumn(int version, String kind) {
        return version >= WAL_NAMES ? kind + "_lsn" : kind + "_location";
    }

    /** Whether the built-in WAL receiver streams from this server version (Barman's pg_receivexlog compatible). */
    static boolean receiverStreams(int version) {
        int major = version / 10000;
        return major >= RECEIVER_OLDEST_MAJOR && major <= RECEIVER_NEWEST_MAJOR;
    }

    /** The function starting a concurrent backup, called with (label, fast). */
    static String backupStart(int version) {
        return version >= BACKUP_START_STOP ? "pg_backup_start(?, ?)" : "pg_start_backup(?, ?, FALSE)";
    }

    /** The function stopping a concurrent backup, without waiting for the archiving of its last segment. */
    static String backupStop(int version) {
        return version >= BACKUP_START_STOP ? "pg_backup_stop(FALSE)" : "pg_stop_backup(FALSE, FALSE)";
    }

    /** The signature of the start function, for privilege checks. */
    static String backupStartSignature(int version) {
        return version >= BACKUP_START_STOP ? "pg_backup_start(text,bool)" : "pg_start_backup(text,bool,bool)";
    }

    /** The signatures of the stop function, for privilege checks (before 15: any one of them). */
    static List<String> backupStopSignatures(int version) {
        return version >= BACKUP_START_STOP ? List.of("pg_backup_stop(bool)")
                : List.of("pg_stop_backup()", "pg_stop_backup(bool,bool)");
    }

    /** Whether the server has {@code idle_session_timeout}, which would end a backup's idle session. */
    static boolean hasIdleSessionTimeout(int version) {
        return version >= IDLE_SESSION_TIMEOUT;
    }

    /** The setting of the WAL kept for standbys. */
    static String walKeepSetting(int version) {
        return version >= WAL_KEEP_SIZE ? "wal_keep_size" : "wal_keep_segments";
    }

    /** The version folder PostgreSQL makes in each tablespace, as an rsync pattern: {@code PG_15_*}. */
    public static String tablespaceVersionFolder(int version) {
        return "PG_" + version / 10000 + "_*";
    }

    /** The major version of a {@code server_version_num} ({@code 150004} is 15, {@code 90624} is 9.6). */
    public static int major(int version) {
        return version >= 100000 ? version / 10000 * 10000 : version / 100 * 100;
    }

    /** The text of a major version: {@code 15}, {@code 9.6}. */
    public static String majorText(int version) {
        int major = major(version);
        return major >= 100000 ? String.valueOf(major / 10000) : major / 10000 + "." + major / 100 % 100;
    }

    /** Whether a pg_basebackup of {@code client} (a version number) can back up a server of {@code server}. */
    public static boolean pgBaseBackupCompatible(int server, int client) {
        int s = major(server);
        int c = major(client);
        return s == 90200 && c == 90200 || s >= PG_BASEBACKUP_OLDEST_PEER && s <= c;
    }

    /** Whether that pg_basebackup maps tablespaces and limits its rate. */
    public static boolean pgBaseBackupMapsTablespaces(int client) {
        return client >= PG_BASEBACKUP_MAPPING;
    }

    /**
     * Whether that pg_basebackup must be told to take no WAL and no replication slot: the archive has the WAL, and
     * a temporary slot would use one of the server's slots for nothing.
     */
    public static boolean pgBaseBackupNeedsNoWal(int client) {
        return client >= PG_BASEBACKUP_WAL_METHOD;
    }
}
