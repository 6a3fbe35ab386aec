package org.barmanj.core.wal;

import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.ServerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A server configuration under a temporary barman_home, for the WAL tests. */
final class WalTestServer {
    private WalTestServer() {
    }

    static ServerConfig create(Path home, String extra) throws IOException {
        Path conf = home.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + home + "\nbarman_user = " + System.getProperty("user.name")
                + "\n[demo]\nconninfo = host=127.0.0.1 port=1\nssh_command = ssh x@y\narchiver = on\n" + extra);
        return BarmanConfig.load(conf.toString(), Map.of(), home.toString()).server("demo");
    }
}
