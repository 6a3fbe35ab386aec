package org.barmanj.core.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sharing is only tried with OpenSSH; the lab's ITs exercise a real master (RecoveryIT checks none is left). */
class SharedConnectionTest {
    private static final String OPTIONS = " -o BatchMode=yes -o ConnectTimeout=10";

    @Test
    void onlyOpenSshCommandsWithoutSharingOfTheirOwnAreShared() {
        assertTrue(SharedConnection.mayShare("ssh postgres@pg"));
        assertTrue(SharedConnection.mayShare("  /usr/bin/ssh -p 2222 -o StrictHostKeyChecking=no -q postgres@pg"));
        assertFalse(SharedConnection.mayShare("dbclient postgres@pg"));
        assertFalse(SharedConnection.mayShare("sshpass -f pw ssh postgres@pg"));
        assertFalse(SharedConnection.mayShare("ssh -o ControlMaster=no postgres@pg"));
        assertFalse(SharedConnection.mayShare("ssh -oControlPath=/run/user/1/m postgres@pg"));
        assertFalse(SharedConnection.mayShare("ssh -o controlpersist=yes postgres@pg"));
        assertFalse(SharedConnection.mayShare("ssh -S /tmp/mux postgres@pg"));
        assertFalse(SharedConnection.mayShare("ssh -qM postgres@pg"));
        try (SharedConnection own = SharedConnection.of("ssh -o ControlMaster=no postgres@pg")) {
            assertEquals("ssh -o ControlMaster=no postgres@pg" + OPTIONS, own.sshCommand());
        }
        try (SharedConnection other = SharedConnection.of("dbclient postgres@pg")) {
            assertEquals("dbclient postgres@pg" + OPTIONS, other.sshCommand());
            assertEquals("dbclient postgres@pg" + OPTIONS, other.ownSshCommand());
        }
        try (SharedConnection local = SharedConnection.of(null)) {
            assertNull(local.sshCommand());
            assertNull(local.ownSshCommand());
        }
    }

    /**
     * The first short command opens a master (a child of this process) listening on the ControlPath socket; the
     * commands ride it once it listens, and close() ends the master, which removes its socket (with a stand-in
     * for OpenSSH's ssh that behaves so, see {@code remote/fake-ssh}; RecoveryIT runs a real one).
     */
    @Test
    void sharedCommandsRideOneMasterThatCloseEnds(@TempDir Path bin) throws Exception {
        String command = fakeSsh(bin) + " postgres@pg";
        Path socket;
        long masterPid;
        try (SharedConnection c = SharedConnection.of(command)) {
            assertEquals(command + OPTIONS, c.ownSshCommand());
            Matcher shared = Pattern.compile(Pattern.quote(command + OPTIONS) + " -o ControlMaster=no"
                    + " -o ControlPath='(/.*/barman-ssh-[0-9a-f]{16})'").matcher(c.sshCommand());
            assertTrue(shared.matches(), c.sshCommand());
            socket = Path.of(shared.group(1));
            for (int i = 0; i < 500 && !Files.exists(socket); i++) {
                Thread.sleep(10);
            }
            assertTrue(Files.exists(socket), "the master listens on " + socket);
            masterPid = Long.parseLong(Files.readString(socket).strip());
            assertTrue(ProcessHandle.current().descendants().anyMatch(p -> p.pid() == masterPid),
                    "the master is a child of this process, not put in the background");
            assertEquals(0, run(c.sshCommand() + " true"));
            assertEquals(3, run(c.sshCommand() + " 'exit 3'"), "the command's own exit code");
            assertEquals(List.of("master", "mux", "mux"), log(bin), "the commands ride the master");
        }
        assertFalse(Files.exists(socket), "close() returns once the master has removed its socket " + socket);
        assertFalse(running(masterPid), "the master has ended");
    }

    /** An ssh that cannot connect opens no master: the commands connect by themselves, close() returns at once. */
    @Test
    void commandsConnectByThemselvesWhenNoMasterListens(@TempDir Path bin) throws Exception {
        String command = fakeSsh(bin) + " postgres@down";
        long before = sockets();
        long start = System.nanoTime();
        try (SharedConnection c = SharedConnection.of(command)) {
            assertEquals(255, run(c.sshCommand() + " true"));
        }
        assertTrue(System.nanoTime() - start < 4_000_000_000L, "close() did not wait for a master");
        assertTrue(log(bin).contains("refused"), "the command tried by itself");
        assertFalse(log(bin).contains("master"), log(bin).toString());
        assertEquals(before, sockets());
    }

    /**
     * A host that accepts the connection and never answers (a listener on a loopback address that never sends
     * the ssh banner): every command ends after ConnectTimeout with ssh's own message, not hanging (real ssh).
     */
    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHostThatNeverAnswersFailsTheCommandAfterTheConnectTimeout() throws Exception {
        try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.77"));
             SharedConnection c = SharedConnection.of("ssh -p " + mute.getLocalPort() + " nobody@127.0.0.77")) {
            long start = System.nanoTime();
            Shell.Result r = Shell.run(c.sshCommand(), "true");
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(255, r.exit(), r.err());
            assertEquals(List.of("Connection timed out during banner exchange", "Connection to 127.0.0.77 port "
                    + mute.getLocalPort() + " timed out"), r.err().lines().toList());
            assertTrue(seconds >= SharedConnection.CONNECT_TIMEOUT_SECONDS - 0.5
                    && seconds < SharedConnection.CONNECT_TIMEOUT_SECONDS + 5, seconds + " s");
        }
    }

    /** {@code remote/fake-ssh} as {@code bin/ssh} (a program named ssh, so SharedConnection shares it). */
    private static Path fakeSsh(Path bin) throws IOException {
        Path ssh = bin.resolve("ssh");
        try (InputStream in = SharedConnectionTest.class.getResourceAsStream("/remote/fake-ssh")) {
            Files.copy(in, ssh);
        }
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        return ssh;
    }

    private static int run(String shellCommand) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", shellCommand).redirectInput(ProcessBuilder.Redirect.from(
                new java.io.File("/dev/null"))).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "ssh returned: " + shellCommand);
        return p.exitValue();
    }

    /**
     * The process exists and is not a zombie (an ended master waits to be reaped by whoever adopted it, which can
     * take a second; ProcessHandle counts it alive until then).
     */
    private static boolean running(long pid) throws IOException {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    /** What the fake ssh did, one word a run. */
    private static List<String> log(Path bin) throws IOException {
        Path log = bin.resolve("ssh.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private static long sockets() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("barman-ssh-")).count();
        }
    }
}
