package org.barmanj.cloud;

import java.io.PrintStream;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Messages on stderr in Barman's cloud format ({@code 2024-01-01 10:00:00,123 [pid] ERROR: text}), WARNING by default. */
final class CloudLog {
    static final int DEBUG = 10, INFO = 20, WARNING = 30, ERROR = 40;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    private static int level = WARNING;
    private static PrintStream out = System.err;

    private CloudLog() {}

    /** Barman: level = max(WARNING - (verbose - quiet) * 10, DEBUG). */
    static void configure(int verbose, int quiet) {
        level = Math.max(WARNING - (verbose - quiet) * 10, DEBUG);
    }

    static void debug(String m) { log(DEBUG, "DEBUG", m); }
    static void info(String m) { log(INFO, "INFO", m); }
    static void warning(String m) { log(WARNING, "WARNING", m); }
    static void error(String m) { log(ERROR, "ERROR", m); }

    private static void log(int l, String name, String m) {
        if (l < level) {
            return;
        }
        out.println(LocalDateTime.now().format(TIME) + " [" + ProcessHandle.current().pid() + "] " + name + ": " + m);
        out.flush();
    }
}
