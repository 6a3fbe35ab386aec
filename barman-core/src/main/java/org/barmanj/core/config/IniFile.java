package org.barmanj.core.config;

import org.barmanj.core.compat.Printable;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The merged content of Barman's configuration files, with Python ConfigParser semantics
 * ({@code [DEFAULT]} values visible in every section, {@code %(name)s} interpolation).
 * Every value remembers the file and line it came from, for error messages.
 */
public final class IniFile {
    public static final String DEFAULT_SECTION = "DEFAULT";
    private static final int MAX_INTERPOLATION_DEPTH = 10;

    /** One {@code key = value} entry and where it was written. */
    public record Entry(String value, String source, int line) {
        public String where() {
            return source + " line " + line;
        }
    }

    /** A line ConfigParser could not read. */
    public record SyntaxError(String source, int line, String text, String problem) {
        public String message() {
            return "syntax error in " + source + " line " + line + ": '" + Printable.of(text.strip()) + "': " + problem;
        }
    }

    /** A section and the places it was opened (more than one when several files define it). */
    public static final class Section {
        private final String name;
        private final Map<String, Entry> entries = new LinkedHashMap<>();
        private final List<String> definedIn = new ArrayList<>();

        Section(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        public Map<String, Entry> entries() {
            return entries;
        }

        /** Distinct files that open this section, in reading order. */
        public List<String> definedIn() {
            return definedIn;
        }
    }

    private final Map<String, Section> sections = new LinkedHashMap<>();
    private final Section defaults = new Section(DEFAULT_SECTION);

    /** Reads {@code text} (the content of {@code source}) into this file, returning its syntax errors. */
    public List<SyntaxError> read(String source, String text) {
        return IniParser.parse(source, text, this);
    }

    void addSection(String name, String source, int line) {
        Section s = DEFAULT_SECTION.equals(name) ? defaults : sections.computeIfAbsent(name, Section::new);
        if (!s.definedIn.contains(source)) {
            s.definedIn.add(source);
        }
    }

    void put(String section, String option, String value, String source, int line) {
        Section s = DEFAULT_SECTION.equals(section) ? defaults : sections.get(section);
        s.entries.put(option, new Entry(value, source, line));
    }

    void setValue(String section, String option, String value) {
        Section s = DEFAULT_SECTION.equals(section) ? defaults : sections.get(section);
        Entry e = s.entries.get(option);
        s.entries.put(option, new Entry(value, e.source(), e.line()));
    }

    /** Section names in the order first seen (without {@code DEFAULT}). */
    public List<String> sectionNames() {
        return new ArrayList<>(sections.keySet());
    }

    public Section section(String name) {
        return sections.get(name);
    }

    public boolean hasSection(String name) {
        return sections.containsKey(name);
    }

    /** The raw entry for an option of a section, falling back to {@code [DEFAULT]}; null if absent. */
    public Entry raw(String section, String option) {
        Section s = sections.get(section);
        if (s == null) {
            return null;
        }
        Entry e = s.entries.get(option);
        return e != null ? e : defaults.entries.get(option);
    }

    /** Option names visible in a section, its own first, then those from {@code [DEFAULT]}. */
    public List<String> options(String section) {
        List<String> names = new ArrayList<>(sections.get(section).entries.keySet());
        for (String d : defaults.entries.keySet()) {
            if (!names.contains(d)) {
                names.add(d);
            }
        }
        return names;
    }

    /**
     * The interpolated value of an option, or null when the section or option is absent.
     * Lookup order for {@code %(key)s}: {@code vars}, the section, {@code [DEFAULT]}.
     *
     * @throws IllegalArgumentException with ConfigParser's explanation when interpolation fails
     */
    public String get(String section, String option, Map<String, String> vars) {
        Entry e = raw(section, option);
        if (e == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        interpolate(section, option, e.value(), vars, out, 1);
        return out.toString();
    }

    private void interpolate(String section, String option, String rest, Map<String, String> vars,
                             StringBuilder out, int depth) {
        if (depth > MAX_INTERPOLATION_DEPTH) {
            throw new IllegalArgumentException("recursion limit exceeded while interpolating option '" + option
                    + "' in section [" + section + "]");
        }
        while (!rest.isEmpty()) {
            int p = rest.indexOf('%');
            if (p < 0) {
                out.append(rest);
                return;
            }
            out.append(rest, 0, p);
            rest = rest.substring(p);
            char c = rest.length() > 1 ? rest.charAt(1) : 0;
            if (c == '%') {
                out.append('%');
                rest = rest.substring(2);
            } else if (c == '(') {
                int close = rest.indexOf(')');
                if (close < 3 || close + 1 >= rest.length() || rest.charAt(close + 1) != 's') {
                    throw new IllegalArgumentException("bad interpolation reference " + rest
                            + " (use %(name)s, or %% for a literal %)");
                }
                String var = rest.substring(2, close).toLowerCase(Locale.ROOT);
                rest = rest.substring(close + 2);
                String v = lookup(section, var, vars);
                if (v == null) {
                    throw new IllegalArgumentException("'%(" + var + ")s' names no option of section ["
                            + section + "] nor [DEFAULT] (a literal % is written %%)");
                }
                if (v.indexOf('%') >= 0) {
                    interpolate(section, option, v, vars, out, depth + 1);
                } else {
                    out.append(v);
                }
            } else {
                throw new IllegalArgumentException("'%' must be followed by '%' or '(' in " + rest
                        + " (a literal % is written %%)");
            }
        }
    }

    private String lookup(String section, String var, Map<String, String> vars) {
        if (vars != null && vars.containsKey(var)) {
            return vars.get(var);
        }
        Entry e = raw(section, var);
        return e == null ? null : e.value();
    }
}
