package org.barmanj.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code barman diagnose} against what Debian's Barman 3.4 printed for the same catalog and configuration
 * (resources/barman34/files with files/diagnose/barman.d: an active server, and an inactive one that Barman 3.4
 * disables, both with passwords in their connection strings; output recorded by src/it/lab/record-files-fixtures
 * running /usr/bin/barman): valid JSON (read by a strict parser), every server, no password, the same tree of keys,
 * and the same values wherever they do not depend on the machine, the clock or the time zone (the configurations,
 * PostgreSQL's status, the backups but their times, the newest WAL file of each timeline but its time).
 */
class DiagnoseTest {
    @TempDir
    Path home;

    @Test
    void sameTreeAsBarman34PasswordsMasked() throws IOException, URISyntaxException {
        Path root = Path.of(getClass().getResource("/barman34/files").toURI());
        install(root, home);
        CliRun run = CliRun.withConfig(home.resolve("barman.conf"), "diagnose");
        assertEquals(0, run.exit(), run.err());
        for (String secret : List.of("demo-secret", "other-secret", "quoted secret")) {
            assertFalse(run.out().contains(secret), "a password is shown: " + secret);
        }
        Map<?, ?> ours = (Map<?, ?>) new StrictJson(run.out()).document();
        Map<?, ?> barman = (Map<?, ?>) new StrictJson(Files.readString(root.resolve("diagnose/output.json"))
                .replace("@BARMAN_HOME@", home.toString())).document();
        assertEquals(keyTree(barman, ""), keyTree(ours, ""));
        assertEquals(List.of("demo", "other"), List.copyOf(((Map<?, ?>) ours.get("servers")).keySet()));
        assertEquals(barman.get("global") instanceof Map<?, ?> g ? g.get("config") : null,
                ((Map<?, ?>) ours.get("global")).get("config"));
        for (String server : List.of("demo", "other")) {
            Map<?, ?> expected = server(barman, server);
            Map<?, ?> actual = server(ours, server);
            for (String part : List.of("config", "status")) {
                assertEquals(expected.get(part), actual.get(part), server + " " + part);
            }
            assertEquals(withoutTimes(expected.get("backups")), withoutTimes(actual.get("backups")), server + " backups");
            assertEquals(withoutTimes(expected.get("wals")), withoutTimes(actual.get("wals")), server + " wals");
        }
        Map<?, ?> demo = (Map<?, ?>) server(ours, "demo").get("config");
        assertEquals("host=127.0.0.1 user=barman dbname=postgres port=1 password=*REDACTED*", demo.get("conninfo"));
        assertEquals(true, ((Map<?, ?>) server(ours, "other").get("config")).get("disabled"));
        assertTrue(((Map<?, ?>) server(ours, "demo").get("backups")).containsKey("20261125T101010"));
    }

    private static Map<?, ?> server(Map<?, ?> diagnosis, String name) {
        return (Map<?, ?>) ((Map<?, ?>) diagnosis.get("servers")).get(name);
    }

    /** Every path of keys, {@code /servers/demo/config/active} and the like (lists are leaves). */
    private static TreeSet<String> keyTree(Map<?, ?> map, String prefix) {
        TreeSet<String> paths = new TreeSet<>();
        map.forEach((k, v) -> {
            paths.add(prefix + "/" + k);
            if (v instanceof Map<?, ?> m) {
                paths.addAll(keyTree(m, prefix + "/" + k));
            }
        });
        return paths;
    }

    /** The tree without the values that are times (begin_time, end_time, a WAL file's mtime). */
    private static Object withoutTimes(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> {
                if (!List.of("begin_time", "end_time", "time").contains(k)) {
                    copy.put(k, withoutTimes(v));
                }
            });
            return copy;
        }
        return value;
    }

    /** The catalog, then this test's server configurations (which have no placeholders) over the catalog's. */
    private static void install(Path root, Path home) throws IOException {
        Barman34OutputTest.install(root.resolve("catalog"), home);
        try (Stream<Path> confs = Files.list(root.resolve("diagnose/barman.d"))) {
            for (Path conf : confs.toList()) {
                Files.copy(conf, home.resolve("barman.d").resolve(conf.getFileName().toString()),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** RFC 8259 JSON, nothing more: anything else fails the test. Numbers are read as doubles. */
    private static final class StrictJson {
        private final String text;
        private int at;

        StrictJson(String text) {
            this.text = text;
        }

        Object document() {
            Object value = value();
            space();
            if (at != text.length()) {
                throw error("text after the document");
            }
            return value;
        }

        private Object value() {
            space();
            if (at >= text.length()) {
                throw error("end of text");
            }
            char c = text.charAt(at);
            switch (c) {
                case '{' -> {
                    at++;
                    Map<String, Object> map = new LinkedHashMap<>();
                    space();
                    if (peek('}')) {
                        return map;
                    }
                    do {
                        space();
                        String key = string();
                        space();
                        expect(':');
                        if (map.put(key, value()) != null) {
                            throw error("duplicate key " + key);
                        }
                        space();
                    } while (peek(','));
                    expect('}');
                    return map;
                }
                case '[' -> {
                    at++;
                    List<Object> list = new ArrayList<>();
                    space();
                    if (peek(']')) {
                        return list;
                    }
                    do {
                        list.add(value());
                        space();
                    } while (peek(','));
                    expect(']');
                    return list;
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    for (String word : List.of("true", "false", "null")) {
                        if (text.startsWith(word, at)) {
                            at += word.length();
                            return word.equals("null") ? null : Boolean.valueOf(word);
                        }
                    }
                    java.util.regex.Matcher m = java.util.regex.Pattern
                            .compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?").matcher(text).region(at,
                                    text.length());
                    if (!m.lookingAt()) {
                        throw error("unexpected character");
                    }
                    at = m.end();
                    return Double.valueOf(m.group());
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (at >= text.length()) {
                    throw error("unterminated string");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c < 0x20) {
                    throw error("control character in a string");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = text.charAt(at++);
                switch (e) {
                    case '"', '\\', '/' -> out.append(e);
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        at += 4;
                    }
                    default -> throw error("bad escape");
                }
            }
        }

        private void space() {
            while (at < text.length() && " \t\n\r".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
        }

        private boolean peek(char c) {
            if (at < text.length() && text.charAt(at) == c) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw error("expected '" + c + "'");
            }
        }

        private IllegalArgumentException error(String problem) {
            return new IllegalArgumentException("invalid JSON at offset " + at + ": " + problem);
        }
    }
}
