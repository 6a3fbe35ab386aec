package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 19 must-show 3, "faults, nothing lost", for barmanj's barman-cloud-backup and barman-cloud-wal-archive on
 * PostgreSQL 15 against S3Proxy, Barman 3.4's barman-cli-cloud as the peer: the S3 server stopped in the middle
 * of a backup's upload; a WAL upload killed with kill -9 half-way through its body; wrong credentials; a bucket
 * that does not exist.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CloudFaultsIT {
    static final int S3_PORT = 9796;
    /** The port of {@link StallingProxy}, in front of S3Proxy. */
    static final int PROXY_PORT = 9797;
    static final int PG_PORT = 6796;
    static final String PG = "cfaults15";
    static final CloudLab LAB = new CloudLab("cloudfaults", S3_PORT);
    static final String BUCKET = "faultsbkt";

    @BeforeAll
    static void lab() {
        Lab.lab("pg", "destroy", PG);
        LAB.start();
    }

    @AfterAll
    static void down() {
        Lab.lab("pg", "destroy", PG);
        LAB.stop();
    }

    /** The incomplete multipart uploads of the bucket as "KEY UPLOADID" lines, listed by boto3 (not by ours). */
    static List<String> multipartUploads(String bucket) {
        Proc r = Proc.run("python3", "-c", "import boto3,sys\n"
                + "s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',"
                + " aws_access_key_id='" + CloudLab.KEY + "', aws_secret_access_key='" + CloudLab.SECRET + "')\n"
                + "for u in s3.list_multipart_uploads(Bucket=sys.argv[2]).get('Uploads', []):\n"
                + "    print(u['Key'], u['UploadId'])\n", LAB.endpoint, bucket);
        assertEquals(0, r.exit(), r.err());
        return r.out().lines().toList();
    }

    static List<Path> backupDirs() throws IOException {
        Path base = LAB.object(BUCKET, "p/demo/base");
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(base)) {
            return s.sorted().toList();
        }
    }

    /** PostgreSQL 15, archiving with ours into s3://BUCKET/p (created once; the WAL test changes its command). */
    static void startPg() {
        String archive = LAB.archiveCommand(LAB.ours("barman-cloud-wal-archive"), "s3://" + BUCKET + "/p", "demo");
        Lab.lab("pg", "start", PG, "15", "127.0.0.1", String.valueOf(PG_PORT), archive);
    }

    static Path pgWal(String segment) {
        return Path.of("/var/lib/edb/" + PG + "/data/pg_wal/" + segment);
    }

    @Test
    @Order(1)
    void s3StoppedMidUploadExits2LeavesNoDoneAndTheNextBackupAbortsTheLeftoverUpload() throws Exception {
        startPg();
        // About 150 MB of PGDATA: with -J 1 the upload takes seconds, the stop lands after its first part.
        Lab.psql(PG, "CREATE TABLE filler AS SELECT g, md5(g::text) || md5((g * 7)::text) AS m"
                + " FROM generate_series(1, 1200000) g");
        Lab.psql(PG, "CHECKPOINT");

        List<String> backup = List.of("env", "AWS_ACCESS_KEY_ID=" + CloudLab.KEY,
                "AWS_SECRET_ACCESS_KEY=" + CloudLab.SECRET, LAB.ours("barman-cloud-backup"), "--endpoint-url",
                LAB.endpoint, "--immediate-checkpoint", "-h", "127.0.0.1", "-p", String.valueOf(PG_PORT),
                "-U", "barman", "-J", "1", "s3://" + BUCKET + "/p", "demo");
        Path err = Files.createTempFile("cfaults", ".err");
        Process running = new ProcessBuilder(backup).redirectErrorStream(false)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        // S3Proxy keeps the parts of an upload in BUCKET/.mpus-UPLOADID-p/KEY-PART: stop it once part 1 is in.
        Path firstPart = null;
        for (int i = 0; i < 600 && firstPart == null && running.isAlive(); i++) {
            Thread.sleep(50);
            firstPart = firstPart();
        }
        assertTrue(firstPart != null, "the first part of data.tar reached S3Proxy: " + Files.readString(err));
        long stopped = System.nanoTime();
        LAB.stop(); // SIGTERM, then waits for S3Proxy to end (up to 10 s)
        System.out.printf("CloudFaultsIT: S3Proxy stopped in %.2f s%n", (System.nanoTime() - stopped) / 1e9);
        assertTrue(running.waitFor(120, TimeUnit.SECONDS), "ours exits within 2 minutes of the stop");
        double seconds = (System.nanoTime() - stopped) / 1e9;
        System.out.printf("CloudFaultsIT: ours exited %d %.2f s after the stop of S3Proxy began%n", running.exitValue(),
                seconds);
        String stderr = Files.readString(err);
        assertEquals(2, running.exitValue(), stderr);
        assertTrue(stderr.contains("Backup failed uploading data ("), stderr);
        assertTrue(stderr.contains("the next barman-cloud-backup of this server aborts it"), stderr);
        assertTrue(seconds < 30, "bounded: " + seconds + " s");

        Lab.lab("s3", "start", String.valueOf(S3_PORT), LAB.s3Dir.toString());
        List<Path> dirs = backupDirs();
        for (Path d : dirs) {
            assertFalse(Files.exists(d.resolve("backup.info")), "no backup.info at all (the server was down): " + d);
        }
        List<String> left = multipartUploads(BUCKET);
        assertEquals(1, left.size(), "the abort could not reach the stopped server: " + left);
        String leftKey = left.get(0).split(" ")[0];
        assertTrue(leftKey.matches("p/demo/base/\\d{8}T\\d{6}/data\\.tar"), leftKey);
        // Barman 3.4 sees no backup.
        Proc list34 = LAB.run(null, "barman-cloud-backup-list", "s3://" + BUCKET + "/p", "demo");
        assertEquals(0, list34.exit(), list34.err());
        assertFalse(list34.out().contains(leftKey.split("/")[3]), list34.out());

        // The next run, server back: aborts the leftover upload (logged), and backs up.
        Proc next = Proc.run(backup);
        assertEquals(0, next.exit(), next.err());
        assertTrue(next.err().contains("Aborted the incomplete multipart upload of '" + leftKey + "' (upload id "
                + left.get(0).split(" ")[1] + ") left by backup " + leftKey.split("/")[3] + " (no backup.info)"),
                next.err());
        assertEquals(List.of(), multipartUploads(BUCKET));
        dirs = backupDirs();
        Path done = dirs.get(dirs.size() - 1);
        assertTrue(Files.readString(done.resolve("backup.info")).contains("status=DONE\n"));
        Proc show34 = LAB.run(null, "barman-cloud-backup-show", "s3://" + BUCKET + "/p", "demo",
                done.getFileName().toString());
        assertEquals(0, show34.exit(), show34.err());
        assertTrue(show34.out().contains("Status                 : DONE"), show34.out());
    }

    private static Path firstPart() throws IOException {
        Path bucket = LAB.s3Dir.resolve(BUCKET);
        if (!Files.isDirectory(bucket)) {
            return null;
        }
        try (Stream<Path> s = Files.walk(bucket)) {
            return s.filter(p -> p.toString().contains("/.mpus-") && p.getFileName().toString().equals("data.tar-1")
                    && sizeOf(p) > 0).findFirst().orElse(null);
        }
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * A TCP proxy in front of S3Proxy that forwards everything, except that once it has seen the request line of
     * a PUT of {@code key} it forwards only {@code allowed} more bytes of it and then stalls that connection (the
     * rest of the body never reaches S3Proxy); when the client end dies it closes the server end. Until
     * {@link #release} it holds every later connection unanswered.
     */
    static final class StallingProxy implements AutoCloseable {
        final ServerSocket server;
        final byte[] needle;
        final int allowed;
        final CountDownLatch stalled = new CountDownLatch(1);
        final CountDownLatch truncated = new CountDownLatch(1);
        final CountDownLatch released = new CountDownLatch(1);
        final AtomicBoolean armed = new AtomicBoolean(true);
        final List<Socket> sockets = new ArrayList<>();

        StallingProxy(int port, String key, int allowed) throws IOException {
            server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
            needle = ("PUT /" + key + " ").getBytes(StandardCharsets.US_ASCII);
            this.allowed = allowed;
            Thread t = new Thread(this::accept, "stalling-proxy");
            t.setDaemon(true);
            t.start();
        }

        void release() {
            released.countDown();
        }

        private void accept() {
            try {
                while (true) {
                    Socket client = server.accept();
                    boolean first = armed.get();
                    Thread t = new Thread(() -> serve(client, first), "stalling-proxy-conn");
                    t.setDaemon(true);
                    t.start();
                }
            } catch (IOException e) {
                // Closed.
            }
        }

        private void serve(Socket client, boolean maybeStall) {
            try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), S3_PORT)) {
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                if (!maybeStall) {
                    released.await();
                }
                Thread back = new Thread(() -> pump(upstream, client), "stalling-proxy-back");
                back.setDaemon(true);
                back.start();
                InputStream in = client.getInputStream();
                OutputStream out = upstream.getOutputStream();
                byte[] buf = new byte[65536];
                byte[] tail = new byte[0];
                long left = -1;
                int n;
                while ((n = in.read(buf)) > 0) {
                    if (left < 0 && armed.get()) {
                        byte[] window = new byte[tail.length + n];
                        System.arraycopy(tail, 0, window, 0, tail.length);
                        System.arraycopy(buf, 0, window, tail.length, n);
                        int at = indexOf(window, needle);
                        if (at >= 0 && armed.compareAndSet(true, false)) {
                            // Forward the request line onwards, up to `allowed` bytes from it.
                            int start = Math.max(0, at - tail.length);
                            out.write(buf, 0, start);
                            int send = (int) Math.min(n - start, allowed);
                            out.write(buf, start, send);
                            out.flush();
                            left = allowed - send;
                            if (left == 0) {
                                stall(in, out);
                                return;
                            }
                            continue;
                        }
                        tail = java.util.Arrays.copyOfRange(window, Math.max(0, window.length - needle.length),
                                window.length);
                    }
                    if (left > 0) {
                        int send = (int) Math.min(n, left);
                        out.write(buf, 0, send);
                        out.flush();
                        left -= send;
                        if (left == 0) {
                            stall(in, out);
                            return;
                        }
                        continue;
                    }
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // A side went away: both ends close.
            }
        }

        /** Reads and drops what the client still sends, until it dies; then the server end is closed. */
        private void stall(InputStream in, OutputStream out) throws IOException {
            stalled.countDown();
            byte[] buf = new byte[65536];
            try {
                // Not forwarded: the client fills its socket buffers, then blocks, until it is killed.
                while (in.read(buf) > 0) {
                    Thread.onSpinWait();
                }
            } catch (IOException e) {
                // Reset by the kill.
            }
            out.close();
            truncated.countDown();
        }

        private static void pump(Socket from, Socket to) {
            try {
                from.getInputStream().transferTo(to.getOutputStream());
            } catch (IOException e) {
                // Closed.
            }
        }

        private static int indexOf(byte[] hay, byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= hay.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (hay[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        @Override
        public void close() throws IOException {
            released.countDown();
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    @Test
    @Order(2)
    void walUploadKilledMidBodyLeavesNoPartialObjectAndPostgresRetries() throws Exception {
        startPg();
        LAB.createBucket("walkill");
        String segment = Lab.psql(PG, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        String key = "walkill/p/demo/wals/" + segment.substring(0, 16) + "/" + segment;
        Path object = LAB.s3Dir.resolve(key);
        try (StallingProxy proxy = new StallingProxy(PROXY_PORT, key, 1 << 20)) {
            String archive = "env " + CloudLab.CREDS + " " + LAB.ours("barman-cloud-wal-archive")
                    + " --endpoint-url http://127.0.0.1:" + PROXY_PORT + " s3://walkill/p demo %p";
            Lab.psql(PG, "ALTER SYSTEM SET archive_command = '" + archive.replace("'", "''") + "'");
            Lab.psql(PG, "SELECT pg_reload_conf()");
            Lab.psql(PG, "CREATE TABLE walfill AS SELECT g, md5(g::text) FROM generate_series(1, 100000) g");
            Lab.psql(PG, "SELECT pg_switch_wal()");
            assertTrue(proxy.stalled.await(60, TimeUnit.SECONDS), "the PUT of " + segment + " reached the proxy");
            Thread.sleep(500);
            // The JVM of ours' barman-cloud-wal-archive blocked in that PUT (with --look-ahead it may have been
            // started for an earlier segment: every one of ours still running is killed, each by its pid).
            List<ProcessHandle> jvms = ProcessHandle.allProcesses()
                    .filter(h -> h.info().commandLine().orElse("").contains("org.barmanj.cloud.CloudWalArchive")
                            && h.info().commandLine().orElse("").contains(LAB.dist.toString()))
                    .toList();
            assertFalse(jvms.isEmpty(), "ours' wal-archive JVM uploading " + segment);
            for (ProcessHandle jvm : jvms) {
                Proc.run("kill", "-9", String.valueOf(jvm.pid())).ok();
            }
            assertTrue(proxy.truncated.await(30, TimeUnit.SECONDS), "the killed upload's connection closed");
            // S3Proxy got 1 MiB of a 16 MiB body, then the end: nothing is visible under the segment's name.
            Thread.sleep(1000);
            assertFalse(Files.exists(object), "no object under the segment's name after the kill");
            Path probe = Files.createTempDirectory("cfaults").resolve("probe");
            Proc none = LAB.run(null, "barman-cloud-wal-restore", "s3://walkill/p", "demo", segment, probe.toString());
            assertEquals(1, none.exit(), "Barman 3.4 finds no such WAL: " + none.err());
            // PostgreSQL retries on its own once S3 answers again; the archive ends byte-identical to pg_wal.
            proxy.release();
            assertTrue(LAB.awaitObject(object) || LAB.awaitObject(object), "PostgreSQL retried " + segment);
            BackupIT.waitFor(() -> Lab.psql(PG, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
                    .compareTo(segment) >= 0, "the segment archived");
            Path fetched = probe.resolveSibling("fetched");
            Proc r = LAB.run(null, "barman-cloud-wal-restore", "s3://walkill/p", "demo", segment, fetched.toString());
            assertEquals(0, r.exit(), r.err());
            assertArrayEquals(Files.readAllBytes(pgWal(segment)), Files.readAllBytes(fetched));
        }
    }

    @Test
    @Order(3)
    void wrongCredentialsAndMissingBucketAsBarman34() throws Exception {
        Path dir = Files.createTempDirectory("cfaults");
        String wrong = "wrong-secret-Zq81x";
        String[][] commands = {
            {"barman-cloud-backup", "-h", "127.0.0.1", "-p", String.valueOf(PG_PORT), "-U", "barman",
                "s3://credsbkt/p", "demo"},
            {"barman-cloud-wal-restore", "s3://credsbkt/p", "demo", "000000010000000000000001",
                dir.resolve("w").toString()},
            {"barman-cloud-restore", "s3://credsbkt/p", "demo", "20260101T000000", dir.resolve("r").toString()},
            {"barman-cloud-backup-list", "s3://credsbkt/p", "demo"},
        };
        for (String[] c : commands) {
            String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            Proc theirs = LAB.runWithSecret(null, wrong, c[0], args);
            Proc ours = LAB.runWithSecret(null, wrong, LAB.ours(c[0]), args);
            assertEquals(theirs.exit(), ours.exit(), c[0] + ": Barman 3.4 " + theirs.err() + " ours " + ours.err());
            assertEquals(4, ours.exit(), ours.err());
            assertEquals("", ours.out(), c[0]);
            List<String> lines = ours.err().lines().toList();
            assertEquals(1, lines.size(), ours.err());
            assertTrue(lines.get(0).contains("HTTP 403") && lines.get(0).contains("access denied"), lines.get(0));
            assertFalse(ours.err().contains(wrong) || ours.out().contains(wrong), "secret printed");
            assertFalse(theirs.err().contains(wrong) || theirs.out().contains(wrong), "Barman 3.4 printed it");
        }
        assertFalse(Files.exists(LAB.s3Dir.resolve("credsbkt")), "no bucket created with wrong credentials");

        // A bucket that does not exist: the readers refuse (exit 1), the writers create it.
        String[][] readers = {
            {"barman-cloud-wal-restore", "s3://nosuchbkt/p", "demo", "000000010000000000000001",
                dir.resolve("w").toString()},
            {"barman-cloud-restore", "s3://nosuchbkt/p", "demo", "20260101T000000", dir.resolve("r").toString()},
            {"barman-cloud-backup-list", "s3://nosuchbkt/p", "demo"},
        };
        for (String[] c : readers) {
            String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            Proc theirs = LAB.run(null, c[0], args);
            Proc ours = LAB.run(null, LAB.ours(c[0]), args);
            assertEquals(1, theirs.exit(), theirs.err());
            assertEquals(1, ours.exit(), ours.err());
            assertTrue(theirs.err().contains("Bucket nosuchbkt does not exist"), theirs.err());
            assertTrue(ours.err().trim().endsWith("ERROR: Bucket nosuchbkt does not exist"), ours.err());
            assertEquals(1, ours.err().lines().count(), ours.err());
        }
        assertFalse(Files.exists(LAB.s3Dir.resolve("nosuchbkt")));
        startPg();
        String segment = Lab.psql(PG, "SELECT pg_walfile_name(pg_current_wal_lsn())");
        Path wal = dir.resolve(segment);
        Files.copy(pgWal(segment), wal);
        Proc archived = LAB.run(null, LAB.ours("barman-cloud-wal-archive"), "s3://newbkt/p", "demo", wal.toString());
        assertEquals(0, archived.exit(), archived.err());
        assertArrayEquals(Files.readAllBytes(wal),
                Files.readAllBytes(LAB.object("newbkt", "p/demo/wals/" + segment.substring(0, 16) + "/" + segment)));
    }
}
