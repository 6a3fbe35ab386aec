package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17, must-show 4: with streaming_archiver_name (barman_receive_wal) in synchronous_standby_names, our
 * receive-wal is a synchronous standby and a commit returns only once the receiver has its WAL in the streaming
 * folder, fsynced: commits wait while the receiver is stopped (receive-wal --stop) or frozen (SIGSTOP, a receiver
 * that does not fsync), and return once it runs again.
 */
class SyncReceiveIT {
    private static final String PG = "follow-sync";
    private static final int PORT = 6310;

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @Test
    void commitsWaitForTheReceiversFsync() throws Exception {
        Lab.lab("pg", "destroy", PG);
        BarmanHome home = StreamingLab.streamingHome("follow-sync", "pg1-srv", PORT);
        Process receiver = null;
        Process waiting = null;
        try {
            String version = Lab.startPostgres(PG, 15, "pg1-srv", PORT);
            System.out.println("SyncReceiveIT: running against PostgreSQL " + version);
            Lab.psql(PG, "CREATE EXTENSION pg_walinspect");
            Lab.psql(PG, "CREATE TABLE t (id int PRIMARY KEY, note text)");
            home.barman("receive-wal", "--create-slot", "demo").ok();
            Lab.psql(PG, "ALTER SYSTEM SET synchronous_standby_names = 'barman_receive_wal'");
            Lab.psql(PG, "SELECT pg_reload_conf()");

            receiver = StreamingLab.startReceiveWal(home, "receive-wal-1.log");
            StreamingLab.waitStreaming(PG, "barman_receive_wal");
            assertEquals("sync", Lab.psql(PG, "SELECT sync_state FROM pg_stat_replication WHERE application_name = "
                    + "'barman_receive_wal'"), "our receiver is the synchronous standby");

            // A commit returns; frozen at once, the receiver has the commit record in its folder, byte for byte.
            String before = Lab.psql(PG, "SELECT pg_current_wal_insert_lsn()");
            Process first = StreamingLab.psqlInBackground(PG, PORT,
                    "BEGIN; INSERT INTO t VALUES (1, 'first commit'); SELECT pg_current_xact_id(); COMMIT;");
            assertTrue(StreamingLab.exited(first, 30), "a commit returns while the receiver runs");
            long pid = StreamingLab.receiverPid(home);
            Proc.run("kill", "-STOP", String.valueOf(pid)).ok();
            String xid = new String(first.getInputStream().readAllBytes()).strip();
            assertEquals(0, first.exitValue(), xid);
            String commitEnd = Lab.psql(PG, "SELECT end_lsn FROM pg_get_wal_records_info('" + before
                    + "', pg_current_wal_flush_lsn()) WHERE resource_manager = 'Transaction' AND record_type = "
                    + "'COMMIT' AND xid = '" + xid + "'");
            assertFalse(commitEnd.isEmpty(), "the commit record of xid " + xid);
            assertEquals("t", Lab.psql(PG, "SELECT flush_lsn >= '" + commitEnd + "' FROM pg_stat_replication "
                    + "WHERE application_name = 'barman_receive_wal'"), "reported flushed past the commit");
            assertReceived(home, commitEnd);

            // Frozen (SIGSTOP: it neither writes nor fsyncs), the receiver holds commits back.
            waiting = StreamingLab.psqlInBackground(PG, PORT, "INSERT INTO t VALUES (2, 'while frozen')");
            assertFalse(StreamingLab.exited(waiting, 6), "a commit waits while the receiver is frozen");
            assertEquals("1", Lab.psql(PG, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'"));
            assertEquals("1", Lab.psql(PG, "SELECT count(*) FROM t"), "the waiting commit is not visible yet");
            resume(receiver, pid);
            assertTrue(StreamingLab.exited(waiting, 30), "the commit returns once the receiver runs again");
            assertEquals(0, waiting.exitValue());
            assertEquals("2", Lab.psql(PG, "SELECT count(*) FROM t"));

            // Stopped (receive-wal --stop): no synchronous standby, commits wait; a new receiver releases them.
            Proc stop = home.barman("receive-wal", "--stop", "demo");
            assertEquals(0, stop.exit(), stop.out() + stop.err());
            assertTrue(stop.out().contains("Stopped process receive-wal(" + pid + ")"), stop.out());
            assertTrue(StreamingLab.exited(receiver, 30), "receive-wal ends on --stop");
            waiting = StreamingLab.psqlInBackground(PG, PORT, "INSERT INTO t VALUES (3, 'while stopped')");
            assertFalse(StreamingLab.exited(waiting, 6), "a commit waits while no receiver runs");
            assertEquals("0", Lab.psql(PG, "SELECT count(*) FROM pg_stat_replication"));
            assertEquals("1", Lab.psql(PG, "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'"));
            receiver = StreamingLab.startReceiveWal(home, "receive-wal-2.log");
            assertTrue(StreamingLab.exited(waiting, 60), "the commit returns once receive-wal runs again:\n"
                    + StreamingLab.log(home, "receive-wal-2.log"));
            assertEquals(0, waiting.exitValue());
            assertEquals("3", Lab.psql(PG, "SELECT count(*) FROM t"));
            String third = Lab.psql(PG, "SELECT pg_current_wal_flush_lsn()");
            assertEquals("t", Lab.psql(PG, "SELECT flush_lsn >= '" + third + "' FROM pg_stat_replication "
                    + "WHERE application_name = 'barman_receive_wal' AND sync_state = 'sync'"));
            Proc.run("kill", "-STOP", String.valueOf(StreamingLab.receiverPid(home))).ok();
            assertReceived(home, third);
            resume(receiver, StreamingLab.receiverPid(home));
            assertEquals(0, home.barman("receive-wal", "--stop", "demo").exit());
            assertTrue(StreamingLab.exited(receiver, 30), "receive-wal ends on --stop");
        } finally {
            StreamingLab.kill(waiting);
            StreamingLab.kill(receiver);
            StreamingLab.stopLeftReceiver(home);
            Lab.lab("pg", "destroy", PG);
            home.delete();
        }
    }

    /**
     * SIGCONT to the receiver's JVM and to the runuser above it: runuser stops itself when its child stops, and
     * stopped it would not reap the receiver once it ends.
     */
    private static void resume(Process runuser, long pid) {
        Proc.run("kill", "-CONT", String.valueOf(pid)).ok();
        Proc.run("kill", "-CONT", String.valueOf(runuser.pid())).ok();
    }

    /**
     * The streaming folder holds the primary's WAL up to {@code lsn}: the bytes of the segment holding it, from
     * the segment's start to the LSN, equal the primary's pg_wal file (as SegmentFile or .partial).
     */
    private static void assertReceived(BarmanHome home, String lsn) throws Exception {
        String segment = Lab.psql(PG, "SELECT pg_walfile_name('" + lsn + "'::pg_lsn - 1)");
        long offset = Long.parseLong(Lab.psql(PG, "SELECT (('" + lsn + "'::pg_lsn - '0/0') % 16777216)::bigint"));
        if (offset == 0) {
            offset = 16777216;
        }
        Path folder = home.root.resolve("demo/streaming");
        Path received = Files.exists(folder.resolve(segment)) ? folder.resolve(segment)
                : folder.resolve(segment + ".partial");
        assertTrue(Files.exists(received), segment + " in " + StreamingLab.names(folder));
        byte[] ours = Files.readAllBytes(received);
        byte[] primary = Files.readAllBytes(Path.of("/var/lib/edb/" + PG + "/data/pg_wal/" + segment));
        assertTrue(ours.length >= offset, received + " holds " + ours.length + " bytes, fewer than " + offset);
        assertArrayEquals(Arrays.copyOf(primary, (int) offset), Arrays.copyOf(ours, (int) offset),
                received + " up to " + lsn);
    }
}
