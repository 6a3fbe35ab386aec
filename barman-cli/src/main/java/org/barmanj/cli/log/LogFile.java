package org.barmanj.cli.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.barmanj.core.Events;
import org.barmanj.core.Secrets;
import org.slf4j.Logger;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Barman's log file ({@code log_file}): every event, at or above the threshold ({@code log_level} or
 * {@code --log-level}), as a line in Barman's format, whatever the console shows ({@code -q}, {@code -d},
 * {@code -f json} change only the console). The records go through SLF4J to a Logback context of this run,
 * configured here in code: nothing is scanned for or read (no {@code logback.xml}), and no Logback class is
 * loaded until a record passes the threshold, so that commands that log nothing start as fast as before. When
 * the file cannot be opened or written, one warning says so on standard error and the command goes on without
 * its log. Without {@code log_file} nothing is logged (Barman 3.4 writes its records to standard error then).
 */
public final class LogFile implements Events {
    private final Path path;
    private final int threshold;
    private final String format;
    private final PrintStream err;
    private LoggerContext context;
    private boolean off;

    /** A log at {@code path} (null: no log) with a Python level threshold and a Python {@code log_format}. */
    public LogFile(Path path, int threshold, String format, PrintStream err) {
        this.path = path;
        this.threshold = threshold;
        this.format = format;
        this.err = err;
        this.off = path == null;
    }

    /** No log: every call does nothing. */
    public static LogFile none() {
        return new LogFile(null, LogLevel.CRITICAL, PythonLogLayout.BARMAN_FORMAT, System.err);
    }

    @Override
    public void info(String message) {
        record(LogLevel.INFO, LoggerNames.ofCaller(), message, null);
    }

    @Override
    public void warning(String message) {
        record(LogLevel.WARNING, LoggerNames.ofCaller(), message, null);
    }

    @Override
    public void error(String message) {
        record(LogLevel.ERROR, LoggerNames.ofCaller(), message, null);
    }

    @Override
    public void debug(String message) {
        record(LogLevel.DEBUG, LoggerNames.ofCaller(), message, null);
    }

    /**
     * An error raised by {@code origin}: named after the class that threw it, with its stack trace when
     * {@code withTrace} (a bug, whose console line is one line only).
     */
    public void error(String message, Throwable origin, boolean withTrace) {
        if (!enabled(LogLevel.ERROR)) {
            return;
        }
        String name = "barman.cli";
        for (StackTraceElement frame : origin.getStackTrace()) {
            if (frame.getClassName().startsWith("org.barmanj.")) {
                name = LoggerNames.of(frame.getClassName());
                break;
            }
        }
        record(LogLevel.ERROR, name, message, withTrace ? origin : null);
    }

    /** A record for the log only (Barman's {@code _logger} calls, which the console never shows). */
    public void logOnly(int level, String message) {
        record(level, LoggerNames.ofCaller(), message, null);
    }

    /** Whether a record of this Python level would be written. */
    public boolean enabled(int level) {
        return !off && level >= threshold;
    }

    private synchronized void record(int level, String name, String message, Throwable thrown) {
        if (!enabled(level)) {
            return;
        }
        if (context == null) {
            start();
        }
        Logger logger = context.getLogger(name);
        String line = Secrets.redact(message);
        switch (level) {
            case LogLevel.DEBUG -> logger.debug(line, thrown);
            case LogLevel.INFO -> logger.info(line, thrown);
            case LogLevel.WARNING -> logger.warn(line, thrown);
            default -> logger.error(line, thrown);
        }
    }

    /** Builds this run's Logback context: the layout, the watched file, the level. */
    private void start() {
        PythonLogLayout layout;
        try {
            layout = new PythonLogLayout(format);
        } catch (IllegalArgumentException e) {
            err.println("WARNING: log_format: " + e.getMessage() + " is not supported (fields: "
                    + String.join(", ", new java.util.TreeSet<>(PythonLogLayout.FIELDS))
                    + "); using Barman's default format");
            layout = new PythonLogLayout(PythonLogLayout.BARMAN_FORMAT);
        }
        LoggerContext logback = new LoggerContext();
        logback.setName("barman");
        layout.setContext(logback);
        layout.start();
        WatchedFileAppender appender = new WatchedFileAppender(path, layout, this::failed);
        appender.setContext(logback);
        appender.setName("log_file");
        appender.start();
        ch.qos.logback.classic.Logger root = logback.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(logbackLevel(threshold));
        root.addAppender(appender);
        logback.start();
        context = logback;
    }

    /** The one warning of a log that cannot be written; nothing more is logged by this run. */
    private void failed(String verb, String reason) {
        off = true;
        err.println("WARNING: Failed " + verb + " the requested log file '" + path + "': " + reason
                + ". Logging is off for this command.");
    }

    /** The Logback level letting exactly the records Python's threshold lets through. */
    private static Level logbackLevel(int threshold) {
        if (threshold <= LogLevel.DEBUG) {
            return Level.DEBUG;
        } else if (threshold <= LogLevel.INFO) {
            return Level.INFO;
        } else if (threshold <= LogLevel.WARNING) {
            return Level.WARN;
        } else if (threshold <= LogLevel.ERROR) {
            return Level.ERROR;
        }
        return Level.OFF;
    }

    /** Closes the file (each record is already written). */
    public synchronized void close() {
        if (context != null) {
            context.stop();
            context = null;
        }
        off = true;
    }
}
