package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code keepalive_interval}: while rsync copies (slowed down by {@code bandwidth_limit}), the backup's own
 * PostgreSQL session, the one in backup mode, runs {@code SELECT 1} every second; the backup still ends DONE.
 */
class KeepaliveIT {
    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @Test
    void theBackupSessionIsPingedDuringTheCopy() throws Exception {
        String name = "it-keepalive15";
        int port = 5816;
        BarmanHome home = new BarmanHome("keepalive").tutorialServer("pg1-srv", port)
                .withOptions("immediate_checkpoint = true\nkeepalive_interval = 1\nbandwidth_limit = 8000\n")
                .ownedByBarman();
        try {
            Lab.lab("pg", "destroy", name);
            Lab.lab("pg", "start", name, "15", "pg1-srv", String.valueOf(port),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p");
            BackupIT.pgbench(name, port, "-i", "-q", "-s", "4").ok();
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            CompletableFuture<Proc> backup = CompletableFuture.supplyAsync(() -> home.barman("backup", "demo",
                    "--wait"));
            // The session in backup mode (pg_stat_activity's backend_xid is not it: look at its last query).
            BackupIT.waitFor(() -> backup.isDone() || Lab.psql(name, "SELECT count(*) FROM pg_stat_activity "
                    + "WHERE usename = 'barman' AND query = 'SELECT 1'").strip().equals("1"),
                    "a keepalive query on the backup's session");
            assertTrue(!backup.isDone(), "the keepalive was seen while the backup ran");
            Proc done = backup.get();
            assertEquals(0, done.exit(), done.out() + done.err());
            assertTrue(home.barman("list-backups", "demo").ok().out().contains("Size:"));
        } finally {
            Lab.lab("pg", "destroy", name);
            home.delete();
        }
    }
}
