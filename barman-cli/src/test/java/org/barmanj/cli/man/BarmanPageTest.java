package org.barmanj.cli.man;

import org.barmanj.cli.BarmanCli;
import org.barmanj.core.ErrorCode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** barman(1) against the code: the drift guard of the commands, their options and arguments, and the exit codes. */
class BarmanPageTest {
    private static final String PAGE = BarmanPage.render("2026-01-01");

    /**
     * What the code has that the page does not show: a command (or alias) without its subsection, an option or
     * an argument missing from its command's subsection, a global option missing from GLOBAL OPTIONS.
     */
    static List<String> missing(CommandSpec root, String page) {
        List<String> missing = new ArrayList<>();
        RoffText text = new RoffText(page);
        String global = text.section("GLOBAL OPTIONS");
        for (OptionSpec o : root.options()) {
            for (String n : o.names()) {
                if (!global.contains(RoffText.bold(n))) {
                    missing.add("global option " + n);
                }
            }
        }
        Map<String, String> commands = text.parts("SS");
        for (Map.Entry<String, CommandLine> e : root.subcommands().entrySet()) {
            CommandSpec c = e.getValue().getCommandSpec();
            String body = commands.get(c.name());
            if (body == null) {
                missing.add("command " + c.name());
                continue;
            }
            if (!e.getKey().equals(c.name())) {
                if (!body.contains(RoffText.bold(e.getKey()))) {
                    missing.add("alias " + e.getKey() + " of " + c.name());
                }
                continue;
            }
            for (OptionSpec o : c.options()) {
                for (String n : o.names()) {
                    if (!body.contains(RoffText.bold(n))) {
                        missing.add("option " + n + " of " + c.name());
                    }
                }
            }
            for (PositionalParamSpec p : c.positionalParameters()) {
                if (!body.contains(RoffText.italic(p.paramLabel()))) {
                    missing.add("argument " + p.paramLabel() + " of " + c.name());
                }
            }
        }
        return missing;
    }

    @Test
    void everyCommandAliasOptionAndArgumentIsOnThePage() {
        assertEquals(List.of(), missing(BarmanCli.model(), PAGE));
    }

    /** The guard itself: a page that lost an option, an argument, a command fails it, each named. */
    @Test
    void theGuardNamesWhatAPageLacks() {
        String lost = PAGE.replace(RoffText.bold("--wait-timeout"), "")
                .replace(RoffText.italic("DESTINATION_DIRECTORY"), "").replace(".SS \"diagnose\"", ".SS \"diagnosis\"")
                .replace(RoffText.bold("--colour"), "").replace(RoffText.bold("list-server"), "");
        assertEquals(List.of("global option --colour", "alias list-server of list-servers",
                        "option --wait-timeout of backup", "argument DESTINATION_DIRECTORY of recover",
                        "command diagnose"),
                missing(BarmanCli.model(), lost).stream().sorted((a, b) -> order(a) - order(b)).toList());
    }

    private static int order(String problem) {
        return List.of("global", "alias", "option", "argument", "command").indexOf(problem.split(" ")[0]);
    }

    /** The commands registered on BarmanCli's annotation, each a subsection: the page is not built from a copy. */
    @Test
    void theRegisteredCommandsAreTheSubsections() {
        TreeSet<String> registered = new TreeSet<>();
        for (Class<?> c : BarmanCli.class.getAnnotation(CommandLine.Command.class).subcommands()) {
            registered.add(c.getAnnotation(CommandLine.Command.class).name());
        }
        assertEquals(registered, new TreeSet<>(new RoffText(PAGE).parts("SS").keySet()));
    }

    /** A value's label is written in the code, not picocli's {@code <fieldName>}, which a page would show as is. */
    @Test
    void everyOptionTakingAValueHasALabel() {
        List<String> unlabelled = new ArrayList<>();
        CommandSpec root = BarmanCli.model();
        List<CommandSpec> all = new ArrayList<>(BarmanPage.commands(root));
        all.add(root);
        for (CommandSpec c : all) {
            for (OptionSpec o : c.options()) {
                if (o.arity().max() > 0 && o.paramLabel().startsWith("<")) {
                    unlabelled.add(c.name() + " " + o.longestName());
                }
            }
        }
        assertEquals(List.of(), unlabelled);
    }

    @Test
    void everyExitStatusOfTheErrorCatalogIsExplained() {
        String exits = new RoffText(PAGE).section("EXIT STATUS");
        for (ErrorCode e : ErrorCode.values()) {
            assertTrue(exits.contains(".TP\n\\fB" + e.exitCode() + "\\fR\n"), e + " ends with " + e.exitCode());
        }
        assertTrue(exits.contains(".TP\n\\fB0\\fR\n"));
    }

    @Test
    void synopsesShowOptionalValuesAndRepeatedArguments() {
        String backup = new RoffText(PAGE).parts("SS").get("backup");
        assertTrue(backup.contains("[\\fB\\-\\-reuse\\-backup\\fR\\~[\\fI{copy,link,off}\\fR]]"), backup);
        assertTrue(backup.contains("\\fISERVER_NAME\\fR..."), backup);
        String getWal = new RoffText(PAGE).parts("SS").get("get-wal");
        assertTrue(getWal.contains("[\\fB\\-\\-gzip\\fR | \\fB\\-\\-bzip2\\fR]"), getWal);
        String drill = new RoffText(PAGE).parts("SS").get("drill");
        assertTrue(drill.contains("[\\fIBACKUP_ID\\fR]"), drill);
    }

    @Test
    void thePageIsCleanRoff() {
        assertEquals(List.of(), new RoffText(PAGE).problems());
        assertFalse(PAGE.contains("${"), "a picocli variable left unexpanded");
    }
}
