package org.barmanj.core;

import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.ServerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A server {@code demo} configured under a temporary barman_home, for the tests of the core. */
public final class TestServer {
    private TestServer() {
    }

    /** {@code extra}: more option lines of the server section. */
    public static ServerConfig create(Path home, String extra) throws IOException {
        return create(home, "ssh x@y", extra);
    }

    /** The same with the given {@code ssh_command}. */
    public static ServerConfig create(Path home, String sshCommand, String extra) throws IOException {
        Path conf = home.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + home + "\nbarman_user = " + System.getProperty("user.name")
                + "\n[demo]\nconninfo = host=127.0.0.1 port=1\nssh_command = " + sshCommand + "\narchiver = on\n"
                + extra);
        return BarmanConfig.load(conf.toString(), Map.of(), home.toString()).server("demo");
    }
}
