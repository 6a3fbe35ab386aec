package org.barmanj.core.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
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
            assertEquals("ssh -o ControlMaster=no postgres@pg", own.sshCommand());
        }
        try (SharedConnection other = SharedConnection.of("dbclient postgres@pg")) {
            assertEquals("dbclient postgres@pg", other.sshCommand());
            assertEquals("dbclient postgres@pg", other.ownSshCommand());
        }
        try (SharedConnection local = SharedConnection.of(null)) {
            assertNull(local.sshCommand());
        }
    }

    /**
     * Short commands get the sharing options: the first opens a master that listens on the ControlPath socket,
     * the next rides it, and close() ends the master, which removes its socket (with a stand-in for OpenSSH's ssh
     * that behaves so, see {@code remote/fake-ssh}; RecoveryIT runs a real one).
     */
    @Test
    void sharedCommandsRideOneMasterThatCloseEnds(@TempDir Path bin) throws Exception {
        String command = fakeSsh(bin) + " postgres@pg";
        Path socket = null;
        ProcessHandle master = null;
        try {
            try (SharedConnection c = SharedConnection.of(command)) {
                Matcher shared = Pattern.compile(Pattern.quote(command) + " -o ControlMaster=auto -o ControlPersist=30"
                        + " -o ControlPath='(/.*/barman-ssh-[0-9a-f]{16})'").matcher(c.sshCommand());
                assertTrue(shared.matches(), c.sshCommand());
                socket = Path.of(shared.group(1));
                assertEquals(command, c.ownSshCommand());
                assertFalse(Files.exists(socket), "nothing is connected before the first command");

                assertEquals(0, run(c.sshCommand() + " true"));
                assertTrue(Files.exists(socket), "the first command leaves its master listening on " + socket);
                master = ProcessHandle.of(Long.parseLong(Files.readString(socket).strip())).orElseThrow();
                assertTrue(running(master.pid()));
                assertEquals(3, run(c.sshCommand() + " 'exit 3'"), "the command's own exit code");
                assertTrue(Files.exists(socket));
                assertTrue(running(master.pid()));
                assertEquals(List.of("master", "mux"), log(bin), "the second command rides the first's master");
            }
            assertFalse(Files.exists(socket), "close() returns once the master has removed its socket " + socket);
            assertEquals(List.of("master", "mux", "exit"), log(bin), "close() asks the master to exit");
            for (int i = 0; i < 500 && running(master.pid()); i++) {
                Thread.sleep(10);
            }
            assertFalse(running(master.pid()), "the master has ended");
        } finally {
            // Whatever failed above, no master is left behind for its 30 idle seconds.
            if (master != null) {
                master.destroy();
            }
            if (socket != null) {
                Files.deleteIfExists(socket);
            }
        }
    }

    /** An ssh that cannot connect opens no master: close() then has nothing to end and runs no ssh. */
    @Test
    void nothingToCloseWhenTheFirstCommandCannotConnect(@TempDir Path bin) throws Exception {
        String command = fakeSsh(bin) + " postgres@down";
        long before = sockets();
        try (SharedConnection c = SharedConnection.of(command)) {
            assertEquals(255, run(c.sshCommand() + " true"));
        }
        assertEquals(List.of("refused"), log(bin), "no master, and no 'ssh -O exit' from close()");
        assertEquals(before, sockets());
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
