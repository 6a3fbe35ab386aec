package org.barmanj.core.hooks;

import org.barmanj.core.BarmanException;
import org.barmanj.core.BuildInfo;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.compat.PyJson;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.process.ChildProcesses;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One of Barman's hook scripts ({@code hooks.py}): {@code pre_} or {@code post_} + {@code backup},
 * {@code archive}, {@code recovery}, {@code delete} or {@code wal_delete} + {@code _script} or
 * {@code _retry_script}, run by {@code sh -c} with Barman's {@code BARMAN_*} environment and {@code path_prefix}
 * before {@code PATH}. A standard script's exit code changes nothing (a failure is warned about). A retry script
 * runs again until it exits 0, 62 (abort, carry on) or 63 (abort, stop): 3 seconds between attempts, 60 after
 * every 5 failures; 63 stops the operation of a {@code pre_} script ({@link Aborted}), and is ignored after it.
 */
public final class HookScript {
    public static final int ABORT_CONTINUE = 62;
    public static final int ABORT_STOP = 63;
    private static final int ATTEMPTS_BEFORE_NAP = 5;
    private static final long BREAK_MILLIS = 3_000;
    private static final long NAP_MILLIS = 60_000;

    /** A retry script asked to stop the operation (exit code 63). */
    public static final class Aborted extends BarmanException {
        Aborted(String message) {
            super(ErrorCode.HOOK_ABORTED, message);
        }
    }

    private final ServerConfig server;
    private final String hook;
    private final String phase;
    private final boolean retry;
    private final String script;
    private final Map<String, String> env = new LinkedHashMap<>();

    private HookScript(ServerConfig server, String hook, String phase, boolean retry) {
        this.server = server;
        this.hook = hook;
        this.phase = phase;
        this.retry = retry;
        this.script = server.string(Option.valueOf((phase + "_" + hook).toUpperCase(java.util.Locale.ROOT)));
        env.put("BARMAN_VERSION", BuildInfo.COMPAT_VERSION);
        env.put("BARMAN_SERVER", server.name());
        env.put("BARMAN_CONFIGURATION", String.valueOf(server.configFile()));
        env.put("BARMAN_HOOK", hook);
        env.put("BARMAN_RETRY", retry ? "1" : "0");
        env.put("BARMAN_PHASE", phase);
    }

    /** The standard script of {@code operation} ({@code backup}, ...) for {@code phase} ({@code pre}, {@code post}). */
    public static HookScript standard(ServerConfig server, String operation, String phase) {
        return new HookScript(server, operation + "_script", phase, false);
    }

    /** The retry script of {@code operation} for {@code phase}. */
    public static HookScript retry(ServerConfig server, String operation, String phase) {
        return new HookScript(server, operation + "_retry_script", phase, true);
    }

    /**
     * Barman's order before an operation: the standard script, then the retry script, each with the environment
     * {@code env} adds; throws {@link Aborted} when the retry script asks to stop.
     */
    public static void pre(ServerConfig server, String operation, Consumer<HookScript> env, Events events) {
        for (HookScript h : List.of(standard(server, operation, "pre"), retry(server, operation, "pre"))) {
            if (h.configured()) {
                env.accept(h);
                h.run(events);
            }
        }
    }

    /** After an operation: the retry script (a stop request is only warned about), then the standard one. */
    public static void post(ServerConfig server, String operation, Consumer<HookScript> env, Events events) {
        for (HookScript h : List.of(retry(server, operation, "post"), standard(server, operation, "post"))) {
            if (h.configured()) {
                env.accept(h);
                h.run(events);
            }
        }
    }

    /** True when any of the operation's four scripts is set (to skip preparing their environment). */
    public static boolean any(ServerConfig server, String operation) {
        for (String phase : List.of("pre", "post")) {
            if (standard(server, operation, phase).configured() || retry(server, operation, phase).configured()) {
                return true;
            }
        }
        return false;
    }

    public boolean configured() {
        return script != null && !script.isBlank();
    }

    public HookScript env(String name, String value) {
        env.put(name, value == null ? "" : value);
        return this;
    }

    /** Barman's {@code env_from_backup_info}: the backup, its neighbours, its status and error. */
    public HookScript backup(BackupInfo backup) {
        BackupCatalog catalog = BackupCatalog.load(server);
        BackupInfo previous = catalog.previous(backup);
        BackupInfo next = catalog.next(backup);
        env("BARMAN_BACKUP_DIR", new CatalogLayout(server).backupDirectory(backup.backupId()).toString());
        env("BARMAN_BACKUP_ID", backup.backupId());
        env("BARMAN_PREVIOUS_ID", previous == null ? "" : previous.backupId());
        env("BARMAN_NEXT_ID", next == null ? "" : next.backupId());
        env("BARMAN_STATUS", backup.statusText());
        return env("BARMAN_ERROR", backup.error());
    }

    /** Barman's {@code env_from_wal_info}: the WAL file, where it is, its catalog entry, the error if any. */
    public HookScript wal(String name, Path file, long size, String time, String compression, String error) {
        env("BARMAN_SEGMENT", name);
        env("BARMAN_FILE", file.toString());
        env("BARMAN_SIZE", String.valueOf(size));
        env("BARMAN_TIMESTAMP", time);
        env("BARMAN_COMPRESSION", compression);
        return env("BARMAN_ERROR", error);
    }

    /**
     * Runs the script if one is configured; returns its exit code (null: none configured, or it could not be
     * run, which is warned about). A retry script that exits 63 in the {@code pre} phase throws {@link Aborted}.
     */
    public Integer run(Events events) {
        if (!configured()) {
            return null;
        }
        if (!retry) {
            return once(events);
        }
        int attempts = 1;
        Integer code;
        while (true) {
            code = once(events);
            if (code != null && (code == 0 || code == ABORT_CONTINUE || code == ABORT_STOP)) {
                break;
            }
            if (attempts <= ATTEMPTS_BEFORE_NAP) {
                attempts++;
                events.debug("Retry again in " + BREAK_MILLIS / 1000 + " seconds");
                sleep(BREAK_MILLIS);
            } else {
                events.debug("Reached " + ATTEMPTS_BEFORE_NAP + " failures. Take a nap then retry again in "
                        + NAP_MILLIS / 1000 + " seconds");
                attempts = 1;
                sleep(NAP_MILLIS);
            }
        }
        if (code == ABORT_CONTINUE) {
            events.warning(script + " was aborted (got exit status " + code + ", Barman resumes)");
        } else if (code == ABORT_STOP) {
            if (phase.equals("pre")) {
                throw new Aborted(phase + "_" + hook + " '" + script + "' was aborted (got exit status " + code
                        + ", Barman requested to stop)");
            }
            events.warning("Ignoring stop request after receiving abort (exit code " + code + ") from " + phase
                    + "-" + hook.replace("_retry_script", "") + " retry hook script: " + script);
        }
        return code;
    }

    /** Python's {@code json.dumps(value, sort_keys=True)} of a flat map of strings, numbers and booleans. */
    public static String json(Map<String, Object> value) {
        StringBuilder out = new StringBuilder("{");
        new java.util.TreeMap<>(value).forEach((k, v) -> {
            if (out.length() > 1) {
                out.append(", ");
            }
            out.append(PyJson.quote(k)).append(": ").append(v instanceof Boolean || v instanceof Number
                    ? v.toString() : PyJson.quote(String.valueOf(v)));
        });
        return out.append('}').toString();
    }

    private Integer once(Events events) {
        events.debug("Attempt to run " + hook + ": " + script);
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true);
        builder.environment().putAll(env);
        String prefix = server.string(Option.PATH_PREFIX);
        if (prefix != null && !prefix.isBlank()) {
            String path = builder.environment().get("PATH");
            builder.environment().put("PATH", prefix + (path == null ? "" : ":" + path));
        }
        try {
            Process p = ChildProcesses.start(builder);
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            if (code != 0) {
                events.warning(script + " returned " + code + "\nOutput details:\n" + output.stripTrailing());
            } else {
                events.debug(script + " returned 0");
            }
            return code;
        } catch (IOException e) {
            events.warning("Exception running " + hook + ": " + e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BarmanException(ErrorCode.HOOK_ABORTED, "interrupted while waiting to run a hook script again");
        }
    }
}
