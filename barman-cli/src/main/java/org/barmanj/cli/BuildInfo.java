package org.barmanj.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Versions stamped into the jar by the build. */
final class BuildInfo {
    static final String VERSION;
    static final String COMPAT_VERSION;

    static {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/barmanj.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read barmanj.properties", e);
        }
        VERSION = p.getProperty("version", "unknown");
        COMPAT_VERSION = p.getProperty("barman.compat.version", "unknown");
    }

    private BuildInfo() {
    }
}
