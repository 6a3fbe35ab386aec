package org.barmanj.cli.man;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docs/options.md, the one source of the configuration options' descriptions: sections ({@code ## Title}) of
 * entries, each one or more consecutive {@code ### `option`} headings and the paragraphs after them.
 */
final class OptionDocs {
    /** One entry: the options it describes and its paragraphs (inline Markdown). */
    record Entry(List<String> names, List<String> paragraphs, String where) {
    }

    /** A section: its title, the paragraphs before its first entry and its entries. */
    record Section(String title, List<String> intro, List<Entry> entries) {
    }

    private static final Pattern NAME = Pattern.compile("`([a-z][a-z0-9_]*(?:<name>)?)`");
    private static final Pattern LINK = Pattern.compile("\\]\\(#([^)]*)\\)");
    /** A code span that names an option: a word with an underscore, alone or before {@code =}. */
    private static final Pattern CODE_NAME = Pattern.compile("`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?:`| = )");
    /**
     * The words with an underscore the descriptions show in code spans that are not options: option values and
     * PostgreSQL's names. Any other such word must be an option, so that a description cannot go on naming an
     * option that was renamed or removed.
     */
    static final Set<String> NOT_OPTIONS = Set.of("application_name", "archive_command", "backup_manifest",
            "concurrent_backup", "exclusive_backup", "external_configuration", "pg_amcheck", "pg_backup_start",
            "pg_backup_stop", "pg_checksums", "restore_command", "synchronous_standby_names");

    private final String source;
    private final List<Section> sections;

    private OptionDocs(String source, List<Section> sections) {
        this.source = source;
        this.sections = sections;
    }

    static OptionDocs read(Path file) throws IOException {
        return parse(file.toString(), Files.readAllLines(file));
    }

    static OptionDocs parse(String source, List<String> lines) {
        List<Section> sections = new ArrayList<>();
        List<Markdown.Block> blocks = Markdown.parse(source, lines);
        Section section = null;
        List<String> names = new ArrayList<>();
        List<String> text = new ArrayList<>();
        int entryLine = 0;
        for (Markdown.Block b : blocks) {
            if (b instanceof Markdown.Heading h && h.level() <= 2) {
                close(section, names, text, source, entryLine);
                section = h.level() == 2 ? new Section(h.text(), new ArrayList<>(), new ArrayList<>()) : null;
                if (section != null) {
                    sections.add(section);
                }
            } else if (b instanceof Markdown.Heading h && h.level() == 3) {
                if (section == null) {
                    throw new IllegalArgumentException(source + " line " + h.line() + ": an entry outside a section");
                }
                if (!text.isEmpty()) {
                    close(section, names, text, source, entryLine);
                }
                Matcher m = NAME.matcher(h.text());
                if (!m.matches()) {
                    throw new IllegalArgumentException(source + " line " + h.line()
                            + ": an entry's heading is one option name in backticks: '" + h.text() + "'");
                }
                if (names.isEmpty()) {
                    entryLine = h.line();
                }
                names.add(m.group(1));
            } else if (b instanceof Markdown.Paragraph p) {
                if (section == null) {
                    continue;
                }
                if (names.isEmpty()) {
                    section.intro().add(p.text());
                } else {
                    text.add(p.text());
                }
            } else if (section != null) {
                throw new IllegalArgumentException(source + ": only paragraphs in sections and entries, not " + b);
            }
        }
        close(section, names, text, source, entryLine);
        return new OptionDocs(source, sections);
    }

    private static void close(Section section, List<String> names, List<String> text, String source, int line) {
        if (names.isEmpty()) {
            return;
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException(source + " line " + line + ": no description for " + names);
        }
        section.entries().add(new Entry(List.copyOf(names), List.copyOf(text), source + " line " + line));
        names.clear();
        text.clear();
    }

    List<Section> sections() {
        return sections;
    }

    Section section(String title) {
        return sections.stream().filter(s -> s.title().equals(title)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(source + ": no section '" + title + "'"));
    }

    /** Every option named by an entry's heading, with its entry. */
    Map<String, Entry> entries() {
        Map<String, Entry> all = new LinkedHashMap<>();
        for (Section s : sections) {
            for (Entry e : s.entries()) {
                for (String n : e.names()) {
                    if (all.put(n, e) != null) {
                        throw new IllegalArgumentException(e.where() + ": " + n + " has two entries");
                    }
                }
            }
        }
        return all;
    }

    /**
     * What is wrong with the entries, given the options that exist: an option without an entry, an entry or a
     * link ({@code [x](#x)}) naming no option. Empty when the descriptions match the code.
     */
    List<String> problems(Collection<String> options) {
        List<String> problems = new ArrayList<>();
        Map<String, Entry> entries = entries();
        for (String o : options) {
            if (!entries.containsKey(o)) {
                problems.add("no description of option " + o + " in " + source);
            }
        }
        Set<String> known = new LinkedHashSet<>(options);
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            if (!known.contains(e.getKey())) {
                problems.add(e.getValue().where() + ": describes " + e.getKey() + ", which is not an option");
            }
        }
        for (Section s : sections) {
            List<String> texts = new ArrayList<>(s.intro());
            s.entries().forEach(e -> texts.addAll(e.paragraphs()));
            for (String t : texts) {
                Matcher m = LINK.matcher(t);
                while (m.find()) {
                    if (!known.contains(m.group(1))) {
                        problems.add(source + " (" + s.title() + "): a link to #" + m.group(1)
                                + ", which is not an option");
                    }
                }
                Matcher c = CODE_NAME.matcher(t);
                while (c.find()) {
                    if (!known.contains(c.group(1)) && !NOT_OPTIONS.contains(c.group(1))) {
                        problems.add(source + " (" + s.title() + "): `" + c.group(1) + "` is not an option (a "
                                + "value or another name: add it to OptionDocs.NOT_OPTIONS)");
                    }
                }
            }
        }
        return problems;
    }
}
