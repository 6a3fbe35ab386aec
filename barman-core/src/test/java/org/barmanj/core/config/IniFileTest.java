package org.barmanj.core.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IniFileTest {
    private static IniFile read(String text) {
        IniFile ini = new IniFile();
        List<IniFile.SyntaxError> errors = ini.read("test.conf", text);
        assertTrue(errors.isEmpty(), errors.toString());
        return ini;
    }

    @Test
    void readsKeysWithEitherDelimiterAndLowerCasesThem() {
        IniFile ini = read("[demo]\nConnInfo = host=pg1 user=barman\nssh_command: ssh x@y\n");
        assertEquals("host=pg1 user=barman", ini.get("demo", "conninfo", Map.of()));
        assertEquals("ssh x@y", ini.get("demo", "ssh_command", Map.of()));
    }

    @Test
    void fullLineCommentsOnlyInlineTextStaysInTheValue() {
        IniFile ini = read("# comment\n; other\n[demo]\n  # indented comment\narchiver = on  # not a comment\n");
        assertEquals("on  # not a comment", ini.get("demo", "archiver", Map.of()));
    }

    @Test
    void indentedLinesContinueTheValue() {
        IniFile ini = read("[demo]\ndescription = first\n   second\n\n   third\nnext = x\n");
        assertEquals("first\nsecond\n\nthird", ini.get("demo", "description", Map.of()));
        assertEquals("x", ini.get("demo", "next", Map.of()));
    }

    @Test
    void laterDefinitionsWinAndSectionsMerge() {
        IniFile ini = new IniFile();
        ini.read("a.conf", "[demo]\nx = 1\ny = 1\n");
        ini.read("b.conf", "[demo]\ny = 2\n");
        assertEquals("1", ini.get("demo", "x", Map.of()));
        assertEquals("2", ini.get("demo", "y", Map.of()));
        assertEquals(List.of("a.conf", "b.conf"), ini.section("demo").definedIn());
        assertEquals("b.conf line 2", ini.raw("demo", "y").where());
    }

    @Test
    void interpolatesFromVarsThenSectionThenDefault() {
        IniFile ini = read("[DEFAULT]\nroot = /srv\n[demo]\nhome = %(root)s/%(name)s\nname = fromsection\n"
                + "pct = 100%%\n");
        assertEquals("/srv/demo", ini.get("demo", "home", Map.of("name", "demo")));
        assertEquals("/srv/fromsection", ini.get("demo", "home", Map.of()));
        assertEquals("100%", ini.get("demo", "pct", Map.of()));
    }

    @Test
    void badInterpolationIsExplained() {
        IniFile ini = read("[demo]\na = %(nosuch)s\nb = 50%\n");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> ini.get("demo", "a", Map.of()));
        assertTrue(missing.getMessage().contains("'%(nosuch)s' names no option"), missing.getMessage());
        IllegalArgumentException lone = assertThrows(IllegalArgumentException.class,
                () -> ini.get("demo", "b", Map.of()));
        assertTrue(lone.getMessage().contains("%%"), lone.getMessage());
    }

    @Test
    void syntaxErrorsNameFileLineAndWhatIsExpected() {
        IniFile ini = new IniFile();
        List<IniFile.SyntaxError> errors = ini.read("x.conf", "[demo]\nconninfo = a\ngarbage\nafter = 1\n");
        assertEquals(1, errors.size());
        assertEquals("syntax error in x.conf line 3: 'garbage': expected 'key = value' or 'key: value'",
                errors.get(0).message());
        assertEquals("1", ini.get("demo", "after", Map.of()), "parsing goes on after a bad line, as ConfigParser");

        IniFile noHeader = new IniFile();
        List<IniFile.SyntaxError> header = noHeader.read("y.conf", "key = value\n[demo]\n");
        assertEquals(1, header.size());
        assertTrue(header.get(0).message().startsWith("syntax error in y.conf line 1: 'key = value'"));
        assertNull(noHeader.section("demo"), "ConfigParser stops reading at a missing section header");
    }
}
