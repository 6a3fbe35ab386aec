package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.IniFile;
import org.barmanj.core.config.OptionType;
import org.barmanj.core.fs.IoReason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The drill options, ours: {@code *.drill} files beside the {@code .conf} files of
 * {@code configuration_files_directory} (or {@code <main configuration file>.drill} when there is none), which
 * Barman 3.4 never reads (it globs {@code *.conf} only). Same INI syntax as the configuration (comments,
 * continuation lines), sections named after servers, values read as written: no {@code %} interpolation, so that
 * SQL probes hold {@code like 'a%'} as is. Unknown keys and sections naming no server are warnings, as Barman
 * warns about its own; a value that cannot be used is an error when the drill (or its check row) needs it.
 */
public final class DrillSettings {
    /** The keys of a section, besides the probes ({@link #PROBE}{@code <name>}). */
    public static final List<String> OPTIONS = List.of("drill_path", "drill_maximum_age", "drill_probe_database",
            "drill_bin_path", "drill_user", "drill_port", "drill_timeout", "drill_schedule");
    static final Set<String> KEYS = Set.copyOf(OPTIONS);
    /** The prefix of a probe's key: {@code drill_probe_<name> = <SQL>}. */
    public static final String PROBE = "drill_probe_";

    /** One server's drill options; where each value was written, for messages. */
    public record Server(String name, Map<String, IniFile.Entry> entries) {
        /** A server without a section: every default. */
        public static Server defaults(String name) {
            return new Server(name, Map.of());
        }

        private String value(String key) {
            IniFile.Entry e = entries.get(key);
            return e == null || e.value().isEmpty() ? null : e.value();
        }

        private BarmanException invalid(String key, String why) {
            IniFile.Entry e = entries.get(key);
            return new BarmanException(ErrorCode.CONFIG_INVALID, "Invalid value '" + e.value() + "' for "
                    + key + " in [" + name + "] section (" + e.where() + "): " + why);
        }

        /** The scratch root ({@code drill_path}), or null for the default ({@code <backup_directory>/drill}). */
        public Path path() {
            String v = value("drill_path");
            if (v == null) {
                return null;
            }
            if (!v.startsWith("/")) {
                throw invalid("drill_path", "allowed: an absolute path");
            }
            return Path.of(v);
        }

        /**
         * The scratch root of this server's drills: {@code drill_path}, else {@code <backup_directory>/drill}.
         * Refused: a server name that is not a single path element, and a {@code drill_path} that is {@code /},
         * equal to or above {@code barman_home} or the server's {@code backup_directory}, or inside that
         * {@code backup_directory} other than its default {@code <backup_directory>/drill} (the drill removes what
         * it created there).
         */
        public Path scratchRoot(Path barmanHome, Path backupDirectory) {
            if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
                throw new BarmanException(ErrorCode.CONFIG_INVALID, "Cannot drill server '" + name
                        + "': its name is not a single path element");
            }
            Path backupDir = backupDirectory.toAbsolutePath().normalize();
            Path fallback = backupDir.resolve("drill");
            Path given = path();
            if (given == null) {
                return fallback;
            }
            Path root = given.normalize();
            Path home = barmanHome == null ? null : barmanHome.toAbsolutePath().normalize();
            if (root.getNameCount() == 0) {
                throw invalid("drill_path", "not the root folder");
            }
            if (home != null && home.startsWith(root)) {
                throw invalid("drill_path", "equal to or above barman_home (" + home + ")");
            }
            if (backupDir.startsWith(root)) {
                throw invalid("drill_path", "equal to or above the backup_directory (" + backupDir + ")");
            }
            if (root.startsWith(backupDir) && !root.equals(fallback)) {
                throw invalid("drill_path", "inside the backup_directory (" + backupDir + "), other than "
                        + fallback);
            }
            return root;
        }

        /** {@code drill_maximum_age}, read as Barman reads {@code last_backup_maximum_age}; null when unset. */
        public Duration maximumAge() {
            return interval("drill_maximum_age");
        }

        private Duration interval(String key) {
            String v = value(key);
            if (v == null) {
                return null;
            }
            try {
                return (Duration) OptionType.INTERVAL_TYPE.parse(v);
            } catch (IllegalArgumentException e) {
                throw invalid(key, e.getMessage());
            }
        }

        /** {@code drill_schedule}: how often cron starts a drill, read as {@code drill_maximum_age}; null: never. */
        public Duration schedule() {
            return interval("drill_schedule");
        }

        public String probeDatabase() {
            String v = value("drill_probe_database");
            return v == null ? "postgres" : v;
        }

        /** A folder holding {@code postgres} of the backup's major version, or null (then searched for). */
        public String binPath() {
            return value("drill_bin_path");
        }

        /** The role the checks connect as; null: the user of the server's conninfo. */
        public String user() {
            return value("drill_user");
        }

        /** The port number of the private socket (no TCP port is opened). */
        public int port() {
            return positive("drill_port", 5432, 65535);
        }

        /** How long the drill's PostgreSQL may run (start and checks), in seconds; then it is killed. */
        public int timeoutSeconds() {
            return positive("drill_timeout", 3600, Integer.MAX_VALUE);
        }

        private int positive(String key, int fallback, int max) {
            String v = value(key);
            if (v == null) {
                return fallback;
            }
            try {
                int n = Integer.parseInt(v.strip());
                if (n > 0 && n <= max) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw invalid(key, "allowed: an integer from 1 to " + max);
        }

        /** The probe queries by name, in the order written. */
        public Map<String, String> probes() {
            Map<String, String> probes = new LinkedHashMap<>();
            entries.forEach((k, e) -> {
                if (k.startsWith(PROBE) && k.length() > PROBE.length() && !KEYS.contains(k)) {
                    probes.put(k.substring(PROBE.length()), e.value());
                }
            });
            return probes;
        }

        /** Every value checked; the first unusable one throws. */
        public void validate() {
            path();
            maximumAge();
            schedule();
            port();
            timeoutSeconds();
            probes().forEach((n, sql) -> {
                if (sql.isBlank()) {
                    throw invalid(PROBE + n, "allowed: an SQL query returning a first column > 0");
                }
            });
        }
    }

    /**
     * What {@link #load} read for each configuration (by identity: a reloaded configuration reads the files
     * again), so that a command over every server reports a syntax error or a warning once, not once per server.
     */
    private static final Map<BarmanConfig, DrillSettings> LOADED = Collections.synchronizedMap(new WeakHashMap<>());

    private final Map<String, Server> servers;
    private final List<String> warnings;
    private final List<Path> files;
    private final IniFile.SyntaxError syntaxError;
    private final AtomicBoolean errorReported = new AtomicBoolean();
    private final AtomicBoolean warningsReported = new AtomicBoolean();

    private DrillSettings(Map<String, Server> servers, List<String> warnings, List<Path> files,
                          IniFile.SyntaxError syntaxError) {
        this.servers = servers;
        this.warnings = warnings;
        this.files = files;
        this.syntaxError = syntaxError;
    }

    /** The settings of the configuration's servers, from the files where it keeps them; read once per config. */
    public static DrillSettings load(BarmanConfig config) {
        DrillSettings known = LOADED.get(config);
        if (known != null) {
            return known;
        }
        DrillSettings read = read(files(config), config.servers().keySet());
        LOADED.putIfAbsent(config, read);
        return LOADED.get(config);
    }

    /** The {@code .drill} files of a configuration, sorted. */
    static List<Path> files(BarmanConfig config) {
        String dir = config.globalOptions().get("configuration_files_directory");
        if (dir != null && !dir.isEmpty()) {
            Path folder = Path.of(dir.startsWith("~/") ? System.getProperty("user.home") + dir.substring(1) : dir);
            if (Files.isDirectory(folder)) {
                try (Stream<Path> list = Files.list(folder)) {
                    return list.filter(p -> p.getFileName().toString().endsWith(".drill") && Files.isRegularFile(p))
                            .sorted().toList();
                } catch (IOException e) {
                    throw new BarmanException(ErrorCode.CONFIG_UNREADABLE, "Cannot list configuration_files_directory '"
                            + dir + "': " + IoReason.of(e), e);
                }
            }
        }
        Path beside = Path.of(config.configFile() + ".drill");
        return Files.isRegularFile(beside) ? List.of(beside) : List.of();
    }

    /** Reads {@code files}; {@code known}: the configured servers. */
    static DrillSettings read(List<Path> files, Set<String> known) {
        IniFile ini = new IniFile();
        List<String> warnings = new ArrayList<>();
        IniFile.SyntaxError syntaxError = null;
        for (Path file : files) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new BarmanException(ErrorCode.CONFIG_UNREADABLE, "Cannot read drill settings file '" + file
                        + "': " + IoReason.of(e), e);
            }
            List<IniFile.SyntaxError> errors = ini.read(file.toString(), text);
            if (syntaxError == null && !errors.isEmpty()) {
                syntaxError = errors.get(0);
            }
        }
        Map<String, Server> servers = new TreeMap<>();
        for (String name : ini.sectionNames()) {
            if (name.equals(IniFile.DEFAULT_SECTION)) {
                continue;
            }
            IniFile.Section section = ini.section(name);
            if (!known.contains(name)) {
                warnings.add("Drill settings for an unknown server [" + name + "] ("
                        + String.join(", ", section.definedIn()) + ") are ignored");
                continue;
            }
            Map<String, IniFile.Entry> entries = new LinkedHashMap<>(section.entries());
            for (Map.Entry<String, IniFile.Entry> e : entries.entrySet()) {
                String key = e.getKey();
                if (!KEYS.contains(key) && !(key.startsWith(PROBE) && key.length() > PROBE.length())) {
                    warnings.add("Invalid configuration option \"" + key + "\" in [" + name + "] section ("
                            + e.getValue().where() + "): not a drill option");
                }
            }
            servers.put(name, new Server(name, Collections.unmodifiableMap(entries)));
        }
        return new DrillSettings(servers, warnings, files, syntaxError);
    }

    /**
     * The first syntax error of the files, as an error (CONFIG_SYNTAX), or null. The sections read as far as
     * they could be are still there, so that only the servers they name are concerned.
     */
    public BarmanException syntaxError() {
        return syntaxError == null ? null : new BarmanException(ErrorCode.CONFIG_SYNTAX, syntaxError.message());
    }

    /** Where the syntax error is ({@code <file> line N}), or null. */
    public String syntaxErrorWhere() {
        return syntaxError == null ? null : syntaxError.source() + " line " + syntaxError.line();
    }

    /** The syntax error told to {@code events} as an error, the first time only (a command over every server). */
    public void reportErrorOnce(Events events) {
        if (syntaxError != null && errorReported.compareAndSet(false, true)) {
            events.error(syntaxError.message());
        }
    }

    /** The warnings told to {@code events}, the first time only. */
    public void reportWarningsOnce(Events events) {
        if (warningsReported.compareAndSet(false, true)) {
            warnings.forEach(events::warning);
        }
    }

    /** The settings of a server, or null when no {@code .drill} file has a section for it. */
    public Server server(String name) {
        return servers.get(name);
    }

    public List<String> warnings() {
        return warnings;
    }

    public List<Path> files() {
        return files;
    }
}
