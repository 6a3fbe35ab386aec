package org.barmanj.core.postgres;

import org.barmanj.core.catalog.PyDateTime;
import org.barmanj.core.catalog.WalName;

import java.time.OffsetDateTime;
import java.util.Map;

/**
 * What {@code barman status} reports about a running PostgreSQL server (Barman's remote status).
 * Values the connected role may not read are null.
 */
public record ServerStatus(String txtVersion, boolean inRecovery, Long currentSize, String dataDirectory,
                           String currentWal, String archiveMode, String archiveCommand, String lastArchivedWal,
                           OffsetDateTime lastArchivedTime, Long failedCount, String lastFailedWal,
                           OffsetDateTime lastFailedTime, Double archivedWalsPerSecond) {

    /** Queries the server on an open session. */
    public static ServerStatus query(PostgresConnection pg) {
        String version = txtVersion(pg.value("SELECT version()"));
        boolean recovery = "t".equals(pg.value("SELECT pg_is_in_recovery()"));
        Long size = null;
        try {
            String s = pg.value("SELECT sum(pg_tablespace_size(oid)) FROM pg_tablespace");
            size = s == null ? null : Long.valueOf(s);
        } catch (PostgresException e) {
            // Needs superuser or pg_read_all_stats; Barman omits the row then.
        }
        String dataDirectory = pg.value("SHOW data_directory");
        String currentWal = null;
        if (!recovery) {
            Map<String, String> wal = pg.row("SELECT pg_current_wal_lsn()::text AS lsn, "
                    + "(SELECT timeline_id FROM pg_control_checkpoint())::text AS tli, "
                    + "current_setting('wal_segment_size') AS seg");
            long lsn = WalName.parseLsn(wal.get("lsn"));
            long segmentSize = parseSize(wal.get("seg"));
            // A position on a segment boundary belongs to the previous segment (pg_walfile_name before 17).
            long at = lsn > 0 && WalName.offsetOf(lsn, segmentSize) == 0 ? lsn - 1 : lsn;
            currentWal = WalName.segmentOf(Integer.parseInt(wal.get("tli")), at, segmentSize);
        }
        Map<String, String> archiver = pg.row("SELECT current_setting('archive_mode') AS archive_mode, "
                + "current_setting('archive_command') AS archive_command, last_archived_wal, "
                + "last_archived_time::text AS last_archived_time, failed_count::text AS failed_count, "
                + "last_failed_wal, last_failed_time::text AS last_failed_time, "
                + "(CAST(archived_count AS NUMERIC) / EXTRACT(EPOCH FROM age(now(), stats_reset)))::float8::text "
                + "AS rate FROM pg_stat_archiver");
        return new ServerStatus(version, recovery, size, dataDirectory, currentWal, archiver.get("archive_mode"),
                archiver.get("archive_command"), archiver.get("last_archived_wal"),
                time(archiver.get("last_archived_time")), number(archiver.get("failed_count")),
                archiver.get("last_failed_wal"), time(archiver.get("last_failed_time")),
                archiver.get("rate") == null ? null : Double.valueOf(archiver.get("rate")));
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

    private static long parseSize(String setting) {
        // SHOW-style values such as 16MB; current_setting returns them with a unit.
        String s = setting.trim();
        long factor = 1;
        if (s.endsWith("MB")) {
            factor = 1024L * 1024;
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("GB")) {
            factor = 1024L * 1024 * 1024;
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("kB")) {
            factor = 1024;
            s = s.substring(0, s.length() - 2);
        }
        return Long.parseLong(s.trim()) * factor;
    }

    private static OffsetDateTime time(String s) {
        return s == null ? null : PyDateTime.parse(s);
    }

    private static Long number(String s) {
        return s == null ? null : Long.valueOf(s);
    }
}
