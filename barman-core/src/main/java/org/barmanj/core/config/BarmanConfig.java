package org.barmanj.core.config;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.fs.IoReason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Barman's configuration: the main file, the {@code *.conf} files of {@code configuration_files_directory},
 * the global settings and one {@link ServerConfig} per server section.
 *
 * <p>Problems are handled as Barman does, with messages that also name the file and line: fatal problems
 * (no file, no {@code barman_home}, a broken main file) throw {@link BarmanException}; unknown options and
 * unparsable values become {@link #warnings()}; a server whose own configuration is unusable is disabled
 * with the reason, and the other servers keep working.
 */
public final class BarmanConfig {
    public static final List<String> DEFAULT_LOCATIONS =
            List.of("~/.barman.conf", "/etc/barman.conf", "/etc/barman/barman.conf");
    /** The options only {@code [barman]} may set (the server options it may also set are {@link Option}'s). */
    public static final List<String> GLOBAL_OPTIONS = List.of("barman_home", "barman_user", "barman_lock_directory",
            "configuration_files_directory", "log_file", "log_level", "log_format");
    private static final Set<String> GLOBAL_ONLY = Set.copyOf(GLOBAL_OPTIONS);
    private static final Pattern QUOTED = Pattern.compile("^([\"'])(.*)\\1$", Pattern.DOTALL);
    private static final String GLOBAL = "barman";
    /** Barman 3.17's key marking a section as a configuration model rather than a server. */
    private static final String MODEL = "model";

    private final Path configFile;
    private final IniFile ini = new IniFile();
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, ServerConfig> servers = new TreeMap<>();
    private final Map<String, List<String>> fileProblems = new HashMap<>();
    private String barmanHome;
    private String barmanUser;
    private String lockDirectory;
    private String logFile;
    private String logLevel;

    private BarmanConfig(Path configFile) {
        this.configFile = configFile;
    }

    /**
     * Finds and reads the configuration: {@code explicitFile} (from {@code -c}) if given, else
     * {@code BARMAN_CONFIG_FILE}, else the first existing default location.
     */
    public static BarmanConfig load(String explicitFile, Map<String, String> env, String userHome) {
        return load(explicitFile, env, userHome, DEFAULT_LOCATIONS);
    }

    static BarmanConfig load(String explicitFile, Map<String, String> env, String userHome, List<String> locations) {
        Path file = locate(explicitFile, env, userHome, locations);
        BarmanConfig config = new BarmanConfig(file);
        config.read(userHome);
        return config;
    }

    private static Path locate(String explicitFile, Map<String, String> env, String userHome, List<String> locations) {
        String chosen = explicitFile != null ? explicitFile : env.get("BARMAN_CONFIG_FILE");
        if (chosen != null) {
            Path p = Path.of(expandUser(chosen, userHome));
            if (!Files.exists(p)) {
                throw new BarmanException(ErrorCode.CONFIG_NOT_FOUND,
                        "Configuration file '" + chosen + "' does not exist");
            }
            return p;
        }
        for (String candidate : locations) {
            Path p = Path.of(expandUser(candidate, userHome));
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new BarmanException(ErrorCode.CONFIG_NOT_FOUND,
                "Could not find any configuration file at default locations ("
                        + String.join(", ", locations) + "); give one with -c FILE");
    }

    private void read(String userHome) {
        List<IniFile.SyntaxError> errors = ini.read(configFile.toString(), readText(configFile));
        if (!errors.isEmpty()) {
            throw new BarmanException(ErrorCode.CONFIG_SYNTAX, errors.get(0).message());
        }
        if (!ini.hasSection(GLOBAL)) {
            throw new BarmanException(ErrorCode.CONFIG_INVALID,
                    "Configuration file " + configFile + " has no [barman] section (it must set at least barman_home)");
        }
        Map<String, IniFile.Entry> globalBefore = new LinkedHashMap<>(ini.section(GLOBAL).entries());
        readConfigurationDirectory(userHome, globalBefore);

        barmanHome = global("barman_home");
        if (barmanHome == null || barmanHome.isEmpty()) {
            throw new BarmanException(ErrorCode.CONFIG_INVALID,
                    "Parameter \"barman_home\" is required in [barman] section of " + configFile);
        }
        barmanHome = expandUser(barmanHome, userHome);
        String lock = global("barman_lock_directory");
        lockDirectory = lock == null || lock.isEmpty() ? barmanHome : lock;
        String user = global("barman_user");
        barmanUser = user == null || user.isEmpty() ? "barman" : user;
        logFile = global("log_file");
        String level = global("log_level");
        logLevel = level == null || level.isEmpty() ? "INFO" : level;
        for (String key : ini.section(GLOBAL).entries().keySet()) {
            Option o = Option.byKey(key);
            if (!GLOBAL_ONLY.contains(key) && (o == null || !o.settable())) {
                warnUnknown(key, GLOBAL);
            }
        }
        for (String name : ini.sectionNames()) {
            if (name.equals(GLOBAL)) {
                continue;
            }
            if (name.equals("all")) {
                throw new BarmanException(ErrorCode.CONFIG_INVALID, "the reserved word 'all' is not allowed as server name ("
                        + ini.section(name).definedIn().get(0) + "); please rename the section");
            }
            String unusable = unusableServerName(name);
            if (unusable != null) {
                warnings.add("Ignoring server [" + name + "] (" + String.join(", ", ini.section(name).definedIn())
                        + "): " + unusable);
                continue;
            }
            IniFile.Entry model = ini.raw(name, MODEL);
            if (model != null && isTrue(clean(model.value()))) {
                // Barman 3.17's configuration models: taken as a server, its settings would be backed up as one.
                warnings.add("Ignoring section [" + name + "] (" + model.where() + "): model = " + clean(model.value())
                        + " is not supported by this version: supported: server sections (model = false or unset)");
                continue;
            }
            servers.put(name, resolveServer(name));
        }
        checkConflictingPaths();
    }

    /**
     * Why a section name cannot be a server's, or null. The name becomes a folder of {@code barman_home} and an
     * argument of commands run over ssh: with a {@code /} or as {@code .}/{@code ..} it would name a folder outside
     * its own; starting with {@code -} it would be read as an option.
     */
    private static String unusableServerName(String name) {
        if (name.contains("/") || name.equals(".") || name.equals("..") || name.startsWith("-") || name.isEmpty()) {
            return "a server name must not contain '/', start with '-' or be '.' or '..'";
        }
        return null;
    }

    private String global(String key) {
        try {
            return clean(ini.get(GLOBAL, key, Map.of()));
        } catch (IllegalArgumentException e) {
            IniFile.Entry raw = ini.raw(GLOBAL, key);
            throw new BarmanException(ErrorCode.CONFIG_INVALID, "Invalid value '" + raw.value() + "' for key " + key
                    + " in [barman] section (" + raw.where() + "): " + e.getMessage());
        }
    }

    private void readConfigurationDirectory(String userHome, Map<String, IniFile.Entry> globalBefore) {
        String dir = global("configuration_files_directory");
        if (dir == null || dir.isEmpty()) {
            return;
        }
        Path folder = Path.of(expandUser(dir, userHome));
        if (!Files.isDirectory(folder)) {
            warnings.add("Ignoring the \"configuration_files_directory\" option as \"" + dir + "\" is not a directory");
            return;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".conf")).sorted().toList();
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.CONFIG_UNREADABLE, "Cannot list configuration_files_directory '"
                    + dir + "': " + IoReason.of(e), e);
        }
        for (Path file : files) {
            if (!Files.isRegularFile(file)) {
                warnings.add("Discarding configuration file: " + file.getFileName() + " (not a file)");
                continue;
            }
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                warnings.add("Skipping configuration file " + file + ": " + IoReason.of(e));
                continue;
            }
            List<IniFile.SyntaxError> errors = ini.read(file.toString(), text);
            for (IniFile.SyntaxError error : errors) {
                warnings.add(error.message() + "; the servers defined in this file are disabled");
                fileProblems.computeIfAbsent(file.toString(), f -> new ArrayList<>()).add(error.message());
            }
            if (!sameEntries(ini.section(GLOBAL).entries(), globalBefore)) {
                throw new BarmanException(ErrorCode.CONFIG_INVALID, "the configuration file " + file.getFileName()
                        + " contains a not empty [barman] section (global options belong in " + configFile + ")");
            }
        }
    }

    /**
     * Whether a file left the entries as they were: the same entry objects under the same keys (a file that sets
     * a key makes a new entry). Not {@code Map.equals}: a record's first {@code equals} call costs about 20 ms of
     * start-up (its method handles are built then), paid by every put-wal.
     */
    private static boolean sameEntries(Map<String, IniFile.Entry> now, Map<String, IniFile.Entry> before) {
        if (now.size() != before.size()) {
            return false;
        }
        for (Map.Entry<String, IniFile.Entry> e : now.entrySet()) {
            if (before.get(e.getKey()) != e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private ServerConfig resolveServer(String name) {
        IniFile.Section section = ini.section(name);
        Map<Option, Object> values = new EnumMap<>(Option.class);
        Map<Option, String> sources = new EnumMap<>(Option.class);
        List<String> problems = new ArrayList<>();
        for (String file : section.definedIn()) {
            problems.addAll(fileProblems.getOrDefault(file, List.of()));
        }
        if (section.definedIn().size() > 1) {
            warnings.add("Server [" + name + "] is defined in more than one file (" + String.join(", ", section.definedIn())
                    + "); its options are merged, the later file winning. Give each server its own section name.");
        }
        for (String key : section.entries().keySet()) {
            Option o = Option.byKey(key);
            if ((o == null || !o.settable()) && !key.equals(MODEL)) {
                warnUnknown(key, name);
            }
        }
        // What %(key)s may refer to: Barman's own attributes, then options resolved so far.
        Map<String, String> vars = new HashMap<>();
        vars.put("name", name);
        vars.put("barman_home", barmanHome);
        vars.put("barman_lock_directory", lockDirectory);
        for (Option option : Option.values()) {
            Object value = null;
            if (option.settable()) {
                Resolved r = resolve(name, name, option, vars, problems);
                if (r.found) {
                    value = r.value;
                    sources.put(option, ini.raw(name, option.key()).where());
                }
                if (value == null && option.inheritable()) {
                    Resolved g = resolve(GLOBAL, name, option, vars, problems);
                    if (g.found && g.value != null) {
                        value = g.value;
                        sources.put(option, "[barman] " + ini.raw(GLOBAL, option.key()).where());
                    }
                }
            }
            if (value == null && option.defaultTemplate() != null) {
                value = parseQuietly(option, pythonFormat(option.defaultTemplate(), vars));
            }
            if ("".equals(value) || "None".equals(value)) {
                value = null;
            }
            values.put(option, value);
            vars.put(option.key(), pythonStr(value));
        }
        ServerConfig server = new ServerConfig(name, barmanHome, lockDirectory, values, sources, List.of(), configFile);
        for (String p : problems) {
            server.disable(p);
        }
        requireConnectionSettings(server);
        warnings.addAll(Unsupported.ignored(server));
        return server;
    }

    private record Resolved(boolean found, Object value) {
    }

    /** One lookup of an option in one section, with Barman's quote stripping and {@code None} handling. */
    private Resolved resolve(String section, String server, Option option, Map<String, String> vars,
                             List<String> problems) {
        IniFile.Entry raw = ini.raw(section, option.key());
        if (raw == null) {
            return new Resolved(false, null);
        }
        String text;
        try {
            text = ini.get(section, option.key(), vars);
        } catch (IllegalArgumentException e) {
            problems.add("Invalid value '" + raw.value() + "' for key " + option.key() + " in [" + section
                    + "] section (" + raw.where() + "): " + e.getMessage());
            return new Resolved(false, null);
        }
        text = text.equalsIgnoreCase("none") ? "" : clean(text);
        try {
            return new Resolved(true, option.type().parse(text));
        } catch (IllegalArgumentException e) {
            String where = "[" + section + "] section (" + raw.where() + ")";
            if (option.type().keepsInvalidText()) {
                warnings.add("Invalid configuration value '" + text + "' for key " + option.key() + " in " + where
                        + ": " + e.getMessage() + "; 'barman check " + server + "' fails until it is fixed");
                return new Resolved(true, text);
            }
            warnings.add("Ignoring invalid configuration value '" + text + "' for key " + option.key() + " in "
                    + where + ": " + e.getMessage());
            return new Resolved(false, null);
        }
    }

    private static boolean isTrue(String text) {
        try {
            return Boolean.TRUE.equals(OptionType.BOOLEAN.parse(text));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Object parseQuietly(Option option, String text) {
        try {
            return option.type().parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Barman disables a server that lacks the settings its backup method needs. */
    private void requireConnectionSettings(ServerConfig server) {
        if (server.string(Option.CONNINFO) == null) {
            server.disable("PostgreSQL connection: Missing 'conninfo' parameter for server '" + server.name() + "'");
        }
        String method = server.string(Option.BACKUP_METHOD);
        boolean streamingArchiver = server.flag(Option.STREAMING_ARCHIVER);
        if (("postgres".equals(method) || streamingArchiver) && server.string(Option.STREAMING_CONNINFO) == null) {
            server.disable("Streaming connection: Missing 'streaming_conninfo' parameter for server '" + server.name()
                    + "'");
        }
        if (streamingArchiver && !server.flag(Option.ARCHIVER) && server.string(Option.SLOT_NAME) == null) {
            server.disable("Streaming-only archiver requires 'streaming_conninfo' and 'slot_name' options to be "
                    + "properly configured");
        }
        String ssh = server.string(Option.SSH_COMMAND);
        if ("rsync".equals(method) && ssh == null) {
            server.disable("Missing or invalid ssh_command in barman configuration for server " + server.name());
        }
        if (("rsync".equals(method) || "local-rsync".equals(method)) && server.words(Option.BACKUP_OPTIONS).stream()
                .noneMatch(o -> o.equals("concurrent_backup") || o.equals("exclusive_backup"))) {
            warnings.add("No backup strategy set for server '" + server.name() + "' (using default 'concurrent_backup').");
        }
        if ("postgres".equals(method)) {
            postgresMethodSettings(server);
        } else if ("rsync".equals(method) && BackupCompression.of(server) != null) {
            server.disable("backup_compression option is not supported by rsync backup_method");
        }
        if ("local-rsync".equals(method) && ssh != null) {
            server.disable("ssh_command must be empty for backup_method = local-rsync (server " + server.name() + ")");
        }
        if (!server.flag(Option.ARCHIVER) && !server.flag(Option.STREAMING_ARCHIVER)) {
            warnings.add("No archiver enabled for server '" + server.name()
                    + "'. Please turn on 'archiver', 'streaming_archiver' or both");
            warnings.add("Forcing 'archiver = on'");
            server.forceArchiver();
        }
    }

    /**
     * Barman's validation of {@code backup_method = postgres} (its executor's): the rsync-only options disable the
     * server, {@code exclusive_backup} becomes {@code concurrent_backup}; {@code parallel_jobs}, which Barman
     * silently leaves unused there, is warned about.
     */
    private void postgresMethodSettings(ServerConfig server) {
        if (server.words(Option.BACKUP_OPTIONS).contains("exclusive_backup")) {
            warnings.add("'exclusive_backup' is not a valid backup_option using postgres backup_method. "
                    + "Overriding with 'concurrent_backup'.");
        }
        if (server.get(Option.TABLESPACE_BANDWIDTH_LIMIT) != null) {
            server.disable("tablespace_bandwidth_limit option is not supported by postgres backup_method");
        }
        String reuse = server.string(Option.REUSE_BACKUP);
        if ("copy".equals(reuse) || "link".equals(reuse)) {
            server.disable("reuse_backup option is not supported by postgres backup_method");
        }
        if (server.flag(Option.NETWORK_COMPRESSION)) {
            server.disable("network_compression option is not supported by postgres backup_method");
        }
        BackupCompression compression = BackupCompression.of(server);
        if (compression != null) {
            // The rules that need no version (the others are checked by check and backup, once connected).
            compression.issues(null, null).forEach(server::disable);
        }
        Integer jobs = server.integer(Option.PARALLEL_JOBS);
        if (jobs != null && jobs != 1) {
            warnings.add("parallel_jobs = " + jobs + " is ignored by this version (server " + server.name() + ", "
                    + server.source(Option.PARALLEL_JOBS) + "): backup_method = postgres copies with one "
                    + "pg_basebackup");
        }
    }

    private static final Option[] PATH_OPTIONS = {Option.BACKUP_DIRECTORY, Option.BASEBACKUPS_DIRECTORY,
            Option.ERRORS_DIRECTORY, Option.INCOMING_WALS_DIRECTORY, Option.STREAMING_WALS_DIRECTORY,
            Option.WALS_DIRECTORY};

    /** Two servers must never share a catalog directory; a clash inside one server disables it. */
    private void checkConflictingPaths() {
        record Owner(String label, String server, String source) {
        }
        Map<Path, Owner> owners = new HashMap<>();
        for (ServerConfig server : servers.values()) {
            Map<Option, String> paths = new TreeMap<>(Comparator.comparing(Option::key));
            for (Option o : PATH_OPTIONS) {
                String p = server.string(o);
                if (p != null) {
                    paths.put(o, p);
                }
            }
            for (Map.Entry<Option, String> e : paths.entrySet()) {
                Path real = realPath(Path.of(e.getValue()));
                String source = server.source(e.getKey());
                Owner owner = owners.putIfAbsent(real, new Owner(e.getKey().key(), server.name(), source));
                if (owner == null) {
                    continue;
                }
                String msg = "Conflicting path: " + e.getKey().key() + "=" + e.getValue() + " for server '"
                        + server.name() + "' (" + source + ") conflicts with '" + owner.label() + "' for server '"
                        + owner.server() + "' (" + owner.source() + ")";
                if (owner.server().equals(server.name())) {
                    server.disable(msg);
                } else {
                    throw new BarmanException(ErrorCode.CONFIG_INVALID, msg);
                }
            }
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    private void warnUnknown(String key, String section) {
        IniFile.Entry raw = ini.section(section).entries().get(key);
        String hint = closestOption(key);
        warnings.add("Invalid configuration option \"" + key + "\" in [" + section + "] section (" + raw.where()
                + "): not a Barman option" + (hint == null ? "" : "; did you mean \"" + hint + "\"?"));
    }

    private static String closestOption(String key) {
        String best = null;
        int bestDistance = 3;
        List<String> candidates = new ArrayList<>(GLOBAL_ONLY);
        for (Option o : Option.values()) {
            candidates.add(o.key());
        }
        for (String c : candidates) {
            int d = editDistance(key, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Barman strips one pair of matching quotes around a value. */
    private static String clean(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = QUOTED.matcher(value);
        return m.matches() ? m.group(2) : value;
    }

    /** Python's {@code template % dict} for {@code %(key)s} placeholders. */
    private static String pythonFormat(String template, Map<String, String> vars) {
        StringBuilder out = new StringBuilder();
        Matcher m = Pattern.compile("%\\(([^)]+)\\)s").matcher(template);
        int last = 0;
        while (m.find()) {
            out.append(template, last, m.start()).append(vars.getOrDefault(m.group(1), "None"));
            last = m.end();
        }
        return out.append(template.substring(last)).toString();
    }

    /** Python's {@code str()} of a resolved value, as seen by later {@code %(key)s} references. */
    private static String pythonStr(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        return value.toString();
    }

    static String expandUser(String path, String userHome) {
        if (path.equals("~") || path.startsWith("~/")) {
            return userHome + path.substring(1);
        }
        return path;
    }

    private static String readText(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.CONFIG_UNREADABLE, "Cannot read configuration file '" + file + "': "
                    + IoReason.of(e), e);
        }
    }

    public Path configFile() {
        return configFile;
    }

    public String barmanHome() {
        return barmanHome;
    }

    public String barmanUser() {
        return barmanUser;
    }

    public String lockDirectory() {
        return lockDirectory;
    }

    public String logFile() {
        return logFile;
    }

    public String logLevel() {
        return logLevel;
    }

    /** Warnings found while reading, one line each, to print as {@code WARNING: ...}. */
    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }

    /** Every server, sorted by name. */
    public Map<String, ServerConfig> servers() {
        return Collections.unmodifiableMap(servers);
    }

    /** The named server or null. */
    public ServerConfig server(String name) {
        return servers.get(name);
    }

    /**
     * The options of {@code [barman]} with their interpolated values, sorted by name (Barman's
     * {@code items("barman")}, which {@code diagnose} shows); a value that cannot be interpolated is shown as written.
     */
    public Map<String, String> globalOptions() {
        Map<String, String> options = new TreeMap<>();
        if (!ini.hasSection(GLOBAL)) {
            return options;
        }
        for (String key : ini.section(GLOBAL).entries().keySet()) {
            try {
                options.put(key, ini.get(GLOBAL, key, Map.of()));
            } catch (IllegalArgumentException e) {
                options.put(key, ini.raw(GLOBAL, key).value());
            }
        }
        return options;
    }
}
