package org.barmanj.cli.man;

import org.barmanj.core.BuildInfo;
import org.barmanj.walarchive.Manual;

import java.util.ArrayList;
import java.util.List;

/**
 * barman-wal-archive(1) and barman-wal-restore(1), from the clients' own parser ({@link Manual}): the synopsis is
 * their usage line, the options and arguments those they parse, with their {@code --help} text.
 */
final class WalClientPage {
    private WalClientPage() {
    }

    static String render(String program, String date) {
        Manual m = Manual.of(program);
        Roff page = new Roff(program, 1, date, "barmanj " + BuildInfo.VERSION, "barmanj manual");
        page.section("NAME").raw(Roff.escape(program) + " \\- " + Roff.escape(m.summary().replaceAll("\\.$", "")));
        page.section("SYNOPSIS");
        page.lines(synopsis(m));
        page.section("DESCRIPTION");
        for (String p : m.description()) {
            page.paragraph(p);
        }
        page.section("POSITIONAL ARGUMENTS");
        for (Manual.Argument a : m.arguments()) {
            page.tagged(Roff.italic(a.name()), Roff.escape(a.help()));
        }
        page.section("OPTIONS");
        for (Manual.Option o : m.options()) {
            page.tagged(tag(o), Roff.escape(o.help()));
        }
        page.section("EXIT STATUS");
        for (Manual.Exit e : m.exitStatus()) {
            String meaning = e.meaning();
            page.tagged(e.code().equals("other") ? "other" : Roff.bold(e.code()),
                    Roff.inline(Character.toUpperCase(meaning.charAt(0)) + meaning.substring(1) + "."));
        }
        page.section("SEE ALSO");
        List<String> others = new ArrayList<>(List.of(Roff.bold("barman") + "(1)", Roff.bold("barman.conf") + "(5)"));
        for (String other : Manual.PROGRAMS) {
            if (!other.equals(program)) {
                others.add(Roff.bold(other) + "(1)");
            }
        }
        others.add(Roff.bold("ssh") + "(1)");
        page.lines(String.join(", ", others));
        return page.toString();
    }

    /** The usage line with the program and option names bold, the labels and arguments italic. */
    static String synopsis(Manual m) {
        StringBuilder b = new StringBuilder(Roff.bold(m.program()));
        String usage = m.synopsis().substring(m.program().length());
        for (String word : usage.strip().split(" ")) {
            b.append(' ');
            int start = 0;
            int end = word.length();
            String before = "";
            String after = "";
            if (word.startsWith("[")) {
                before = "[";
                start = 1;
            }
            if (word.endsWith("]")) {
                after = "]";
                end--;
            }
            String core = word.substring(start, end);
            b.append(before).append(core.startsWith("-") ? Roff.bold(core)
                    : core.equals("|") ? "|" : Roff.italic(core)).append(after);
        }
        return b.toString();
    }

    static String tag(Manual.Option o) {
        List<String> names = new ArrayList<>();
        for (String n : o.names()) {
            names.add(Roff.bold(n) + (o.label() == null ? "" : " " + Roff.italic(o.label())));
        }
        return String.join(", ", names);
    }
}
