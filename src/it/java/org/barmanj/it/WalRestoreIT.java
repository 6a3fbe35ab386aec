package org.barmanj.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standby that has no connection to its primary, only {@code restore_command = barman-wal-restore ...}:
 * it replays the archive up to the primary's last archived segment.
 */
class WalRestoreIT {
    @Test
    void standbyReplaysFromTheArchiveAlone() throws IOException {
        Lab.startSshd();
        String primary = "it-restore-primary";
        String standby = "it-restore-standby";
        BarmanHome home = new BarmanHome("restore").tutorialServer("pg1-srv", 5815).ownedByBarman();
        try {
            Lab.lab("pg", "destroy", primary);
            Lab.lab("pg", "destroy", standby);
            String version = Lab.lab("pg", "start", primary, "15", "pg1-srv", "5815",
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p").out().strip();
            System.out.println("WalRestoreIT: running against PostgreSQL " + version);
            Lab.psql(primary, "CREATE TABLE t (i int)");
            // A base backup of the primary, without WAL: everything must come from the archive.
            Path data = Path.of("/var/lib/edb/" + standby + "/data");
            Proc.as("enterprisedb", "mkdir", "-p", data.getParent().resolve("run").toString()).ok();
            Proc.as("enterprisedb", "/usr/lib/postgresql/15/bin/pg_basebackup", "-h",
                    "/var/lib/edb/" + primary + "/run", "-p", "5815", "-U", "enterprisedb", "-D", data.toString(),
                    "-X", "none", "-c", "fast").ok();
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(1, 1000)");
            home.barman("switch-wal", "--archive", "demo").ok();
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(1001, 2500)");
            Proc last = home.barman("switch-wal", "--archive", "demo").ok();
            String lastWal = last.out().lines().findFirst().orElseThrow()
                    .replaceAll("^The WAL file (\\S+) has been closed.*$", "$1");
            String conf = data.resolve("postgresql.conf").toString();
            String settings = Files.readString(Path.of(conf))
                    .replace("port = 5815", "port = 5816")
                    .replace("unix_socket_directories = '/var/lib/edb/" + primary + "/run'",
                            "unix_socket_directories = '/var/lib/edb/" + standby + "/run'")
                    .replaceAll("(?m)^archive_command = .*$", "archive_command = 'true'")
                    + "restore_command = 'barman-wal-restore -U barman -c " + home.conf
                    + " --parallel 2 --spool-dir /var/lib/edb/" + standby + "/spool backup-srv demo %f %p'\n";
            Files.writeString(Path.of(conf), settings);
            Files.writeString(data.resolve("standby.signal"), "");
            Proc.run("chown", "-R", "enterprisedb:", data.toString()).ok();
            Lab.lab("pg", "start", standby, "15", "pg1-srv", "5816");
            // The first position of the last archived segment (16 MiB segments).
            String segmentStart = Long.toHexString(Long.parseLong(lastWal.substring(8, 16), 16)).toUpperCase() + "/"
                    + Long.toHexString(Long.parseLong(lastWal.substring(16, 24), 16) << 24).toUpperCase();
            long deadline = System.nanoTime() + 120_000_000_000L;
            String reached = "f";
            while (System.nanoTime() < deadline) {
                reached = Lab.psql(standby, "SELECT coalesce(pg_last_wal_replay_lsn() >= '" + segmentStart
                        + "'::pg_lsn, false) AND (SELECT count(*) FROM t) = 2500");
                if (reached.equals("t")) {
                    break;
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
            assertEquals("t", reached, "replayed into " + lastWal + " with every row: "
                    + Lab.psql(standby, "SELECT pg_last_wal_replay_lsn()"));
            assertEquals("2500", Lab.psql(standby, "SELECT count(*) FROM t"));
            assertEquals("t", Lab.psql(standby, "SELECT pg_is_in_recovery()"));
        } finally {
            Lab.lab("pg", "destroy", standby);
            Lab.lab("pg", "destroy", primary);
            home.delete();
        }
    }
}
