package org.barmanj.core.postgres;

import org.barmanj.core.catalog.BackupInfo.Tablespace;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SQL of a concurrent (non-exclusive) backup, as Barman issues it: metadata queries, then
 * {@code pg_backup_start}/{@code pg_backup_stop} (PostgreSQL 15+) or {@code pg_start_backup}/{@code pg_stop_backup}
 * (before 15) on one session that must stay open from start to stop: PostgreSQL aborts a non-exclusive backup
 * whose session ends, so a backup process that dies never leaves the server in backup mode.
 */
public final class BackupControl {
    /** What the backup records about the server before it starts. */
    public record ServerFacts(int version, String dataDirectory, long segmentSize, String configFile,
                              String hbaFile, String identFile, List<String> includedFiles,
                              List<Tablespace> tablespaces, String systemId, boolean inRecovery) {
    }

    /** A start or stop mark: the LSN, its timeline, the server's {@code now()} and (stop only) the label text. */
    public record Mark(String lsn, int timeline, String timestamp, String backupLabel) {
    }

    /** The server's current WAL position (Barman's {@code current_xlog_info}), on a primary. */
    public record Position(String lsn, String walName, long offset, String timestamp) {
    }

    private final PostgresConnection pg;
    private int version;

    public BackupControl(PostgresConnection pg) {
        this.pg = pg;
    }

    public ServerFacts facts() {
        version = pg.serverVersionNum();
        String dataDirectory = pg.value("SHOW data_directory");
        long segmentSize = Long.parseLong(pg.value("SELECT setting FROM pg_settings WHERE name = 'wal_segment_size'"));
        Map<String, String> files = pg.rows("SELECT name, setting FROM pg_settings "
                + "WHERE name IN ('config_file', 'hba_file', 'ident_file')");
        List<String> included = new ArrayList<>(pg.rows("SELECT DISTINCT sourcefile, NULL FROM pg_settings "
                + "WHERE sourcefile IS NOT NULL AND sourcefile NOT IN "
                + "(SELECT setting FROM pg_settings WHERE name = 'config_file') ORDER BY 1").keySet());
        List<Tablespace> tablespaces = new ArrayList<>();
        pg.rows("SELECT oid::text || ' ' || spcname, pg_tablespace_location(oid) FROM pg_tablespace "
                + "WHERE pg_tablespace_location(oid) != '' ORDER BY oid").forEach((oidName, location) -> {
                    int space = oidName.indexOf(' ');
                    tablespaces.add(new Tablespace(oidName.substring(space + 1),
                            Long.parseLong(oidName.substring(0, space)), location));
                });
        String systemId = pg.value("SELECT system_identifier::text FROM pg_control_system()");
        boolean inRecovery = "t".equals(pg.value("SELECT pg_is_in_recovery()"));
        return new ServerFacts(version, dataDirectory, segmentSize, files.get("config_file"), files.get("hba_file"),
                files.get("ident_file"), included, tablespaces, systemId, inRecovery);
    }

    /** Starts the backup; {@code fast} asks for an immediate checkpoint. Call {@link #facts()} first. */
    public Mark start(String label, boolean fast) {
        if (PostgresPlumbing.hasIdleSessionTimeout(version)) {
            // A server-side idle_session_timeout must not end the session while rsync copies.
            pg.execute("SET idle_session_timeout TO 0");
        }
        String function = PostgresPlumbing.backupStart(version);
        Map<String, String> row = pg.row("SELECT location::text AS location, "
                + "(SELECT timeline_id FROM pg_control_checkpoint())::text AS timeline, now()::text AS timestamp "
                + "FROM " + function + " AS location", label, fast);
        return new Mark(row.get("location"), Integer.parseInt(row.get("timeline")), row.get("timestamp"), null);
    }

    /** Where the server writes WAL now, with the segment and offset as PostgreSQL names them. */
    public Position current() {
        Map<String, String> row = pg.row("SELECT location::text AS location, file_name, file_offset::text AS offset, "
                + "now()::text AS timestamp FROM pg_current_wal_lsn() AS location, pg_walfile_name_offset(location)");
        return new Position(row.get("location"), row.get("file_name"), Long.parseLong(row.get("offset")),
                row.get("timestamp"));
    }

    /** A query that keeps the session busy for a moment ({@code keepalive_interval}). */
    public void ping() {
        pg.value("SELECT 1");
    }

    /**
     * Stops the backup without PostgreSQL's own wait for the archiving of its last segment: PostgreSQL checks that
     * once a second, which costs most of a second per backup; {@link #waitForArchiving} polls finer.
     */
    public Mark stop() {
        String function = PostgresPlumbing.backupStop(version);
        Map<String, String> row = pg.row("SELECT end_row.lsn::text AS location, "
                + "(SELECT CASE WHEN pg_is_in_recovery() THEN min_recovery_end_timeline ELSE timeline_id END "
                + "FROM pg_control_checkpoint(), pg_control_recovery())::text AS timeline, "
                + "end_row.labelfile AS backup_label, now()::text AS timestamp FROM " + function + " AS end_row");
        return new Mark(row.get("location"), Integer.parseInt(row.get("timeline")), row.get("timestamp"),
                row.get("backup_label"));
    }

    /**
     * Waits, up to {@code timeoutMillis}, until the segment {@code wal} is archived. PostgreSQL's archiver reports
     * it (the segment itself, a later file, or a {@code .backup} file named after it: a backup history file is
     * named after the backup's start; it carries the end segment's name only when the backup began and ended there,
     * and the archiver takes ready files in name order, the segment before its {@code .backup} file), or, as
     * PostgreSQL's own wait in {@code pg_backup_stop} checks, its {@code archive_status/<wal>.done} file exists. The
     * second matters with an {@code archive_command} that sends several ready files at once and marks them done
     * itself (barman-wal-archive's look-ahead): the archiver never runs the command for those, and
     * {@code last_archived_wal} stays behind until the next segment is archived. Returns whether it was archived.
     */
    public boolean waitForArchiving(String wal, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        boolean statusReadable = true;
        while (true) {
            String last = pg.value("SELECT last_archived_wal FROM pg_stat_archiver");
            if (last != null && (last.startsWith(wal) || (last.length() >= 24 && last.substring(0, 24).compareTo(wal) > 0))) {
                return true;
            }
            if (statusReadable) {
                try {
                    Map<String, String> done = pg.row("SELECT (pg_stat_file(?, true)).size::text AS size",
                            "pg_wal/archive_status/" + wal + ".done");
                    if (done.get("size") != null) {
                        return true;
                    }
                } catch (PostgresException e) {
                    // pg_stat_file needs superuser or pg_read_server_files: the archiver's report must do.
                    statusReadable = false;
                }
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
    }

    /** {@code global/pg_control} read by the server, or null when this role may not read server files. */
    public byte[] readControlFile() {
        try {
            String hex = pg.value("SELECT encode(pg_read_binary_file('global/pg_control'), 'hex')");
            return hex == null ? null : java.util.HexFormat.of().parseHex(hex);
        } catch (PostgresException e) {
            return null;
        }
    }

    /** Closes the current segment so the backup's last WAL gets archived (not on a standby). */
    public void switchWal() {
        WalSwitch.perform(pg, false);
    }

    /** Barman's {@code barman_<id>} restore point; failures are ignored as Barman does. */
    public void createRestorePoint(String name) {
        try {
            pg.row("SELECT pg_create_restore_point(?)", name);
        } catch (PostgresException e) {
            // A restore point is a convenience for point-in-time recovery, not part of the backup.
        }
    }
}
