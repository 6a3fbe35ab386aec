package org.barmanj.cli.man;

import org.barmanj.walarchive.Manual;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** barman-wal-archive(1) and barman-wal-restore(1) against the clients' parser. */
class WalClientPageTest {
    @Test
    void everyOptionAndArgumentOfTheParserIsOnItsPage() {
        for (String program : Manual.PROGRAMS) {
            Manual m = Manual.of(program);
            RoffText page = new RoffText(WalClientPage.render(program, "2026-01-01"));
            String options = page.section("OPTIONS");
            String synopsis = page.section("SYNOPSIS");
            for (Manual.Option o : m.options()) {
                for (String n : o.names()) {
                    assertTrue(options.contains(".TP\n" + RoffText.bold(n)) || options.contains(", " + RoffText.bold(n)),
                            program + " " + n);
                }
                assertTrue(synopsis.contains(RoffText.bold(o.names().get(0))), program + " " + o.names().get(0));
            }
            for (Manual.Argument a : m.arguments()) {
                assertTrue(page.section("POSITIONAL ARGUMENTS").contains(".TP\n" + RoffText.italic(a.name()) + "\n"),
                        program + " " + a.name());
                assertTrue(synopsis.contains(RoffText.italic(a.name())), program + " " + a.name());
            }
            for (Manual.Exit e : m.exitStatus()) {
                assertTrue(page.section("EXIT STATUS").contains(".TP\n" + (e.code().equals("other") ? "other"
                        : RoffText.bold(e.code())) + "\n"), program + " exit " + e.code());
            }
            assertEquals(List.of(), page.problems(), program);
        }
    }

    @Test
    void theSynopsisIsTheUsageLineWithItsGroups() {
        String synopsis = new RoffText(WalClientPage.render("barman-wal-restore", "2026-01-01")).section("SYNOPSIS");
        assertTrue(synopsis.startsWith(RoffText.bold("barman-wal-restore") + " [" + RoffText.bold("-h") + "]"),
                synopsis);
        assertTrue(synopsis.contains("[" + RoffText.bold("-z") + " | " + RoffText.bold("-j") + "]"), synopsis);
        assertTrue(synopsis.contains("[" + RoffText.bold("-U") + " " + RoffText.italic("USER") + "]"), synopsis);
    }
}
