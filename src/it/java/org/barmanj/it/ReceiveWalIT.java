package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barman receive-wal} against real PostgreSQL 13, 15 and 17, with the built-in receiver (no pg_receivewal):
 * the slot created, WAL streamed under pgbench load into streaming/, every complete segment byte-identical to the
 * primary's, {@code --stop} ending it with exit code 0, a restart continuing the {@code .partial} (rewritten in
 * place, not duplicated), a {@code kill -9} and a PostgreSQL restart losing nothing; and a point-in-time recovery
 * from a backup plus streamed WAL only (archive_command discards, archiver = off), to a time between two commits.
 */
class ReceiveWalIT {
    private static final String PGBENCH = "/usr/lib/postgresql/15/bin/pgbench";

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @AfterAll
    static void destroy() {
        for (int major : new int[] {13, 15, 17}) {
            Lab.lab("pg", "destroy", "recv-it" + major);
            Lab.lab("pg", "destroy", "recv-pitr" + major);
            Lab.lab("pg", "destroy", "recv-pitr" + major + "-r");
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 15, 17})
    void streamsStopsAndResumes(int major) throws Exception {
        String name = "recv-it" + major;
        int port = 6150 + major;
        Lab.lab("pg", "destroy", name);
        String version = Lab.startPostgres(name, major, "pg1-srv", port);
        System.out.println("ReceiveWalIT: running against PostgreSQL " + version);
        BarmanHome home = new BarmanHome("recv" + major).tutorialServer("pg1-srv", port)
                .withOptions("streaming_archiver = on\nslot_name = barman\n").ownedByBarman();
        Path streaming = home.root.resolve("demo/streaming");
        Path pgWal = Path.of("/var/lib/edb/" + name + "/data/pg_wal");
        try {
            Proc create = home.barman("receive-wal", "--create-slot", "demo").ok();
            assertEquals("Creating physical replication slot 'barman' on server 'demo'\n"
                    + "Replication slot 'barman' created\n", create.out());

            Receiver first = Receiver.start(home);
            waitStreaming(name);
            pgbench(port, "-i", "-s", "1");
            pgbench(port, "-T", "3", "-c", "2");
            String closed = switchWal(home);
            waitFor(() -> Files.exists(streaming.resolve(closed)), "segment " + closed + " received");
            // Compared at each step: the slot only keeps the segments from its restart point in pg_wal.
            TreeSet<String> compared = new TreeSet<>();
            sameAsPrimary(streaming, pgWal, compared);
            assertFalse(compared.isEmpty(), "no segment compared");

            Lab.psql(name, "CREATE TABLE after_switch AS SELECT g FROM generate_series(1, 1000) g");
            String partial = waitPartial(streaming);
            long firstPid = first.pid();
            Proc stop = home.barman("receive-wal", "--stop", "demo").ok();
            assertEquals("Stopped process receive-wal(" + firstPid + ")\n", stop.out());
            Proc ended = first.waitEnd();
            assertEquals(0, ended.exit(), ended.out() + ended.err());
            assertTrue(ended.out().startsWith("Starting receive-wal for server demo\n"), ended.out());
            assertTrue(ended.out().endsWith("SIGINT received. Terminate gracefully.\n"), ended.out());
            assertEquals(1, home.barman("receive-wal", "--stop", "demo").exit(), "nothing left to stop");

            // Restart: the .partial is streamed again from its start and completed in place.
            Receiver second = Receiver.start(home);
            waitStreaming(name);
            assertTrue(second.out().contains("starting log streaming at "), second.out());
            String segment = partial.substring(0, 24);
            String closedAgain = switchWal(home);
            waitFor(() -> Files.exists(streaming.resolve(closedAgain)), "segment " + closedAgain + " received");
            assertTrue(Files.exists(streaming.resolve(segment)), segment + " completed");
            assertFalse(Files.exists(streaming.resolve(partial)), partial + " renamed, not duplicated");
            assertContiguous(streaming);
            sameAsPrimary(streaming, pgWal, compared);

            // kill -9 mid-segment: the slot holds the WAL, the restart continues the .partial.
            pgbench(port, "-T", "2", "-c", "2");
            String killedIn = waitPartial(streaming);
            Proc.run("kill", "-9", String.valueOf(second.pid())).ok();
            assertEquals(137, second.waitEnd().exit());
            Receiver third = Receiver.start(home);
            waitStreaming(name);
            pgbench(port, "-T", "2", "-c", "2");
            sameAsPrimary(streaming, pgWal, compared);

            // PostgreSQL restarted under the receiver: it ends with an error, as pg_receivewal --no-loop.
            Lab.lab("pg", "stop", name);
            Proc lost = third.waitEnd();
            assertEquals(1, lost.exit(), lost.out() + lost.err());
            assertTrue(lost.err().contains("ERROR: receive-wal terminated with error: "), lost.err());
            Lab.startPostgres(name, major, "pg1-srv", port);
            Receiver fourth = Receiver.start(home);
            waitStreaming(name);
            Lab.psql(name, "CREATE TABLE after_restart AS SELECT g FROM generate_series(1, 1000) g");
            String last = switchWal(home);
            waitFor(() -> Files.exists(streaming.resolve(last)), "segment " + last + " received");
            assertTrue(Files.exists(streaming.resolve(killedIn.substring(0, 24))), killedIn + " completed");
            List<String> all = assertContiguous(streaming);
            sameAsPrimary(streaming, pgWal, compared);
            System.out.println("ReceiveWalIT: PostgreSQL " + major + ": " + all.size() + " segments from "
                    + all.get(0) + " to " + all.get(all.size() - 1) + " with none missing; " + compared.size()
                    + " of them compared with pg_wal while there, byte-identical");
            home.barman("receive-wal", "--stop", "demo").ok();
            assertEquals(0, fourth.waitEnd().exit());
            assertEquals(List.of(), StreamingLab.names(streaming).stream().filter(n -> n.startsWith(".")).toList(),
                    "the segment padded ahead is removed when the receiver ends");
            Proc drop = home.barman("receive-wal", "--drop-slot", "demo").ok();
            assertTrue(drop.out().endsWith("Replication slot 'barman' dropped\n"), drop.out());
        } finally {
            home.barman("receive-wal", "--stop", "demo");
            home.delete();
        }
    }

    /**
     * The WAL after a backup comes only from the receiver: the lab's archive_command discards every segment and the
     * server has archiver = off. Under pgbench load, switch-wal then archive-wal: every segment streamed and filed is
     * byte-identical to the primary's; a recovery to a time between two commits has exactly the rows committed
     * before it. On PostgreSQL 17 with 64 MiB WAL segments (initdb --wal-segsize).
     */
    @ParameterizedTest(name = "PostgreSQL {0}, {1} MiB segments")
    @CsvSource({"13, 16", "15, 16", "17, 64"})
    void pointInTimeRecoveryFromStreamedWal(int major, int segmentMiB) throws Exception {
        String name = "recv-pitr" + major;
        String restored = name + "-r";
        int port = 6500 + major;
        Lab.lab("pg", "destroy", name);
        Lab.lab("pg", "destroy", restored);
        System.out.println("ReceiveWalIT: PITR against PostgreSQL " + Lab.startPostgres(name, major, "pg1-srv", port,
                segmentMiB));
        assertEquals(segmentMiB + "MB", Lab.psql(name, "SHOW wal_segment_size"));
        BarmanHome home = StreamingLab.streamingHome("recvpitr" + major, "pg1-srv", port);
        Path streaming = home.root.resolve("demo/streaming");
        Path pgWal = Path.of("/var/lib/edb/" + name + "/data/pg_wal");
        Process receiver = null;
        Process light = null;
        try {
            // pg_wal keeps every segment, for the comparison of the whole archive at the end.
            Lab.psql(name, "ALTER SYSTEM SET wal_keep_size = '1GB'");
            Lab.psql(name, "SELECT pg_reload_conf()");
            receiver = StreamingLab.startReceiveWal(home, "receive-wal.log");
            StreamingLab.waitStreaming(name, "barman_receive_wal");
            pgbench(port, "-i", "-s", "1");
            Lab.psql(name, "CREATE TABLE t (id int PRIMARY KEY)");
            // A light load meanwhile: as Barman's, archive-wal leaves the newest segment in streaming/ until the
            // receiver starts the next one, which an idle server only does at its next background WAL record.
            light = new ProcessBuilder(pgbenchCommand(port, "-R", "10", "-T", "600", "-c", "1"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // A first WAL file in the archive, as a backup requires (Barman's check "WAL archive").
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            Proc backup = home.barman("backup", "demo", "--wait");
            assertEquals(0, backup.exit(), backup.out() + backup.err() + StreamingLab.log(home, "receive-wal.log"));

            TreeSet<String> compared = new TreeSet<>();
            pgbench(port, "-T", "5", "-c", "2");
            StreamingLab.kill(light);
            light.waitFor();
            // Its last transaction may still commit on the server: counted only once its session is gone.
            waitFor(() -> Lab.psql(name, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgbench'")
                    .equals("0"), "pgbench's sessions to end");
            sameAsPrimary(streaming, pgWal, compared);
            Lab.psql(name, "INSERT INTO t SELECT generate_series(1, 10)");
            String history = Lab.psql(name, "SELECT count(*) FROM pgbench_history");
            Thread.sleep(1100);
            String time = Lab.psql(name, "SELECT now()::timestamptz(0)::text");
            Thread.sleep(1100);
            Lab.psql(name, "INSERT INTO t SELECT generate_series(11, 20)");
            pgbench(port, "-T", "2", "-c", "2");
            String closed = switchWal(home);
            waitFor(() -> Files.exists(streaming.resolve(closed)), "segment " + closed + " received");
            Lab.psql(name, "SELECT txid_current()");
            waitPartial(streaming);
            sameAsPrimary(streaming, pgWal, compared);
            assertFalse(compared.isEmpty(), "no segment compared");

            Proc filing = home.barman("archive-wal", "demo").ok();
            Path wals = home.root.resolve("demo/wals");
            Path archived = wals.resolve(closed.substring(0, 16)).resolve(closed);
            assertTrue(Files.exists(archived), closed + " filed by archive-wal: " + filing.out() + filing.err()
                    + "\nstreaming/: " + StreamingLab.names(streaming) + "\nwals/: " + StreamingLab.names(
                    wals.resolve(closed.substring(0, 16))));
            assertEquals(List.of(), StreamingLab.names(home.root.resolve("demo/incoming")),
                    "nothing came through archive_command");
            List<String> filed = StreamingLab.names(wals.resolve(closed.substring(0, 16))).stream()
                    .filter(f -> f.matches("[0-9A-F]{24}")).toList();
            for (String segment : filed) {
                assertArrayEquals(Files.readAllBytes(pgWal.resolve(segment)), Files.readAllBytes(wals.resolve(
                        segment.substring(0, 16)).resolve(segment)), segment + " in the archive");
            }
            // The WAL before the first backup is removed by it, as Barman's: the archive starts at its begin WAL.
            String beginWal = home.barman("show-backup", "demo", "latest").ok().out().lines()
                    .filter(l -> l.strip().startsWith("Begin WAL")).map(l -> l.replaceAll(".*: *", "")).findFirst()
                    .orElseThrow();
            assertEquals(beginWal, filed.get(0), "the archive's first segment");
            assertEquals(Long.parseLong(closed.substring(16), 16) - Long.parseLong(beginWal.substring(16), 16) + 1,
                    filed.size(), "every segment from " + beginWal + " to " + closed + ": " + filed);

            Proc r = home.barman("recover", "--remote-ssh-command", "ssh enterprisedb@pg2-srv", "--target-time", time,
                    "--target-action", "promote", "demo", "latest", "/var/lib/edb/" + restored + "/data");
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("Doing PITR. Recovery target time: '"), r.out());
            RecoveryIT.startRestored(restored, major, "pg2-srv", port + 10, "");
            BackupIT.waitFor(() -> Lab.psql(restored, "SELECT pg_is_in_recovery()").equals("f"), "recovery to end");
            assertEquals("10", Lab.psql(restored, "SELECT count(*) FROM t"), "the rows committed before " + time);
            assertEquals(history, Lab.psql(restored, "SELECT count(*) FROM pgbench_history"),
                    "pgbench's transactions, all committed before " + time);
            System.out.println("ReceiveWalIT: PostgreSQL " + major + " (" + segmentMiB + " MiB segments): recovered to "
                    + time + " from streamed WAL; "
                    + filed.size() + " segments filed from streaming/, " + filed.get(0) + " to " + closed
                    + ", each byte-identical to pg_wal");
        } finally {
            home.barman("receive-wal", "--stop", "demo");
            StreamingLab.kill(light);
            StreamingLab.kill(receiver);
            Lab.lab("pg", "destroy", restored);
            Lab.lab("pg", "destroy", name);
            home.delete();
        }
    }

    /** {@code barman receive-wal demo} in the background, as the barman user. */
    private record Receiver(Process process, Path outFile, Path errFile, BarmanHome home) {
        static Receiver start(BarmanHome home) throws IOException {
            Path out = Files.createTempFile("recv-out", ".txt");
            Path err = Files.createTempFile("recv-err", ".txt");
            Process p = new ProcessBuilder("runuser", "-u", home.user, "--", Lab.BARMAN.toString(), "-c",
                    home.conf.toString(), "receive-wal", "demo").redirectOutput(out.toFile())
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File(
                            "/dev/null"))).start();
            Receiver r = new Receiver(p, out, err, home);
            waitFor(() -> r.pid() > 0, "receive-wal's lock");
            return r;
        }

        /** The receiver's pid, from its lock file once this run has written it there (0 before). */
        long pid() {
            try {
                Path lock = home.root.resolve(".demo-receive-wal.lock");
                String text = Files.exists(lock) ? Files.readString(lock).strip() : "";
                if (text.isEmpty()) {
                    return 0;
                }
                long pid = Long.parseLong(text);
                return process.descendants().anyMatch(h -> h.pid() == pid) ? pid : 0;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        String out() throws IOException {
            return Files.readString(outFile, StandardCharsets.UTF_8);
        }

        Proc waitEnd() throws Exception {
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "receive-wal ended");
            return new Proc(process.exitValue(), out(), Files.readString(errFile, StandardCharsets.UTF_8));
        }
    }

    private static void pgbench(int port, String... args) {
        Proc.run(pgbenchCommand(port, args)).ok();
    }

    /** pgbench 15 as the barman user over TCP (its .pgpass) on the lab server at pg1-srv:port. */
    private static List<String> pgbenchCommand(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of("runuser", "-u", "barman", "--", PGBENCH, "-h", "pg1-srv", "-p",
                String.valueOf(port), "-U", "barman"));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        return cmd;
    }

    /** switch-wal after some WAL, so that it closes a segment; returns the closed segment's name. */
    private static String switchWal(BarmanHome home) {
        Proc sw = home.barman("switch-wal", "--force", "demo").ok();
        String closed = sw.out().lines().findFirst().orElse("")
                .replaceAll("^The WAL file (\\S+) has been closed on server 'demo'$", "$1");
        assertTrue(closed.matches("[0-9A-F]{24}"), sw.out());
        return closed;
    }

    private static void waitStreaming(String name) {
        waitFor(() -> Lab.psql(name, "SELECT count(*) FROM pg_stat_replication WHERE application_name = "
                + "'barman_receive_wal' AND state = 'streaming'").equals("1"), "receive-wal streaming");
    }

    private static String waitPartial(Path streaming) {
        String[] found = new String[1];
        waitFor(() -> {
            found[0] = files(streaming).stream().filter(f -> f.endsWith(".partial")).findFirst().orElse(null);
            return found[0] != null;
        }, "a .partial in " + streaming);
        return found[0];
    }

    private static void waitFor(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The folder's files as Barman's glob sees them: not the hidden next segment the receiver pads ahead. */
    private static TreeSet<String> files(Path folder) {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
                    .collect(TreeSet::new, TreeSet::add, TreeSet::addAll);
        } catch (IOException e) {
            return new TreeSet<>();
        }
    }

    /** Complete segments also in pg_wal (the slot keeps them there) compared byte by byte, added to {@code done}. */
    private static void sameAsPrimary(Path streaming, Path pgWal, TreeSet<String> done) throws IOException {
        for (String f : files(streaming)) {
            if (f.matches("[0-9A-F]{24}") && Files.exists(pgWal.resolve(f))) {
                assertArrayEquals(Files.readAllBytes(pgWal.resolve(f)), Files.readAllBytes(streaming.resolve(f)), f);
                done.add(f);
            }
        }
    }

    /** Every segment between the first and the last is there, complete, each once; returns the complete ones. */
    private static List<String> assertContiguous(Path streaming) {
        List<String> complete = files(streaming).stream().filter(f -> f.matches("[0-9A-F]{24}")).toList();
        assertFalse(complete.isEmpty(), "no segment in " + streaming);
        for (String f : files(streaming)) {
            if (f.endsWith(".partial")) {
                assertFalse(complete.contains(f.substring(0, 24)), f + " beside its complete segment");
            }
        }
        for (int i = 1; i < complete.size(); i++) {
            long before = Long.parseLong(complete.get(i - 1).substring(8), 16);
            long after = Long.parseLong(complete.get(i).substring(8), 16);
            // 16 MiB segments: the segment number is the name's last 16 digits, 0xFF the last of a log id.
            boolean next = after == before + 1 || (before % 0x100000000L == 0xFF && after == before - 0xFF
                    + 0x100000000L);
            assertTrue(next, "missing segments between " + complete.get(i - 1) + " and " + complete.get(i));
        }
        return complete;
    }
}
