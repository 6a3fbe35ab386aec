package org.barmanj.core.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

    /** Short commands get the sharing options; an ssh that cannot connect leaves nothing behind. */
    @Test
    void sharedCommandsAndCleanUp(@TempDir Path bin) throws IOException, InterruptedException {
        Path ssh = bin.resolve("ssh");
        Files.writeString(ssh, "#!/bin/sh\necho 'ssh: connect to host pg port 22: Connection refused' >&2\nexit 255\n");
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        String command = ssh + " postgres@pg";
        long before = sockets();
        try (SharedConnection c = SharedConnection.of(command)) {
            assertTrue(c.sshCommand().matches(Pattern.quote(command) + " -o ControlMaster=auto -o ControlPersist=30"
                    + " -o ControlPath='/.*/barman-ssh-[0-9a-f]{16}'"), c.sshCommand());
            assertEquals(command, c.ownSshCommand());
            assertEquals(255, new ProcessBuilder("sh", "-c", c.sshCommand() + " true").start().waitFor());
        }
        assertEquals(before, sockets());
    }

    private static long sockets() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("barman-ssh-")).count();
        }
    }
}
