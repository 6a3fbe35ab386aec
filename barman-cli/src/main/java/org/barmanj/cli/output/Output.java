package org.barmanj.cli.output;

import org.barmanj.cli.log.LogFile;
import org.barmanj.core.Events;
import org.barmanj.core.Secrets;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where commands and the core's {@link Events} send what they have to say, in Barman's two formats. Console: information on stdout,
 * {@code WARNING:}/{@code ERROR:} lines on stderr. JSON: everything is collected into one object
 * ({@code _INFO}, {@code _WARNING}, {@code _ERROR} lists beside each command's results) and printed at
 * {@link #close()}. Any error makes the exit code 1, as in Barman. Passwords never get through: every console line
 * and every JSON string is {@linkplain Secrets#redact redacted} on its way out. Every event also goes to the
 * {@link LogFile}, whatever the console shows; a command's results ({@link #result}) do not, as Barman's
 * {@code output.result} is not logged.
 */
public final class Output implements Events {
    public enum Format { CONSOLE, JSON }

    private final PrintStream out;
    private final PrintStream err;
    private final Format format;
    private final boolean quiet;
    private final boolean debug;
    private final LogFile log;
    private final Map<String, Object> json = new LinkedHashMap<>();
    private boolean errorOccurred;

    public Output(PrintStream out, PrintStream err, Format format, boolean quiet, boolean debug, LogFile log) {
        this.log = log;
        this.out = out;
        this.err = err;
        this.format = format;
        this.quiet = quiet;
        this.debug = debug;
    }

    public boolean json() {
        return format == Format.JSON;
    }

    /** The JSON object being built (results are put under a server name or similar key). */
    public Map<String, Object> jsonRoot() {
        return json;
    }

    /** A message of the command's normal output (suppressed by {@code -q}), logged. */
    @Override
    public synchronized void info(String line) {
        log.info(line);
        result(line);
    }

    /** A line of what the command reports (a listing, check results): as {@link #info}, but not logged. */
    public synchronized void result(String line) {
        if (json()) {
            field("_INFO", line);
        } else if (!quiet) {
            out.println(Secrets.redact(line));
        }
    }

    /**
     * Like {@link #result}, for a text whose parts were redacted already: a JSON document, which redacting as one
     * line could cut (an unquoted {@code password=} value runs up to the next space, across the closing quote).
     * Not logged, as Barman's diagnose.
     */
    public void infoRedacted(String text) {
        if (json()) {
            field("_INFO", text);
        } else if (!quiet) {
            out.println(text);
        }
    }

    @Override
    public synchronized void debug(String line) {
        log.debug(line);
        if (!debug) {
            return;
        }
        if (json()) {
            field("_DEBUG", line);
        } else {
            err.println(Secrets.redact("DEBUG: " + line));
        }
    }

    @Override
    public synchronized void warning(String line) {
        log.warning(line);
        if (json()) {
            field("_WARNING", line);
        } else {
            err.println(Secrets.redact("WARNING: " + line));
        }
    }

    @Override
    public synchronized void error(String line) {
        log.error(line);
        console(line);
    }

    /** The error that ended a command, logged under the name of the code that raised it. */
    public synchronized void error(Throwable raised) {
        log.error(raised.getMessage(), raised, false);
        console(raised.getMessage());
    }

    private synchronized void console(String line) {
        errorOccurred = true;
        if (json()) {
            field("_ERROR", line);
        } else {
            err.println(Secrets.redact("ERROR: " + line));
        }
    }

    @SuppressWarnings("unchecked")
    private void field(String key, String line) {
        ((List<String>) json.computeIfAbsent(key, k -> new ArrayList<String>())).add(line);
    }

    public boolean errorOccurred() {
        return errorOccurred;
    }

    /** Prints the collected JSON (unless quiet) and returns the exit code. */
    public int close() {
        if (json() && !quiet) {
            out.print(Json.write(json, Secrets::redact));
        }
        out.flush();
        err.flush();
        return errorOccurred ? 1 : 0;
    }
}
