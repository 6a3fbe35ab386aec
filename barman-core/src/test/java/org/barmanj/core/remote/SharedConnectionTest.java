package org.barmanj.core.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sharing is only tried with OpenSSH and never stands in the way: the lab's ITs exercise a real master. */
class SharedConnectionTest {
    @Test
    void onlyOpenSshCommandsAreShared() {
        assertTrue(SharedConnection.isOpenSsh("ssh postgres@pg"));
        assertTrue(SharedConnection.isOpenSsh("  /usr/bin/ssh -p 2222 postgres@pg"));
        assertFalse(SharedConnection.isOpenSsh("dbclient postgres@pg"));
        assertFalse(SharedConnection.isOpenSsh("sshpass -f pw ssh postgres@pg"));
        try (SharedConnection other = SharedConnection.open("dbclient postgres@pg")) {
            assertEquals("dbclient postgres@pg", other.sshCommand());
            assertEquals("dbclient postgres@pg", other.ownSshCommand());
        }
        try (SharedConnection local = SharedConnection.open(null)) {
            assertNull(local.sshCommand());
        }
    }

    /** An ssh that cannot open the master: every command connects by itself and no socket folder is left. */
    @Test
    void aMasterThatCannotOpenFallsBackToPlainCommands(@TempDir Path bin) throws IOException {
        Path ssh = bin.resolve("ssh");
        Files.writeString(ssh, "#!/bin/sh\necho 'ssh: connect to host pg port 22: Connection refused' >&2\nexit 255\n");
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        String command = ssh + " postgres@pg";
        long before = socketFolders();
        try (SharedConnection c = SharedConnection.open(command)) {
            assertEquals(command, c.sshCommand());
            assertEquals(command, c.ownSshCommand());
        }
        assertEquals(before, socketFolders());
    }

    private static long socketFolders() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("barman-ssh-")).count();
        }
    }
}
