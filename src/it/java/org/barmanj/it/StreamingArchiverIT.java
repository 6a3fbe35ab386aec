package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code streaming_archiver = on} against a real PostgreSQL 15 and Debian's Barman 3.4 on the same configuration:
 * check, status and show-servers with a slot created by SQL (before and while a receiver uses it),
 * replication-status while Debian's {@code pg_receivewal} streams through the slot, archive-wal of what it wrote
 * (on twin copies of the streaming folder, plus files placed by hand), and cron starting {@code receive-wal}.
 */
class StreamingArchiverIT {
    private static final String PG = "arch-pg15";
    private static final String HOST = "pg1-srv";
    private static final int PORT = 6215;
    private static final String STREAMING = "streaming_archiver = on\nslot_name = barman\n"
            + "streaming_conninfo = host=" + HOST + " user=barman dbname=postgres port=" + PORT + "\n";
    /** How many times a comparison with Barman 3.4 is run before a difference counts (see same()). */
    private static final int ATTEMPTS = 3;
    private static final Path PG_RECEIVEWAL = Path.of("/usr/lib/postgresql/15/bin/pg_receivewal");

    @BeforeAll
    static void start() {
        Lab.startSshd();
        Lab.startPostgres(PG, 15, HOST, PORT);
        freshSlot();
    }

    @AfterAll
    static void stop() {
        Lab.lab("pg", "destroy", PG);
    }

    /** The slot as {@code receive-wal --create-slot} makes it: physical, no WAL reserved until first used. */
    private static void freshSlot() {
        Lab.psql(PG, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'barman'");
        Lab.psql(PG, "SELECT pg_create_physical_replication_slot('barman')");
    }

    private static BarmanHome home(String name) throws IOException {
        return new BarmanHome(name).tutorialServer(HOST, PORT).withOptions(STREAMING).ownedByBarman();
    }

    @Test
    void checkStatusReplicationStatusAndArchiveWalAsBarman34() throws Exception {
        freshSlot();
        BarmanHome home = home("arch");
        BarmanHome twin = home("arch-twin");
        Process receiver = null;
        Process lockHolder = null;
        try {
            // A slot nobody has used yet: Barman's replication slot row fails, no receiver runs.
            Proc check = same(home, "check", "demo");
            assertTrue(check.out().contains("\treplication slot: FAILED (slot 'barman' not initialised: is "
                    + "'receive-wal' running?)\n"), check.out());
            assertTrue(check.out().contains("\tPostgreSQL streaming: OK\n"), check.out());
            assertTrue(check.out().contains("\treceive-wal running: FAILED (See the Barman log file for more "
                    + "details)\n"), check.out());
            same(home, "-f", "json", "check", "demo");
            same(home, "status", "demo");
            same(home, "-f", "json", "status", "demo");
            Proc show = sameShowServers(home);
            assertTrue(show.out().contains("\tpg_receivexlog_path: built-in\n"), show.out());

            // pg_receivewal streams through the slot into streaming/; a process holding receive-wal's lock (with
            // its pid, as Barman writes it) stands for our receiver.
            Path streaming = home.root.resolve("demo/streaming");
            Proc.as("barman", "mkdir", "-p", streaming.toString()).ok();
            receiver = new ProcessBuilder("runuser", "-u", "barman", "--", PG_RECEIVEWAL.toString(), "-S", "barman",
                    "-n", "-d", "host=" + HOST + " port=" + PORT + " user=barman application_name=barman_receive_wal",
                    "-D", streaming.toString()).redirectErrorStream(true)
                    .redirectOutput(home.root.resolve("pg_receivewal.log").toFile()).start();
            waitUntil(() -> Lab.psql(PG, "SELECT active FROM pg_replication_slots WHERE slot_name = 'barman'")
                    .equals("t"), "the slot in use by pg_receivewal");
            Path lock = home.root.resolve(".demo-receive-wal.lock");
            lockHolder = new ProcessBuilder("runuser", "-u", "barman", "--", "sh", "-c",
                    "echo $$ > " + lock + "; exec flock " + lock + " sleep 300").start();
            waitUntil(() -> Proc.as("barman", "flock", "-n", lock.toString(), "true").exit() != 0,
                    "the receive-wal lock held");

            check = same(home, "check", "demo");
            assertTrue(check.out().contains("\treplication slot: OK\n"), check.out());
            assertTrue(check.out().contains("\treceive-wal running: OK\n"), check.out());
            assertTrue(check.out().contains("\tpg_receivexlog compatible: OK\n"), check.out());
            sameShowServers(home);
            for (String format : new String[] {"console", "json"}) {
                Proc all = same(home, "-f", format, "replication-status", "demo");
                assertTrue(all.out().contains("barman_receive_wal"), all.out());
                same(home, "-f", format, "replication-status", "--minimal", "demo");
                same(home, "-f", format, "replication-status", "--target", "wal-streamer", "demo");
                same(home, "-f", format, "replication-status", "--target", "hot-standby", "--minimal", "demo");
            }
            Proc all = home.barman("replication-status", "demo").ok();
            assertTrue(all.out().contains("  1. Async WAL streamer\n") && all.out().contains(
                    "     Replication slot: barman\n"), all.out());

            // WAL for three segments, then the receiver stops with them complete and the next one .partial.
            for (int i = 0; i < 3; i++) {
                Lab.psql(PG, "CREATE TABLE IF NOT EXISTS t (x int); INSERT INTO t SELECT generate_series(1, 1000); "
                        + "SELECT pg_switch_wal()");
            }
            waitUntil(() -> names(streaming).stream().filter(n -> n.matches("[0-9A-F]{24}")).count() >= 3
                    && names(streaming).stream().anyMatch(n -> n.endsWith(".partial")), "3 segments streamed");
            stopTree(receiver);
            receiver = null;

            // By hand: an older .partial (a previous receiver's), an unknown file, and a temporary one.
            byte[] content = new byte[16 << 20];
            new Random(1).nextBytes(content);
            Path noise = Files.write(home.root.resolve("noise"), content);
            Files.write(streaming.resolve("000000010000000000000001.partial"), content);
            Files.writeString(streaming.resolve("notes.txt"), "not a WAL file");
            Files.writeString(streaming.resolve("00000001000000000000000F.tmp"), "being written");
            Proc.run("chown", "-R", "barman:", streaming.toString()).ok();
            Path twinStreaming = twin.root.resolve("demo/streaming");
            // The twin's folders as check made the other's (Barman 3.4 does not create errors/ to move files there).
            for (String folder : new String[] {"base", "errors", "incoming", "wals"}) {
                Proc.as("barman", "mkdir", "-p", twin.root.resolve("demo").resolve(folder).toString()).ok();
            }
            Proc.as("barman", "cp", "-a", streaming.toString(), twinStreaming.toString()).ok();
            List<String> streamed = names(streaming);

            Proc archived = sameOnTwins(home, twin, "archive-wal", "demo");
            assertTrue(archived.out().startsWith("Processing xlog segments from streaming for demo\n"), archived.out());
            assertTrue(archived.out().contains("\t000000010000000000000001.partial\n"), archived.out());
            String newestPartial = streamed.stream().filter(n -> n.endsWith(".partial")).reduce((a, b) -> b)
                    .orElseThrow();
            assertEquals(List.of(newestPartial, "00000001000000000000000F.tmp"), names(streaming),
                    "the receiver's .partial and the temporary file stay");
            sameTrees(home, twin);

            // Again: a segment archived already, the same (dropped) and different (to errors/ as a duplicate).
            String segment = streamed.stream().filter(n -> n.matches("[0-9A-F]{24}")).findFirst().orElseThrow();
            String other = streamed.stream().filter(n -> n.matches("[0-9A-F]{24}")).skip(1).findFirst()
                    .orElseThrow();
            for (BarmanHome h : List.of(home, twin)) {
                Path s = h.root.resolve("demo/streaming");
                Path wals = h.root.resolve("demo/wals").resolve(segment.substring(0, 16));
                Proc.as("barman", "cp", "-a", wals.resolve(segment).toString(), s.resolve(segment).toString()).ok();
                Proc.run("cp", noise.toString(), s.resolve(other).toString()).ok();
                Proc.run("chown", "barman:", s.resolve(other).toString()).ok();
            }
            archived = sameOnTwins(home, twin, "archive-wal", "demo");
            assertTrue(archived.out().contains("\tError: " + other + " is already present in server demo. File "
                    + "moved to errors directory.\n"), archived.out());
            sameTrees(home, twin);
        } finally {
            if (receiver != null) {
                stopTree(receiver);
            }
            if (lockHolder != null) {
                stopTree(lockHolder);
            }
            home.delete();
            twin.delete();
        }
    }

    /**
     * {@code receive-wal --reset} as Barman 3.4's on twin homes: a stale {@code .partial} behind the server is
     * replaced by an empty one at the slot's (here: the server's) position; then nothing to do; a file ahead of the
     * server is an error. Same output, exit code and folder.
     */
    @Test
    void resetAsBarman34() throws Exception {
        freshSlot();
        BarmanHome home = home("reset");
        BarmanHome twin = home("reset-twin");
        try {
            // No WAL switch here: the other tests compare status with Barman 3.4, whose archiving rate moves with
            // the clock once a segment is archived. Segment 0 is behind whatever segment the server is in.
            String[][] cases = {
                {"000000010000000000000000.partial"},
                {},
                {"0000000100000000000000F0.partial"},
            };
            for (String[] files : cases) {
                for (BarmanHome h : List.of(home, twin)) {
                    Path streaming = h.root.resolve("demo/streaming");
                    Proc.as("barman", "mkdir", "-p", streaming.toString()).ok();
                    for (String f : files) {
                        Proc.as("barman", "touch", streaming.resolve(f).toString()).ok();
                    }
                }
                Proc theirs = twin.barman34("receive-wal", "--reset", "demo");
                Proc ours = home.barman("receive-wal", "--reset", "demo");
                String what = "receive-wal --reset with " + List.of(files) + " added";
                assertEquals(theirs.out().replace(twin.root.toString(), "HOME"),
                        ours.out().replace(home.root.toString(), "HOME"), what + "\nours' stderr: " + ours.err());
                // Barman 3.4 logs to stderr too when no log file is set: its messages are compared, not its log.
                assertEquals(messages(theirs.err()).replace(twin.root.toString(), "HOME"),
                        messages(ours.err()).replace(home.root.toString(), "HOME"), what);
                assertEquals(theirs.exit(), ours.exit(), what);
                assertEquals(names(twin.root.resolve("demo/streaming")), names(home.root.resolve("demo/streaming")),
                        what);
                System.out.println("StreamingArchiverIT: " + what + ": exit " + ours.exit() + ", " + ours.out().strip()
                        .replace("\n", " / ") + ours.err().strip() + "; streaming/ " + names(home.root.resolve(
                        "demo/streaming")));
            }
        } finally {
            home.delete();
            twin.delete();
        }
    }

    /**
     * cron starts {@code barman receive-wal demo} detached: once it has exited, the receiver runs on, holds its lock
     * (with its pid), streams through the slot, leads a session of its own, and a second cron starts no other one.
     */
    @Test
    void cronStartsReceiveWalDetached() throws Exception {
        freshSlot();
        BarmanHome home = home("arch-cron");
        Path lock = home.root.resolve(".demo-receive-wal.lock");
        Long pid = null;
        try {
            Proc cron = home.barman("cron").ok();
            assertTrue(cron.out().contains("Starting streaming archiver for server demo\n"), cron.out());
            waitUntil(() -> Proc.as("barman", "flock", "-n", lock.toString(), "true").exit() != 0,
                    "receive-wal holding its lock after cron exited");
            pid = Long.parseLong(Files.readAllLines(lock).get(0).strip());
            waitUntil(() -> Lab.psql(PG, "SELECT active FROM pg_replication_slots WHERE slot_name = 'barman'")
                    .equals("t"), "the receiver cron started streaming through the slot");
            String session = Proc.run("ps", "-o", "sid=", "-p", String.valueOf(pid)).ok().out().strip();
            assertEquals(String.valueOf(pid), session, "receive-wal leads a session of its own");
            Proc again = home.barman("cron").ok();
            assertFalse(again.out().contains("Starting streaming archiver"), again.out());
            assertEquals(String.valueOf(pid), Files.readAllLines(lock).get(0).strip(), "still the same receiver");
        } finally {
            if (pid != null) {
                Proc.run("kill", "-INT", String.valueOf(pid));
                Long started = pid;
                waitUntil(() -> Proc.run("kill", "-0", String.valueOf(started)).exit() != 0, "receive-wal ended");
            }
            home.delete();
        }
    }

    /**
     * Runs a command with ours and with Barman 3.4 on the same home: same exit code and output. The server is live
     * (its background writer logs a record now and then), so the WAL positions shown may move between the two
     * runs: a pair that differs is run again, up to {@link #ATTEMPTS} times, and one pair must be equal.
     */
    private static Proc same(BarmanHome home, String... args) {
        Proc theirs = home.barman34(args);
        Proc ours = home.barman(args);
        for (int i = 1; i < ATTEMPTS && !theirs.out().equals(ours.out()); i++) {
            theirs = home.barman34(args);
            ours = home.barman(args);
        }
        String what = String.join(" ", args);
        assertEquals(theirs.out(), ours.out(), what + "\nours' stderr: " + ours.err());
        assertEquals(theirs.exit(), ours.exit(), what + "\n" + ours.err());
        return ours;
    }

    /** stderr without log lines ({@code 2026-12-02 20:01:41,006 [9201] logger LEVEL: ...}). */
    private static String messages(String err) {
        return err.replaceAll("(?m)^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d+ \\[\\d+\\] .*\n", "");
    }

    /** The same on twin homes, ours on {@code home} and Barman 3.4 on {@code twin}; their paths normalised. */
    private static Proc sameOnTwins(BarmanHome home, BarmanHome twin, String... args) {
        Proc theirs = twin.barman34(args);
        Proc ours = home.barman(args);
        String what = String.join(" ", args);
        assertEquals(theirs.out().replace(twin.root.toString(), "HOME"),
                ours.out().replace(home.root.toString(), "HOME"), what + "\nours' stderr: " + ours.err());
        assertEquals(theirs.exit(), ours.exit(), what + "\n" + ours.err());
        return ours;
    }

    /**
     * show-servers in both formats: the same but for what tells which receiver is installed
     * ({@code pg_receivexlog_path}, {@code pg_receivexlog_version}: Debian's pg_receivewal for Barman 3.4).
     */
    private static Proc sameShowServers(BarmanHome home) {
        Proc ours = null;
        for (String format : new String[] {"console", "json"}) {
            Proc theirs = home.barman34("-f", format, "show-servers", "demo");
            Proc mine = home.barman("-f", format, "show-servers", "demo");
            for (int i = 1; i < ATTEMPTS && !receiverNeutral(theirs.out()).equals(receiverNeutral(mine.out())); i++) {
                // As in same(): current_lsn and xlogpos are live.
                theirs = home.barman34("-f", format, "show-servers", "demo");
                mine = home.barman("-f", format, "show-servers", "demo");
            }
            assertEquals(receiverNeutral(theirs.out()), receiverNeutral(mine.out()), "show-servers " + format);
            assertEquals(theirs.exit(), mine.exit());
            assertNotEquals(theirs.out(), mine.out(), "the receiver differs");
            if (ours == null) {
                ours = mine;
            }
        }
        return ours;
    }

    private static String receiverNeutral(String out) {
        return out.replaceAll("(pg_receivexlog_(?:path|version)\"?: )(\"[^\"]*\"|.*)", "$1<receiver>");
    }

    /** The files left in each server folder (error names without their time stamp), xlog.db byte for byte. */
    private static void sameTrees(BarmanHome home, BarmanHome twin) throws IOException {
        assertEquals(tree(twin.root.resolve("demo")), tree(home.root.resolve("demo")));
        assertEquals(Files.readString(twin.root.resolve("demo/wals/xlog.db")),
                Files.readString(home.root.resolve("demo/wals/xlog.db")), "xlog.db");
    }

    private static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()
                    .replaceAll("\\.\\d{8}T\\d{6}Z\\.", ".STAMP.")).filter(p -> !p.startsWith("identity.json"))
                    .sorted().toList();
        }
    }

    private static List<String> names(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.map(p -> p.getFileName().toString()).sorted().toList());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ends a process this test started and what it started (runuser's child), by their pids. */
    private static void stopTree(Process process) throws InterruptedException {
        for (ProcessHandle child : process.descendants().toList()) {
            child.destroy();
        }
        process.destroy();
        process.waitFor();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long until = System.currentTimeMillis() + 30_000;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > until) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(200);
        }
    }
}
