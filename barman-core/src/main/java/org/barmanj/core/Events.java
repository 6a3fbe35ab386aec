package org.barmanj.core;

/**
 * The one way the core tells the outside what happens while it works: Barman's output levels. The console and
 * JSON writers implement it; the log file listens to the same calls. An {@code error} makes the command end with
 * exit code 1 (Barman's {@code output.error}); a command that cannot go on throws a {@link BarmanException}
 * instead.
 */
public interface Events {
    /** Nothing is shown (Barman's background tasks, whose output goes nowhere). */
    Events SILENT = new Events() {
        @Override
        public void info(String message) {
        }

        @Override
        public void warning(String message) {
        }

        @Override
        public void error(String message) {
        }

        @Override
        public void debug(String message) {
        }
    };

    void info(String message);

    void warning(String message);

    void error(String message);

    void debug(String message);
}
