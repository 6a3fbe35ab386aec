package org.barmanj.cli.log;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Python's logging levels, as Barman reads {@code log_level} and {@code --log-level}: a name (any case) or an
 * integer; a record is written when its level is at least the threshold ({@code NOTSET}, 0: everything).
 */
public final class LogLevel {
    public static final int NOTSET = 0;
    public static final int DEBUG = 10;
    public static final int INFO = 20;
    public static final int WARNING = 30;
    public static final int ERROR = 40;
    public static final int CRITICAL = 50;

    /** {@code --log-level}'s choices, in Barman's order (its argparse choices). */
    public static final List<String> CHOICES = List.of("NOTSET", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL");

    /** Python's {@code logging._nameToLevel}, which {@code getLevelName} looks names up in. */
    private static final Map<String, Integer> BY_NAME = Map.of("CRITICAL", CRITICAL, "FATAL", CRITICAL,
            "ERROR", ERROR, "WARN", WARNING, "WARNING", WARNING, "INFO", INFO, "DEBUG", DEBUG, "NOTSET", NOTSET);

    private LogLevel() {
    }

    /** Barman's {@code parse_log_level}: the threshold of {@code value}, or null when it names no level. */
    public static Integer parse(String value) {
        String text = value.strip();
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return BY_NAME.get(text.toUpperCase(Locale.ROOT));
        }
    }

    /** Python's level name of a record level ({@code levelname}). */
    public static String name(int level) {
        return switch (level) {
            case DEBUG -> "DEBUG";
            case INFO -> "INFO";
            case WARNING -> "WARNING";
            case ERROR -> "ERROR";
            case CRITICAL -> "CRITICAL";
            default -> "Level " + level;
        };
    }
}
