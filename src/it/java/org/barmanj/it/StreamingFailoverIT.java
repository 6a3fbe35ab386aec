package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17, must-show 5: a primary whose WAL only our receive-wal archives (slot, create_slot = auto); a standby
 * restored by ours from our backup follows it; the primary stops, the standby is promoted (timeline 2) and becomes
 * what conninfo and streaming_conninfo reach; cron starts receive-wal there (the slot created); the archive then
 * holds 00000002.history and timeline 2's segments with no segment missing since the backup, and a recovery with
 * --target-tli latest reaches the rows written after the promotion.
 */
class StreamingFailoverIT {
    private static final String PRIMARY = "follow-primary";
    private static final String STANDBY = "follow-standby";
    private static final String RESTORED = "follow-pitr";
    private static final int PRIMARY_PORT = 6320;
    private static final int STANDBY_PORT = 6321;
    private static final int RESTORED_PORT = 6322;
    private static final Pattern WAL = Pattern.compile("([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\\.partial)?");

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @Test
    void theArchiveFollowsThePromotedStandby() throws Exception {
        for (String s : List.of(PRIMARY, STANDBY, RESTORED)) {
            Lab.lab("pg", "destroy", s);
        }
        BarmanHome home = StreamingLab.streamingHome("follow-failover", "pg1-srv", PRIMARY_PORT);
        Process receiver = null;
        try {
            System.out.println("StreamingFailoverIT: running against PostgreSQL "
                    + Lab.startPostgres(PRIMARY, 15, "pg1-srv", PRIMARY_PORT));
            receiver = StreamingLab.startReceiveWal(home, "receive-wal-primary.log");
            StreamingLab.waitStreaming(PRIMARY, "barman_receive_wal");
            assertEquals("t", Lab.psql(PRIMARY, "SELECT active FROM pg_replication_slots WHERE slot_name = "
                    + "'barman'"), "create_slot = auto made the slot, the receiver uses it");
            Lab.psql(PRIMARY, "CREATE TABLE t (id int PRIMARY KEY, tli int)");
            Lab.psql(PRIMARY, "INSERT INTO t SELECT generate_series(1, 100), 1");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            Proc backup = home.barman("backup", "demo", "--wait");
            assertEquals(0, backup.exit(), backup.out() + backup.err() + StreamingLab.log(home,
                    "receive-wal-primary.log"));
            String backupId = home.barman("list-backups", "--minimal", "demo").ok().out().strip();
            String beginWal = field(home.barman("show-backup", "demo", backupId).ok().out(), "Begin WAL");

            // The standby, restored by ours, streams from the primary.
            Proc r = recover(home, "pg2-srv", STANDBY, "latest", "--standby-mode");
            assertEquals(0, r.exit(), r.out() + r.err());
            RecoveryIT.startRestored(STANDBY, 15, "pg2-srv", STANDBY_PORT,
                    "primary_conninfo = 'host=pg1-srv user=replic_user port=" + PRIMARY_PORT + "'\n");
            Lab.psql(PRIMARY, "INSERT INTO t SELECT generate_series(101, 200), 1");
            BackupIT.waitFor(() -> Lab.psql(STANDBY, "SELECT count(*) FROM t").equals("200"),
                    "the standby to receive the rows written after it started");

            // Failover: the primary stops (its receiver loses it), the standby is promoted to timeline 2.
            Lab.lab("pg", "stop", PRIMARY);
            assertTrue(StreamingLab.exited(receiver, 60), "receive-wal ends when its server goes away:\n"
                    + StreamingLab.log(home, "receive-wal-primary.log"));
            Proc.as("enterprisedb", StreamingLab.PG15_BIN + "/pg_ctl", "promote", "-w", "-D",
                    "/var/lib/edb/" + STANDBY + "/data").ok();
            BackupIT.waitFor(() -> Lab.psql(STANDBY, "SELECT pg_is_in_recovery()").equals("f"), "the promotion");
            assertTrue(Lab.psql(STANDBY, "SELECT pg_walfile_name(pg_current_wal_lsn())").startsWith("00000002"),
                    "the promoted standby writes timeline 2");

            // What conninfo and streaming_conninfo reach is now the promoted standby (a DNS name or a proxy would
            // move; the lab rewrites the server's section). cron restarts receive-wal there and creates the slot.
            StreamingLab.writeServer(home, "pg2-srv", STANDBY_PORT);
            assertEquals("0", Lab.psql(STANDBY, "SELECT count(*) FROM pg_replication_slots"));
            Proc cron = Proc.run(StreamingLab.asBarman(home, "cron"));
            assertEquals(0, cron.exit(), cron.out() + cron.err());
            StreamingLab.waitStreaming(STANDBY, "barman_receive_wal");
            assertEquals("t", Lab.psql(STANDBY, "SELECT active FROM pg_replication_slots WHERE slot_name = "
                    + "'barman'"), "cron's receive-wal created the slot on the new primary and uses it");

            Lab.psql(STANDBY, "INSERT INTO t SELECT generate_series(201, 300), 2");
            Proc switched = home.barman("switch-wal", "--force", "--archive", "demo");
            assertEquals(0, switched.exit(), switched.out() + switched.err() + "\nstreaming folder: "
                    + StreamingLab.names(home.root.resolve("demo/streaming")));
            home.barman("archive-wal", "demo").ok();

            Path wals = home.root.resolve("demo/wals");
            List<String> archived = new ArrayList<>();
            for (String hashDir : StreamingLab.names(wals)) {
                if (Files.isDirectory(wals.resolve(hashDir))) {
                    archived.addAll(StreamingLab.names(wals.resolve(hashDir)));
                } else {
                    archived.add(hashDir);
                }
            }
            assertTrue(archived.contains("00000002.history"), "timeline 2's history file is archived: " + archived);
            assertEquals(Files.readString(Path.of("/var/lib/edb/" + STANDBY + "/data/pg_wal/00000002.history")),
                    Files.readString(wals.resolve("00000002.history")), "the history file's content");
            assertTrue(archived.stream().anyMatch(n -> n.matches("00000002[0-9A-F]{16}")),
                    "timeline 2's segments are archived: " + archived);
            assertNoGap(archived, beginWal);

            // --target-tli latest from the timeline-1 backup reaches the rows written after the promotion.
            Proc pitr = recover(home, "pg3-srv", RESTORED, backupId, "--target-tli", "latest");
            assertEquals(0, pitr.exit(), pitr.out() + pitr.err());
            assertTrue(pitr.out().contains("Doing PITR. Recovery target timeline: 'latest'"), pitr.out());
            RecoveryIT.startRestored(RESTORED, 15, "pg3-srv", RESTORED_PORT, "");
            BackupIT.waitFor(() -> Lab.psql(RESTORED, "SELECT pg_is_in_recovery()").equals("f"), "recovery to end");
            assertEquals("300", Lab.psql(RESTORED, "SELECT count(*) FROM t"));
            assertEquals("100", Lab.psql(RESTORED, "SELECT count(*) FROM t WHERE tli = 2"),
                    "the rows written on timeline 2");
            assertTrue(Lab.psql(RESTORED, "SELECT pg_walfile_name(pg_current_wal_lsn())").startsWith("00000003"),
                    "the recovery followed timeline 2 and ended on a timeline of its own");
        } finally {
            home.barman("receive-wal", "--stop", "demo");
            StreamingLab.stopLeftReceiver(home);
            StreamingLab.kill(receiver);
            for (String s : List.of(RESTORED, STANDBY, PRIMARY)) {
                Lab.lab("pg", "destroy", s);
            }
            home.delete();
        }
    }

    private static Proc recover(BarmanHome home, String host, String name, String backupId, String... args) {
        List<String> all = new ArrayList<>(List.of("recover"));
        all.addAll(List.of(args));
        all.addAll(List.of("--remote-ssh-command", "ssh enterprisedb@" + host, "demo", backupId,
                "/var/lib/edb/" + name + "/data"));
        return home.barman(all.toArray(new String[0]));
    }

    private static String field(String showBackup, String name) {
        Matcher m = Pattern.compile("(?m)^\\s*" + Pattern.quote(name) + "\\s*:\\s*(\\S+)").matcher(showBackup);
        assertTrue(m.find(), name + " in\n" + showBackup);
        return m.group(1);
    }

    /**
     * Every segment from the backup's first to the last archived one is there, on timeline 1 up to the switch and
     * on timeline 2 from the switch's segment (the timeline-1 copy of that segment may be a .partial).
     */
    private static void assertNoGap(List<String> archived, String beginWal) {
        TreeMap<Long, List<String>> bySegment = new TreeMap<>();
        for (String name : archived) {
            Matcher m = WAL.matcher(name);
            if (m.matches()) {
                long segment = Long.parseLong(m.group(2), 16) * 256 + Long.parseLong(m.group(3), 16);
                bySegment.computeIfAbsent(segment, k -> new ArrayList<>()).add(name);
            }
        }
        Matcher begin = WAL.matcher(beginWal);
        assertTrue(begin.matches(), beginWal);
        long first = Long.parseLong(begin.group(2), 16) * 256 + Long.parseLong(begin.group(3), 16);
        long last = bySegment.lastKey();
        assertTrue(last > first, "segments after the backup's: " + bySegment);
        boolean onTwo = false;
        for (long s = first; s <= last; s++) {
            List<String> names = bySegment.getOrDefault(s, List.of());
            boolean full1 = names.stream().anyMatch(n -> n.startsWith("00000001") && !n.endsWith(".partial"));
            boolean full2 = names.stream().anyMatch(n -> n.startsWith("00000002") && !n.endsWith(".partial"));
            String what = "segment " + Long.toHexString(s) + " (" + names + ") in " + bySegment;
            assertTrue(onTwo ? full2 : full1 || full2, "no gap: " + what);
            onTwo |= full2;
        }
        assertTrue(onTwo, "the archive reaches timeline 2: " + bySegment);
    }
}
