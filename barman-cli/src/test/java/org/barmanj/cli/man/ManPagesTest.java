package org.barmanj.cli.man;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The build's entry point: the five files, where the distribution's layout puts them. */
class ManPagesTest {
    @TempDir
    Path out;

    @Test
    void writesEveryPageAndTheBarman5Alias() throws IOException {
        ManPages.main(new String[] {out.toString(), ConfPageTest.ROOT.toString()});
        try (var files = Files.walk(out)) {
            assertEquals(List.of("man1/barman-wal-archive.1", "man1/barman-wal-restore.1", "man1/barman.1",
                            "man5/barman.5", "man5/barman.conf.5"),
                    files.filter(Files::isRegularFile).map(p -> out.relativize(p).toString()).sorted().toList());
        }
        assertEquals(".so man5/barman.conf.5\n", Files.readString(out.resolve("man5/barman.5")));
        for (String page : List.of("man1/barman.1", "man1/barman-wal-archive.1", "man1/barman-wal-restore.1",
                "man5/barman.conf.5")) {
            assertEquals(List.of(), new RoffText(Files.readString(out.resolve(page))).problems(), page);
        }
    }

    @Test
    void theDateIsSourceDateEpochsWhenSet() throws IOException {
        assertEquals("2023-11-14", ManPages.date("1700000000"));
        Map<String, String> pages = ManPages.pages(ConfPageTest.ROOT, ManPages.date("1700000000"));
        for (Map.Entry<String, String> p : pages.entrySet()) {
            if (!p.getKey().equals("man5/barman.5")) {
                assertTrue(p.getValue().lines().anyMatch(l -> l.startsWith(".TH ") && l.contains("\"2023\\-11\\-14\"")),
                        p.getKey());
            }
        }
    }

    /** Text that would be a request, a minus sign, a backslash, a character outside ASCII: all escaped. */
    @Test
    void escapesWhatRoffWouldReadOtherwise() {
        assertEquals("\\-\\-config \\e \\[u2014] x", Roff.escape("--config \\ \u2014 x"));
        assertEquals("\\&.profile\n\\&'quoted'\n", new Roff("x", 1, "d", "s", "m").lines(".profile\n'quoted'")
                .toString().lines().skip(4).map(l -> l + "\n").reduce("", String::concat));
        assertEquals("a \\fBb_c\\fR \\fIe\\fR \\fBlink\\fR text", Roff.inline("a `b_c` *e* [link](#link) [text](x.md)"));
    }
}
