package org.barmanj.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The build's version, and the Barman version it is compatible with (shown by --version, given to hook scripts). */
public final class BuildInfo {
    public static final String VERSION;
    public static final String COMPAT_VERSION;

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
