package org.barmanj.cli.man;

import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.Unsupported;
import org.barmanj.core.drill.DrillSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * barman.conf(5): the file's locations and syntax (docs/configuration.md), then every option with its
 * description (docs/options.md) and, from the code, its type, default, scope and whether this version refuses
 * or ignores it (config/Option.java, config/Unsupported.java).
 */
final class ConfPage {
    static final String GLOBAL = "Global options";
    static final String SERVER = "Server options";
    static final String DRILL = "Drill options";
    /** The example: the sample server configuration shipped in etc/. */
    static final String EXAMPLE = "etc/barman.d/ssh-server.conf-template";

    /** What refuses a setting, in words: the commands that stop. */
    private static final Map<Unsupported.Use, String> USES = new EnumMap<>(Unsupported.Use.class);

    static {
        USES.put(Unsupported.Use.BACKUP, "backup");
        USES.put(Unsupported.Use.ARCHIVE, "archive-wal (and that step of cron, recover and switch-wal --archive)");
        USES.put(Unsupported.Use.RECOVER, "recover");
        USES.put(Unsupported.Use.DELETE, "delete and cron's retention");
        USES.put(Unsupported.Use.CRON, "cron");
    }

    private ConfPage() {
    }

    /** Every option the configuration files take: the global ones, the settable server ones, the drill ones. */
    static List<String> options() {
        List<String> all = new ArrayList<>(BarmanConfig.GLOBAL_OPTIONS);
        for (Option o : Option.values()) {
            if (o.settable()) {
                all.add(o.key());
            }
        }
        all.addAll(DrillSettings.OPTIONS);
        all.add(DrillSettings.PROBE + "<name>");
        return all;
    }

    static String render(Path root, String date, String version) throws IOException {
        OptionDocs docs = OptionDocs.read(root.resolve("docs/options.md"));
        List<String> problems = docs.problems(options());
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("\n", problems));
        }
        List<Markdown.Block> configuration = Markdown.read(root.resolve("docs/configuration.md"));
        Roff page = new Roff("barman.conf", 5, date, "barmanj " + version, "barmanj manual");
        page.section("NAME").raw("barman.conf \\- configuration of barman, Barman's files and options");
        page.section("SYNOPSIS");
        page.lines(BarmanConfig.DEFAULT_LOCATIONS.stream().map(Roff::italic).collect(Collectors.joining(", "))
                + ", and the " + Roff.bold("*.conf") + " files of " + Roff.bold("configuration_files_directory"));
        page.section("DESCRIPTION");
        page.paragraph("barman (barmanj) reads the configuration files of Barman: the same locations, syntax, "
                + "options and defaults, so that both can be pointed at the same files. A file is read as Python's "
                + "ConfigParser reads it.");
        Markdown.render(page, Markdown.section(configuration, "Where it is read from"));
        page.section("FILE FORMAT");
        Markdown.render(page, Markdown.section(configuration, "File format (Python ConfigParser, as Barman)"));
        options(page, docs.section(GLOBAL), false);
        options(page, docs.section(SERVER), true);
        options(page, docs.section(DRILL), false);
        notImplemented(page);
        example(page, root.resolve(EXAMPLE));
        page.section("SEE ALSO");
        page.lines(Roff.bold("barman") + "(1), " + Roff.bold("barman-wal-archive")
                + "(1), " + Roff.bold("barman-wal-restore") + "(1)");
        return page.toString();
    }

    private static void options(Roff page, OptionDocs.Section section, boolean server) {
        page.section(section.title().toUpperCase(java.util.Locale.ROOT));
        for (String p : section.intro()) {
            page.paragraph(p);
        }
        for (OptionDocs.Entry e : section.entries()) {
            page.tagged(e.names().stream().map(Roff::bold).collect(Collectors.joining(", ")),
                    Roff.inline(e.paragraphs().get(0)));
            for (String p : e.paragraphs().subList(1, e.paragraphs().size())) {
                page.indented(Roff.inline(p));
            }
            if (server) {
                for (String line : facts(e.names())) {
                    page.indented(line);
                }
            }
        }
    }

    /** What the code says of the entry's options: type, default, scope, refusal; one line per option when they differ. */
    private static List<String> facts(List<String> names) {
        List<String> lines = new ArrayList<>();
        List<String> each = names.stream().map(n -> facts(Option.byKey(n))).toList();
        if (each.stream().distinct().count() == 1) {
            lines.add(each.get(0));
        } else {
            for (int i = 0; i < names.size(); i++) {
                lines.add(Roff.bold(names.get(i)) + ": " + each.get(i));
            }
        }
        return lines;
    }

    private static String facts(Option o) {
        StringBuilder b = new StringBuilder();
        b.append("Type: ").append(Roff.escape(o.type().describe())).append(". Default: ");
        String d = o.defaultTemplate();
        b.append(d == null ? "unset" : d.isEmpty() ? "empty" : Roff.bold(d)).append(". ");
        b.append(o.inheritable() ? "May also be set in " + Roff.bold("[barman]") + " for every server."
                : "Server sections only.");
        if (o.newerThan34()) {
            b.append(" Added after Barman 3.4, which warns that it does not know it.");
        }
        for (Unsupported.Rule r : Unsupported.refusedOptions()) {
            if (r.option() == o) {
                b.append(" This version supports only: ").append(Roff.escape(r.supported()))
                        .append("; any other setting makes ").append(uses(r.uses(), "or")).append(" refuse to run and ")
                        .append(Roff.bold("check")).append(" fail.");
            }
        }
        String ignored = Unsupported.ignoredOptions().get(o);
        if (ignored != null) {
            b.append(" Ignored by this version, with a warning: ").append(Roff.escape(ignored)).append('.');
        }
        return b.toString();
    }

    /** The commands that refuse, {@code conjunction} before the last. */
    private static String uses(Set<Unsupported.Use> uses, String conjunction) {
        List<String> words = new ArrayList<>();
        for (Unsupported.Use u : uses) {
            String w = USES.get(u);
            if (w == null) {
                throw new IllegalStateException("no words for Unsupported.Use." + u + " in ConfPage.USES");
            }
            words.add(Roff.bold(w));
        }
        return words.size() == 1 ? words.get(0)
                : String.join(", ", words.subList(0, words.size() - 1)) + " " + conjunction + " "
                        + words.get(words.size() - 1);
    }

    /** The refused and ignored settings in one list, from config/Unsupported.java. */
    private static void notImplemented(Roff page) {
        page.section("NOT IMPLEMENTED");
        page.paragraph("A setting Barman accepts that this version does not implement is never silently ignored "
                + "or served by something else. When ignoring it would change what is stored, restored or run, the "
                + "command that would use it refuses with one line naming the option, the value and what is "
                + "supported, before touching anything, and `check` fails a row with the same line:");
        for (Unsupported.Rule r : Unsupported.refusedOptions()) {
            page.bullet(Roff.bold(r.option().key()) + ": supported: " + Roff.escape(r.supported()) + "; refused by "
                    + uses(r.uses(), "and") + ".");
        }
        page.paragraph("When it only tunes speed or resources, it is ignored with a warning naming where it is set:");
        for (Map.Entry<Option, String> e : Unsupported.ignoredOptions().entrySet()) {
            page.bullet(Roff.bold(e.getKey().key()) + ": " + Roff.escape(e.getValue()) + ".");
        }
        page.paragraph("Options that act only together with a refused value (the `custom_*` ones with "
                + "`compression = custom`, the `snapshot_*` ones, ...) are covered by that refusal. A section with "
                + "`model = true` (a Barman 3.17 configuration model) is ignored with a warning.");
    }

    /** The sample server configuration, its settings without the comments. */
    private static void example(Roff page, Path sample) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(sample)) {
            if (l.startsWith("[") && !lines.isEmpty()) {
                lines.add("");
            }
            if (!l.isBlank() && !l.startsWith(";") && !l.startsWith("#")) {
                lines.add(l);
            }
        }
        page.section("EXAMPLE");
        page.paragraph("A server backed up with rsync over ssh, its WAL files sent by barman-wal-archive(1) "
                + "(`/etc/barman.d/ssh.conf`, from the sample `" + sample.getFileName() + "`):");
        page.literal(lines);
    }
}
