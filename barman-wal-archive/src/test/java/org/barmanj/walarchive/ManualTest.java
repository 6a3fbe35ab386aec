package org.barmanj.walarchive;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manual pages' model is the parser: each option it documents is one the client takes (with a value when
 * it has a label), {@code --help} shows the same options and arguments, and the prose names no other option.
 */
class ManualTest {
    private static final Pattern OPTION_IN_TEXT = Pattern.compile("`(--?[a-zA-Z][a-z0-9-]*)");

    private static Client client(String program) {
        PrintStream nowhere = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return program.equals("barman-wal-archive") ? new WalArchive(nowhere, nowhere) : new WalRestore(nowhere, nowhere);
    }

    @Test
    void everyDocumentedOptionIsParsed() {
        for (String program : Manual.PROGRAMS) {
            Manual m = Manual.of(program);
            List<String> positionals = m.arguments().stream().map(a -> "x").toList();
            for (Manual.Option o : m.options()) {
                if (o.names().contains("-h") || o.names().contains("-V")) {
                    continue;
                }
                for (String name : o.names()) {
                    List<String> args = new ArrayList<>(List.of(name));
                    if (o.label() != null) {
                        args.add("1");
                    }
                    args.addAll(positionals);
                    assertNull(client(program).parse(args.toArray(String[]::new)), program + " " + args);
                }
            }
        }
    }

    @Test
    void helpShowsTheSameOptionsAndArguments() {
        for (String program : Manual.PROGRAMS) {
            Ran ran = program.equals("barman-wal-archive") ? Ran.archive("--help") : Ran.restore("--help");
            assertEquals(0, ran.code());
            Manual m = Manual.of(program);
            assertTrue(ran.out().startsWith("usage: " + m.synopsis() + "\n\n" + m.summary() + "\n"), ran.out());
            for (Manual.Option o : m.options()) {
                String first = o.names().get(0) + (o.label() == null ? "" : " " + o.label());
                assertTrue(ran.out().contains("  " + first), program + ": " + first + " in\n" + ran.out());
                assertTrue(ran.out().contains(o.help()), program + ": " + o.help());
            }
            for (Manual.Argument a : m.arguments()) {
                assertTrue(ran.out().contains("  " + a.name() + " "), program + ": " + a.name());
            }
        }
    }

    /** The description and the exit statuses name only options the client has. */
    @Test
    void theProseNamesOnlyOptionsTheClientHas() {
        for (String program : Manual.PROGRAMS) {
            Manual m = Manual.of(program);
            List<String> names = m.options().stream().flatMap(o -> o.names().stream()).toList();
            List<String> prose = new ArrayList<>(m.description());
            m.exitStatus().forEach(e -> prose.add(e.meaning()));
            for (String text : prose) {
                Matcher o = OPTION_IN_TEXT.matcher(text);
                while (o.find()) {
                    assertTrue(names.contains(o.group(1)), program + " has no option " + o.group(1));
                }
            }
        }
    }

    @Test
    void aMistakePrintsTheUsageLine() {
        Ran ran = Ran.archive("--nope", "h", "s", "w");
        assertEquals(2, ran.code());
        assertEquals("usage: " + Manual.of("barman-wal-archive").synopsis()
                + "\nbarman-wal-archive: error: unrecognized arguments: --nope\n", ran.err());
    }
}
