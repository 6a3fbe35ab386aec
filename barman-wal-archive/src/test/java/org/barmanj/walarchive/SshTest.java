package org.barmanj.walarchive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SshTest {
    @TempDir
    Path home;

    private List<String> command(boolean reuse) {
        String saved = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            return Ssh.command("barman", "backup-srv", "2222", reuse, List.of("barman", "put-wal", "demo"));
        } finally {
            System.setProperty("user.home", saved);
        }
    }

    @Test
    void barmansCommandLine() {
        assertEquals(List.of("ssh", "-p", "2222", "-q", "-T", "barman@backup-srv", "barman", "put-wal", "demo"),
                command(false));
    }

    @Test
    void sharesTheConnectionOnlyWhereSshCanCreateItsSocket() throws IOException {
        assertEquals(command(false), command(true), "no ~/.ssh: ssh would fail to bind the control socket");
        Files.createDirectories(home.resolve(".ssh"));
        assertEquals(List.of("ssh", "-p", "2222", "-o", "ControlMaster=auto", "-o", "ControlPersist=60", "-o",
                "ControlPath=" + home.resolve(".ssh") + "/barman-cm-%C", "-q", "-T", "barman@backup-srv", "barman",
                "put-wal", "demo"), command(true));
    }
}
