package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A timeline switch in the middle of a stream, with pg_receivewal 15 as the oracle: both receivers stream from a
 * standby (PostgreSQL 15) through their own slots; the standby is promoted (timeline 2), the primary stopped. The
 * stream of timeline 1 ends at the switch, within a segment; our receiver, still the same process, fetches 00000002.history and goes
 * on in timeline 2, as pg_receivewal does. Both folders then hold the same files with the same bytes (timeline 1's last segment as a
 * {@code .partial}), and
 * archive-wal files them all.
 */
class StreamingTimelineSwitchIT {
    private static final String PRIMARY = "tls-pg1";
    private static final String STANDBY = "tls-pg2";
    private static final int PRIMARY_PORT = 6530;
    private static final int STANDBY_PORT = 6531;

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @Test
    void receiverGoesOnInTheNewTimelineAsPgReceivewal() throws Exception {
        Lab.lab("pg", "destroy", STANDBY);
        Lab.lab("pg", "destroy", PRIMARY);
        BarmanHome home = StreamingLab.streamingHome("timeline-switch", "pg2-srv", STANDBY_PORT);
        Path ours = home.root.resolve("demo/streaming");
        Path theirs = home.root.resolve("pg_receivewal");
        String dbname = "host=pg2-srv user=barman port=" + STANDBY_PORT + " application_name=pg_receivewal";
        Process receiver = null;
        Process oracle = null;
        try {
            System.out.println("StreamingTimelineSwitchIT: running against PostgreSQL "
                    + Lab.startPostgres(PRIMARY, 15, "pg1-srv", PRIMARY_PORT));
            Lab.psql(PRIMARY, "CREATE TABLE t (id int PRIMARY KEY, tli int)");
            Proc.as("enterprisedb", "mkdir", "-p", "/var/lib/edb/" + STANDBY).ok();
            Proc.as("enterprisedb", StreamingLab.PG15_BIN + "/pg_basebackup", "-h", "/var/lib/edb/" + PRIMARY + "/run",
                    "-p", String.valueOf(PRIMARY_PORT), "-D", "/var/lib/edb/" + STANDBY + "/data", "-R", "-X",
                    "stream", "-c", "fast").ok();
            RecoveryIT.startRestored(STANDBY, 15, "pg2-srv", STANDBY_PORT, "");
            assertEquals("t", Lab.psql(STANDBY, "SELECT pg_is_in_recovery()"), "a standby");

            receiver = StreamingLab.startReceiveWal(home, "receive-wal.log");
            StreamingLab.waitStreaming(STANDBY, "barman_receive_wal");
            Proc.as("barman", "mkdir", "-p", theirs.toString()).ok();
            Proc.as("barman", StreamingLab.PG15_BIN + "/pg_receivewal", "--create-slot", "--slot=pgrw", "--no-password",
                    "--dbname=" + dbname).ok();
            oracle = new ProcessBuilder("runuser", "-u", "barman", "--", StreamingLab.PG15_BIN + "/pg_receivewal",
                    "--verbose", "--no-loop", "--no-password", "--slot=pgrw", "--directory=" + theirs,
                    "--dbname=" + dbname).redirectErrorStream(true)
                    .redirectOutput(home.root.resolve("pg_receivewal.log").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            StreamingLab.waitStreaming(STANDBY, "pg_receivewal");

            // Timeline 1: written on the primary, replayed by the standby, streamed from it to both receivers.
            Lab.psql(PRIMARY, "INSERT INTO t SELECT generate_series(1, 100000), 1");
            Lab.psql(PRIMARY, "SELECT pg_switch_wal()");
            Lab.psql(PRIMARY, "INSERT INTO t SELECT generate_series(100001, 100100), 1");
            BackupIT.waitFor(() -> Lab.psql(STANDBY, "SELECT count(*) FROM t").equals("100100"),
                    "the standby to replay the primary's last rows");
            // Promoted with the primary still up: the switch falls within a segment (a primary shutting down with
            // archive_mode = on ends its WAL with a switch, and the standby's timeline then ends on a boundary).
            Proc.as("enterprisedb", StreamingLab.PG15_BIN + "/pg_ctl", "promote", "-w", "-D",
                    "/var/lib/edb/" + STANDBY + "/data").ok();
            assertTrue(Lab.psql(STANDBY, "SELECT pg_walfile_name(pg_current_wal_lsn())").startsWith("00000002"),
                    "the promoted standby writes timeline 2");
            Lab.lab("pg", "stop", PRIMARY);
            Lab.psql(STANDBY, "INSERT INTO t SELECT generate_series(200001, 200100), 2");
            String closed = Lab.psql(STANDBY, "SELECT pg_walfile_name(pg_switch_wal())");
            assertTrue(closed.startsWith("00000002"), closed);
            for (Path folder : List.of(ours, theirs)) {
                BackupIT.waitFor(() -> Files.exists(folder.resolve(closed)), closed + " in " + folder + "\nours:\n"
                        + StreamingLab.log(home, "receive-wal.log") + "\npg_receivewal:\n"
                        + StreamingLab.log(home, "pg_receivewal.log"));
            }
            assertTrue(receiver.isAlive(), "our receiver went on, it did not end:\n"
                    + StreamingLab.log(home, "receive-wal.log"));
            assertTrue(oracle.isAlive(), StreamingLab.log(home, "pg_receivewal.log"));
            assertTrue(StreamingLab.log(home, "receive-wal.log").contains("switched to timeline 2 at "),
                    StreamingLab.log(home, "receive-wal.log"));
            assertTrue(StreamingLab.log(home, "pg_receivewal.log").contains("switched to timeline 2 at "),
                    StreamingLab.log(home, "pg_receivewal.log"));

            // The same files, byte for byte: all but the segment each is writing now in timeline 2.
            List<String> ourFiles = settled(ours);
            assertEquals(settled(theirs), ourFiles, "the two folders");
            // Timeline 2 starts in the segment of the switch (the history file's position): both have its file.
            String history = Files.readString(ours.resolve("00000002.history"));
            String[] at = history.strip().split("\t")[1].split("/");
            String switchSegment = String.format("%08X%08X", Long.parseLong(at[0], 16), Long.parseLong(at[1], 16)
                    >>> 24);
            assertEquals(Files.readString(Path.of("/var/lib/edb/" + STANDBY + "/data/pg_wal/00000002.history")),
                    history, "the history file's content");
            assertTrue(StreamingLab.names(ours).stream().anyMatch(n -> n.startsWith("00000002" + switchSegment)),
                    "timeline 2's first segment " + switchSegment + ": " + StreamingLab.names(ours));
            assertTrue(ourFiles.contains("00000001" + switchSegment + ".partial"), "timeline 1's last segment, cut "
                    + "at the switch, stays a .partial: " + ourFiles);
            for (String f : ourFiles) {
                assertArrayEquals(Files.readAllBytes(theirs.resolve(f)), Files.readAllBytes(ours.resolve(f)), f);
            }
            System.out.println("StreamingTimelineSwitchIT: switch at " + history.strip().split("\t")[1] + "; "
                    + ourFiles.size() + " files identical to pg_receivewal's across the switch: " + ourFiles
                    + "\nours:\n" + StreamingLab.log(home, "receive-wal.log") + "pg_receivewal:\n"
                    + StreamingLab.log(home, "pg_receivewal.log"));

            // archive-wal files both timelines (an older .partial is archived once timeline 2's is there).
            Lab.psql(STANDBY, "SELECT txid_current()");
            BackupIT.waitFor(() -> StreamingLab.names(ours).stream().anyMatch(n -> n.startsWith("00000002")
                    && n.endsWith(".partial")), "timeline 2's next .partial");
            home.barman("archive-wal", "demo").ok();
            Path wals = home.root.resolve("demo/wals");
            for (String f : ourFiles) {
                Path filed = f.endsWith(".history") ? wals.resolve(f) : wals.resolve(f.substring(0, 16)).resolve(f);
                assertTrue(Files.exists(filed), filed + " archived");
            }
        } finally {
            home.barman("receive-wal", "--stop", "demo");
            StreamingLab.kill(receiver);
            StreamingLab.kill(oracle);
            Lab.lab("pg", "destroy", STANDBY);
            Lab.lab("pg", "destroy", PRIMARY);
            home.delete();
        }
    }

    /** The folder's files but for timeline 2's {@code .partial} (still being written). */
    private static List<String> settled(Path folder) throws Exception {
        // Not the segment being written in timeline 2, nor (ours) the next one padded ahead, hidden.
        return StreamingLab.names(folder).stream().filter(n -> !(n.startsWith("00000002") && n.endsWith(".partial"))
                && !n.startsWith(".")).toList();
    }
}
