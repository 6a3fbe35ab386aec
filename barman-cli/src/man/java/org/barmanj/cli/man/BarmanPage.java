package org.barmanj.cli.man;

import org.barmanj.cli.BarmanCli;
import org.barmanj.core.BuildInfo;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.config.BarmanConfig;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * barman(1), one page for every command, as Barman's own: made from picocli's model of the commands
 * ({@link BarmanCli#model()}), so that each command, option and argument the code takes is on the page with the
 * help text {@code --help} shows; the exit statuses come from the error catalog ({@link ErrorCode}).
 */
final class BarmanPage {
    /**
     * What an exit status other than 1 means, per error code that ends with it; 1 is any other error. A code
     * with another status and no words here stops the build, so that the page lists every status.
     */
    private static final Map<ErrorCode, String> SPECIAL_EXITS = new EnumMap<>(ErrorCode.class);

    static {
        SPECIAL_EXITS.put(ErrorCode.USAGE, "the command line is not valid (an unknown option, a missing argument, "
                + "a value that is not allowed)");
        SPECIAL_EXITS.put(ErrorCode.NAGIOS_CRITICAL, "`check --nagios` found an active server with a failed check");
        SPECIAL_EXITS.put(ErrorCode.GET_WAL_BAD_REQUEST, "`get-wal` was asked for something that is not a WAL file "
                + "name, or cannot write where it was told to");
    }

    private BarmanPage() {
    }

    /** Each command once (picocli also lists it under its aliases), by name. */
    static List<CommandSpec> commands(CommandSpec root) {
        Map<CommandLine, Boolean> seen = new IdentityHashMap<>();
        Map<String, CommandSpec> byName = new TreeMap<>();
        for (CommandLine c : root.subcommands().values()) {
            if (seen.put(c, Boolean.TRUE) == null) {
                byName.put(c.getCommandSpec().name(), c.getCommandSpec());
            }
        }
        return List.copyOf(byName.values());
    }

    static String render(String date) {
        CommandSpec root = BarmanCli.model();
        Roff page = new Roff("barman", 1, date, "barmanj " + BuildInfo.VERSION, "barmanj manual");
        page.section("NAME").raw("barman \\- " + Roff.escape(description(root).replaceAll("\\.$", "")));
        page.section("SYNOPSIS");
        page.lines(Roff.bold("barman") + " [" + Roff.italic("GLOBAL OPTIONS") + "] " + Roff.italic("COMMAND") + " ["
                + Roff.italic("OPTIONS") + "] [" + Roff.italic("ARGUMENTS") + "]");
        page.section("DESCRIPTION");
        page.paragraph("barman is barmanj " + BuildInfo.VERSION + ", a PostgreSQL backup manager in Java that is "
                + "interchangeable with Barman " + BuildInfo.COMPAT_VERSION + ": the same configuration files (see "
                + "barman.conf(5)), the same catalog on disk, the same commands, output and exit codes. A catalog "
                + "written by either can be read by the other.");
        page.paragraph("Commands that take `SERVER_NAME` more than once also take `all`, every configured server. "
                + "Each command runs as the configured `barman_user`: started by root, barman runs itself again as "
                + "that user.");
        page.section("GLOBAL OPTIONS");
        for (OptionSpec o : root.options()) {
            option(page, o);
        }
        page.section("COMMANDS");
        for (CommandSpec c : commands(root)) {
            page.subsection(c.name());
            page.raw(".PP");
            page.lines(synopsis(c));
            if (c.aliases().length > 0) {
                page.paragraph((c.aliases().length == 1 ? "Alias: " : "Aliases: ")
                        + List.of(c.aliases()).stream().map(a -> "`" + a + "`").collect(Collectors.joining(", "))
                        + ".");
            }
            page.plainParagraph(description(c));
            for (PositionalParamSpec p : c.positionalParameters()) {
                page.tagged(Roff.italic(p.paramLabel()), Roff.escape(String.join(" ", p.description())));
            }
            for (OptionSpec o : c.options()) {
                option(page, o);
            }
        }
        page.section("BACKUP ID SHORTCUTS");
        page.paragraph("Where a command takes a `BACKUP_ID`, it also takes `latest` or `last` (the newest backup), "
                + "`oldest` or `first` (the oldest one), `last-failed` (the newest FAILED one) and the name given to "
                + "a backup with `backup --name`.");
        exitStatus(page);
        page.section("ENVIRONMENT");
        page.tagged(Roff.bold("BARMAN_CONFIG_FILE"), Roff.inline("The configuration file to read when `-c` is not "
                + "given, instead of the default locations."));
        page.section("FILES");
        page.paragraph("The main configuration file, when neither `-c` nor `BARMAN_CONFIG_FILE` names one, is the "
                + "first of these that exists:");
        for (String f : BarmanConfig.DEFAULT_LOCATIONS) {
            page.raw(".IP \\(bu 2");
            page.lines(Roff.italic(f));
        }
        page.section("SEE ALSO");
        page.lines(Roff.bold("barman.conf") + "(5), " + Roff.bold("barman-wal-archive") + "(1), "
                + Roff.bold("barman-wal-restore") + "(1), " + Roff.bold("rsync") + "(1), " + Roff.bold("ssh") + "(1), "
                + Roff.bold("pg_basebackup") + "(1)");
        return page.toString();
    }

    private static String description(CommandSpec c) {
        return String.join(" ", c.usageMessage().description());
    }

    /** One option as a tagged paragraph: its names and value, its help and its default. */
    static void option(Roff page, OptionSpec o) {
        String help = String.join(" ", o.description());
        if (o.defaultValue() != null && !help.contains("default")) {
            help += " (default: " + o.defaultValue() + ")";
        }
        page.tagged(optionTag(o), Roff.escape(help));
    }

    /** {@code -c CONFIG, --config CONFIG}: every name, with the value's label (in brackets when optional). */
    static String optionTag(OptionSpec o) {
        List<String> names = new ArrayList<>();
        for (String n : o.names()) {
            names.add(Roff.bold(n) + value(o));
        }
        return String.join(", ", names);
    }

    private static String value(OptionSpec o) {
        if (o.arity().max() == 0) {
            return "";
        }
        String label = Roff.italic(o.paramLabel());
        return " " + (o.arity().min() == 0 ? "[" + label + "]" : label);
    }

    /** {@code barman [GLOBAL OPTIONS] backup [--immediate-checkpoint] ... SERVER_NAME...}. */
    static String synopsis(CommandSpec c) {
        StringBuilder b = new StringBuilder(Roff.bold("barman") + " [" + Roff.italic("GLOBAL OPTIONS") + "] "
                + Roff.bold(c.name()));
        Set<ArgGroupSpec> shown = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (OptionSpec o : c.options()) {
            ArgGroupSpec g = o.group();
            if (g == null) {
                b.append(" [").append(Roff.bold(o.longestName())).append(value(o).replace(" ", "\\~")).append(']');
            } else if (shown.add(g)) {
                b.append(" [").append(g.options().stream().map(x -> Roff.bold(x.longestName())
                        + value(x).replace(" ", "\\~")).collect(Collectors.joining(g.exclusive() ? " | " : " ")))
                        .append(']');
            }
        }
        for (PositionalParamSpec p : c.positionalParameters()) {
            String label = Roff.italic(p.paramLabel()) + (p.arity().isVariable() || p.arity().max() > 1 ? "..." : "");
            b.append(' ').append(p.arity().min() == 0 ? "[" + label + "]" : label);
        }
        return b.toString();
    }

    private static void exitStatus(Roff page) {
        page.section("EXIT STATUS");
        page.tagged(Roff.bold("0"), "Success.");
        Map<Integer, List<ErrorCode>> byStatus = new TreeMap<>();
        for (ErrorCode e : ErrorCode.values()) {
            byStatus.computeIfAbsent(e.exitCode(), k -> new ArrayList<>()).add(e);
        }
        page.tagged(Roff.bold("1"), Roff.inline("An error, told by an `ERROR:` line (a configuration that cannot be "
                + "read, an unknown server or backup, a check that failed, a backup, recovery or delete that could "
                + "not be done, a setting this version refuses, ...), or an unforeseen failure (an `EXCEPTION:` "
                + "line)."));
        for (Map.Entry<Integer, List<ErrorCode>> e : byStatus.entrySet()) {
            if (e.getKey() == 1) {
                continue;
            }
            List<String> meanings = new ArrayList<>();
            for (ErrorCode code : e.getValue()) {
                String meaning = SPECIAL_EXITS.get(code);
                if (meaning == null) {
                    throw new IllegalStateException("ErrorCode." + code + " ends with exit status " + e.getKey()
                            + ": say what it means in BarmanPage.SPECIAL_EXITS");
                }
                meanings.add(meaning);
            }
            String text = String.join("; or ", meanings);
            page.tagged(Roff.bold(String.valueOf(e.getKey())),
                    Roff.inline(Character.toUpperCase(text.charAt(0)) + text.substring(1) + "."));
        }
    }
}
