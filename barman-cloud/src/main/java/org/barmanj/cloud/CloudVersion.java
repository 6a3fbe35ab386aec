package org.barmanj.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The Barman version these commands are interchangeable with, printed by {@code -V}. */
final class CloudVersion {
    static final String BARMAN;

    static {
        Properties p = new Properties();
        try (InputStream in = CloudVersion.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // The default below.
        }
        BARMAN = p.getProperty("barman", "3.4.0");
    }

    private CloudVersion() {}
}
