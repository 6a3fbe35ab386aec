package org.barmanj.cli.man;

import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.Unsupported;
import org.barmanj.core.drill.DrillSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** barman.conf(5) and its one source of descriptions, docs/options.md, against the option table of the code. */
class ConfPageTest {
    /** The project's root: the tests run in barman-cli. */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private static String page() throws IOException {
        return ConfPage.render(ROOT, "2026-01-01", "0.0.0");
    }

    /** Every option has a description, and no description, heading or link names an option that does not exist. */
    @Test
    void theDescriptionsMatchTheOptionsOfTheCode() throws IOException {
        assertEquals(List.of(), OptionDocs.read(ROOT.resolve("docs/options.md")).problems(ConfPage.options()));
    }

    /** The guard itself, on a small file: each kind of drift is named. */
    @Test
    void theGuardNamesEachKindOfDrift() {
        OptionDocs docs = OptionDocs.parse("sample.md", List.of(
                "# Options", "", "## Server options", "",
                "### `archiver`", "Archives; see [conninfo](#conninfo) and [old_name](#old_name).", "",
                "### `streaming_archiver`", "Streams, with `gone_option = on` and `backup_manifest`.", "",
                "### `retired_option`", "Was removed."));
        assertEquals(List.of("no description of option conninfo in sample.md",
                        "sample.md line 11: describes retired_option, which is not an option",
                        "sample.md (Server options): a link to #old_name, which is not an option",
                        "sample.md (Server options): `gone_option` is not an option (a value or another name: add it "
                                + "to OptionDocs.NOT_OPTIONS)"),
                docs.problems(List.of("archiver", "streaming_archiver", "conninfo")));
    }

    @Test
    void anEntryWithoutTextOrWithAMalformedHeadingIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> OptionDocs.parse("s.md", List.of("## S", "### `a`")));
        assertThrows(IllegalArgumentException.class,
                () -> OptionDocs.parse("s.md", List.of("## S", "### a and b", "text")));
    }

    /** Each option is a tagged paragraph of its section, with its default and scope from Option.java. */
    @Test
    void everyOptionIsOnThePageWithItsDefaultAndScope() throws IOException {
        RoffText text = new RoffText(page());
        String globals = text.section("GLOBAL OPTIONS");
        for (String g : BarmanConfig.GLOBAL_OPTIONS) {
            entry(globals, g);
        }
        String servers = text.section("SERVER OPTIONS");
        for (Option o : Option.values()) {
            if (!o.settable()) {
                assertThrows(AssertionError.class, () -> entry(servers, o.key()), o.key() + " is set by barman only");
                continue;
            }
            String entry = entry(servers, o.key());
            String d = o.defaultTemplate();
            String shown = d == null ? "Default: unset." : d.isEmpty() ? "Default: empty." : "Default: "
                    + RoffText.bold(d) + ".";
            assertTrue(entry.contains(shown), o.key() + ": " + shown + " in\n" + entry);
            assertTrue(entry.contains(o.inheritable() ? "for every server." : "Server sections only."), o.key());
            assertTrue(entry.contains("Type: " + Roff.escape(o.type().describe())), o.key());
        }
        String drill = text.section("DRILL OPTIONS");
        for (String k : DrillSettings.OPTIONS) {
            entry(drill, k);
        }
        entry(drill, DrillSettings.PROBE + "<name>");
    }

    /** The tagged paragraph whose tag names the option (alone or with others), up to the next one. */
    static String entry(String section, String option) {
        String[] lines = section.split("\n");
        for (int i = 0; i + 1 < lines.length; i++) {
            if (lines[i].equals(".TP") && List.of(lines[i + 1].split(", ")).contains(RoffText.bold(option))) {
                StringBuilder entry = new StringBuilder();
                for (int j = i + 1; j < lines.length && !lines[j].equals(".TP"); j++) {
                    entry.append(lines[j]).append('\n');
                }
                return entry.toString();
            }
        }
        throw new AssertionError("no entry for " + option + " in\n" + section);
    }

    @Test
    void theRefusedAndIgnoredSettingsOfUnsupportedAreListedAndSaidAtTheirOption() throws IOException {
        RoffText text = new RoffText(page());
        String notImplemented = text.section("NOT IMPLEMENTED");
        String servers = text.section("SERVER OPTIONS");
        for (Unsupported.Rule r : Unsupported.refusedOptions()) {
            assertTrue(notImplemented.contains(RoffText.bold(r.option().key()) + ": supported: "
                    + Roff.escape(r.supported())), r.option().key());
            assertTrue(entry(servers, r.option().key()).contains("This version supports only: "
                    + Roff.escape(r.supported())), r.option().key());
        }
        for (Map.Entry<Option, String> e : Unsupported.ignoredOptions().entrySet()) {
            assertTrue(notImplemented.contains(RoffText.bold(e.getKey().key()) + ": " + Roff.escape(e.getValue())),
                    e.getKey().key());
            assertTrue(entry(servers, e.getKey().key()).contains("Ignored by this version"),
                    e.getKey().key());
        }
    }

    @Test
    void theSyntaxAndTheLocationsComeFromTheConfigurationDocs() throws IOException {
        RoffText text = new RoffText(page());
        assertTrue(text.section("FILE FORMAT").contains("ConfigParser") || text.section("DESCRIPTION")
                .contains("ConfigParser"));
        assertTrue(text.section("FILE FORMAT").contains("inline comments"), text.section("FILE FORMAT"));
        assertTrue(text.section("DESCRIPTION").contains(RoffText.bold("BARMAN_CONFIG_FILE")));
        assertTrue(text.section("EXAMPLE").contains("ssh_command = ssh postgres@pg"), text.section("EXAMPLE"));
    }

    @Test
    void thePageIsCleanRoff() throws IOException {
        assertEquals(List.of(), new RoffText(page()).problems());
    }
}
