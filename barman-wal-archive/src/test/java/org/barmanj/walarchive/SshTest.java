package org.barmanj.walarchive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class SshTest {
    @TempDir
    Path home;

    private List<String> command(boolean reuse, List<String> remote) {
        String saved = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            return Ssh.command("barman", "backup-srv", "2222", reuse, 7, remote);
        } finally {
            System.setProperty("user.home", saved);
        }
    }

    @Test
    void barmansCommandLineWithTheConnectTimeout() {
        assertEquals(List.of("ssh", "-p", "2222", "-o", "ConnectTimeout=7", "-o", "ServerAliveInterval=7", "-q", "-T",
                "barman@backup-srv", "barman put-wal demo"), command(false, List.of("barman", "put-wal", "demo")));
    }

    @Test
    void sharesTheConnectionOnlyWhereSshCanCreateItsSocket() throws IOException {
        List<String> remote = List.of("barman", "put-wal", "demo");
        assertEquals(command(false, remote), command(true, remote), "no ~/.ssh: ssh would fail to bind the socket");
        Files.createDirectories(home.resolve(".ssh"));
        assertEquals(List.of("ssh", "-p", "2222", "-o", "ConnectTimeout=7", "-o", "ServerAliveInterval=7", "-o",
                "ControlMaster=auto", "-o", "ControlPersist=60", "-o", "ControlPath=" + home.resolve(".ssh")
                        + "/barman-cm-%C", "-q", "-T", "barman@backup-srv", "barman put-wal demo"),
                command(true, remote));
    }

    @Test
    void wordsThatAreNotPlainAreSingleQuoted() {
        assertEquals("barman --config=/etc/barman.conf get-wal demo 000000010000000000000001",
                last(command(false, List.of("barman", "--config=/etc/barman.conf", "get-wal", "demo",
                        "000000010000000000000001"))));
        assertEquals("barman put-wal 'demo;touch /tmp/x' 'it'\"'\"'s' ''",
                last(command(false, List.of("barman", "put-wal", "demo;touch /tmp/x", "it's", ""))));
    }

    /** What the remote shell makes of the command line: exactly the words given, whatever they hold. */
    @Test
    void aPosixShellReadsBackTheWordsGiven() throws IOException, InterruptedException {
        Path marker = home.resolve("marker");
        List<String> words = List.of("demo'; touch " + marker + "; '", "$(touch " + marker + ")", "`id`", "a b\tc",
                "x\ny", "\"\\'", "*", "~", "-n", "#not a comment", "!", "", "é");
        List<String> remote = new ArrayList<>(List.of("printf", "%s\\0"));
        remote.addAll(words);
        Process sh = new ProcessBuilder("sh", "-c", last(command(false, remote))).redirectErrorStream(true)
                .directory(home.toFile()).start();
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, sh.waitFor(), out);
        assertEquals(String.join("\0", words) + "\0", out);
        assertFalse(Files.exists(marker));
    }

    private static String last(List<String> command) {
        return command.get(command.size() - 1);
    }
}
