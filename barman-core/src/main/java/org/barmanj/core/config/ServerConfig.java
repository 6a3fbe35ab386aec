package org.barmanj.core.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The resolved configuration of one server section: every {@link Option} with its typed value. */
public final class ServerConfig {
    private final String name;
    private final String barmanHome;
    private final String lockDirectory;
    private final Map<Option, Object> values;
    private final Map<Option, String> sources;
    private final List<String> problems;
    private final Path configFile;

    ServerConfig(String name, String barmanHome, String lockDirectory, Map<Option, Object> values,
                 Map<Option, String> sources, List<String> problems, Path configFile) {
        this.name = name;
        this.configFile = configFile;
        this.barmanHome = barmanHome;
        this.lockDirectory = lockDirectory;
        this.values = new EnumMap<>(Option.class);
        this.values.putAll(values);
        this.sources = sources;
        this.problems = new ArrayList<>(problems);
    }

    public String name() {
        return name;
    }

    /** The main configuration file this server was read with (hook scripts get it as BARMAN_CONFIGURATION). */
    public Path configFile() {
        return configFile;
    }

    public String barmanHome() {
        return barmanHome;
    }

    public String lockDirectory() {
        return lockDirectory;
    }

    /** The typed value of an option, or null when unset. */
    public Object get(Option option) {
        return values.get(option);
    }

    /** Where the value came from: {@code file line N}, {@code [barman] ...} or {@code default}. */
    public String source(Option option) {
        return sources.getOrDefault(option, "default");
    }

    public String string(Option option) {
        Object v = values.get(option);
        return v == null ? null : v.toString();
    }

    public boolean flag(Option option) {
        return Boolean.TRUE.equals(values.get(option));
    }

    public Integer integer(Option option) {
        Object v = values.get(option);
        return v instanceof Integer i ? i : null;
    }

    public Duration duration(Option option) {
        Object v = values.get(option);
        return v instanceof Duration d ? d : null;
    }

    @SuppressWarnings("unchecked")
    public Set<String> words(Option option) {
        Object v = values.get(option);
        return v instanceof Set<?> s ? (Set<String>) s : Set.of();
    }

    public Path path(Option option) {
        String v = string(option);
        return v == null ? null : Path.of(v);
    }

    public String description() {
        return string(Option.DESCRIPTION);
    }

    public boolean active() {
        return flag(Option.ACTIVE);
    }

    /** True when a configuration problem stops Barman from using this server (see {@link #problems()}). */
    public boolean disabled() {
        return flag(Option.DISABLED);
    }

    /** The reasons the server is disabled, each a one-line message naming file, option and value. */
    public List<String> problems() {
        return Collections.unmodifiableList(problems);
    }

    /** The retention policy, or null when unset or invalid (then {@code check} fails). */
    public RetentionPolicy retentionPolicy() {
        Object v = values.get(Option.RETENTION_POLICY);
        return v instanceof RetentionPolicy r ? r : null;
    }

    void forceArchiver() {
        values.put(Option.ARCHIVER, Boolean.TRUE);
    }

    void disable(String problem) {
        problems.add(problem);
        values.put(Option.DISABLED, Boolean.TRUE);
    }

    /** Every option with its value, in declaration order (for {@code show-servers}). */
    public Map<Option, Object> values() {
        Map<Option, Object> all = new EnumMap<>(Option.class);
        for (Option o : Option.values()) {
            all.put(o, values.get(o));
        }
        return all;
    }
}
