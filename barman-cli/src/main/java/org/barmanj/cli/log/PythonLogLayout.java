package org.barmanj.cli.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A log line as Python's {@code logging.Formatter} writes it with Barman's {@code log_format}: {@code %(key)s}
 * conversions (flags, width and precision as printf's) of the record's attributes that mean something here. The
 * default is Barman's: {@code 2026-12-02 06:15:03,123 [4242] barman.wal_archiver INFO: message}.
 */
public final class PythonLogLayout extends LayoutBase<ILoggingEvent> {
    /** Barman's {@code DEFAULT_LOG_FORMAT}. */
    public static final String BARMAN_FORMAT = "%(asctime)s [%(process)s] %(name)s %(levelname)s: %(message)s";

    /** The LogRecord attributes a format may name. */
    public static final Set<String> FIELDS = Set.of("asctime", "created", "msecs", "levelname", "levelno", "name",
            "message", "process", "processName", "thread", "threadName");

    private static final Pattern CONVERSION =
            Pattern.compile("%(?:\\((\\w+)\\)([-#0 +]*)(\\d*)(?:\\.(\\d+))?([sdifFeEgGr])|%)");
    /** Python's default {@code formatTime}: {@code time.strftime("%Y-%m-%d %H:%M:%S")} then {@code ,msecs}. */
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");

    private final List<Object> parts = new ArrayList<>();
    private final long pid = ProcessHandle.current().pid();
    private final ZoneId zone = ZoneId.systemDefault();

    /**
     * A layout for {@code format}; a conversion this class cannot fill (an unknown field, a malformed one) is
     * refused with an {@link IllegalArgumentException} naming it.
     */
    public PythonLogLayout(String format) {
        Matcher m = CONVERSION.matcher(format);
        int at = 0;
        while (m.find()) {
            parts.add(format.substring(at, m.start()));
            at = m.end();
            if (m.group(1) == null) {
                parts.add("%");
                continue;
            }
            if (!FIELDS.contains(m.group(1))) {
                throw new IllegalArgumentException("%(" + m.group(1) + ")" + m.group(5));
            }
            parts.add(new Conversion(m.group(1), m.group(2) + m.group(3)
                    + (m.group(4) == null ? "" : "." + m.group(4)), m.group(5).charAt(0)));
        }
        String rest = format.substring(at);
        if (rest.contains("%")) {
            throw new IllegalArgumentException(rest.substring(rest.indexOf('%')));
        }
        parts.add(rest);
    }

    private record Conversion(String field, String spec, char type) {
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        for (Object part : parts) {
            if (part instanceof Conversion c) {
                line.append(convert(c, value(c.field(), event)));
            } else {
                line.append((String) part);
            }
        }
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            // Python's Formatter appends the traceback on its own lines.
            line.append('\n').append(ThrowableProxyUtil.asString(thrown).stripTrailing());
        }
        return line.append('\n').toString();
    }

    private Object value(String field, ILoggingEvent event) {
        long millis = event.getTimeStamp();
        return switch (field) {
            case "asctime" -> ASCTIME.format(Instant.ofEpochMilli(millis).atZone(zone));
            case "created" -> millis / 1000.0;
            case "msecs" -> (double) (millis % 1000);
            case "levelname" -> LogLevel.name(pythonLevel(event.getLevel()));
            case "levelno" -> (long) pythonLevel(event.getLevel());
            case "name" -> event.getLoggerName();
            case "message" -> event.getFormattedMessage();
            case "process" -> pid;
            case "processName" -> "MainProcess";
            case "thread" -> Thread.currentThread().getId();
            case "threadName" -> event.getThreadName();
            default -> throw new IllegalStateException(field);
        };
    }

    /**
     * printf's conversion, with Python's {@code str()} for {@code s} (floats without exponent); a number
     * conversion of a text field gives the text.
     */
    private static String convert(Conversion c, Object value) {
        if (value instanceof Number n && c.type() != 's' && c.type() != 'r') {
            return String.format(Locale.ROOT, "%" + c.spec() + (c.type() == 'i' ? 'd' : c.type()),
                    c.type() == 'd' || c.type() == 'i' ? (Object) n.longValue() : (Object) n.doubleValue());
        }
        String text = value instanceof Double d ? BigDecimal.valueOf(d).toPlainString() : String.valueOf(value);
        // Python ignores the numeric flags on text; Java's %s refuses them.
        return String.format(Locale.ROOT, "%" + c.spec().replaceAll("[#0 +]", "") + "s", text);
    }

    /** Python's number of a Logback level (Events have no CRITICAL). */
    static int pythonLevel(Level level) {
        return switch (level.toInt()) {
            case Level.DEBUG_INT -> LogLevel.DEBUG;
            case Level.INFO_INT -> LogLevel.INFO;
            case Level.WARN_INT -> LogLevel.WARNING;
            case Level.ERROR_INT -> LogLevel.ERROR;
            default -> LogLevel.NOTSET;
        };
    }
}
