package org.barmanj.walarchive;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version line of both clients: {@code <program> <Barman version we are compatible with> (barmanj ...)}. */
final class Version {
    private Version() {
    }

    static String line(String program) {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("/barman-wal-archive.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return program + " " + p.getProperty("barman.compat.version") + " (barmanj " + p.getProperty("version") + ")";
    }
}
