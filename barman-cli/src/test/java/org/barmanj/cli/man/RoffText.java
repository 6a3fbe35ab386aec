package org.barmanj.cli.man;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A generated page read back: its sections and subsections, and what man(7) and lintian would complain of. */
final class RoffText {
    /** The requests the generator writes; anything else would be a mistake (or text read as a request). */
    private static final Set<String> REQUESTS = Set.of("TH", "SH", "SS", "PP", "TP", "IP", "RS", "RE", "nf", "fi",
            "nh", "ad", "so", "\\\"");
    private static final Pattern TITLE = Pattern.compile("^\\.(SH|SS) \"(.*)\"$");

    final String text;

    RoffText(String text) {
        this.text = text;
    }

    /** The text under each {@code .SH} (or, with {@code level} SS, each {@code .SS}) title, in order. */
    Map<String, String> parts(String level) {
        Map<String, String> parts = new LinkedHashMap<>();
        String title = null;
        StringBuilder body = new StringBuilder();
        for (String line : text.split("\n")) {
            Matcher m = TITLE.matcher(line);
            if (m.matches() && (m.group(1).equals(level) || m.group(1).equals("SH"))) {
                if (title != null) {
                    parts.put(title, body.toString());
                }
                title = m.group(1).equals(level) ? m.group(2).replace("\\-", "-") : null;
                body.setLength(0);
            } else if (title != null) {
                body.append(line).append('\n');
            }
        }
        if (title != null) {
            parts.put(title, body.toString());
        }
        return parts;
    }

    String section(String title) {
        String s = parts("SH").get(title);
        if (s == null) {
            throw new AssertionError("no section " + title + " in:\n" + text);
        }
        return s;
    }

    /** How a name is written when it is shown bold: {@code \fB\-\-name\fR}. */
    static String bold(String name) {
        return "\\fB" + Roff.escape(name) + "\\fR";
    }

    static String italic(String name) {
        return "\\fI" + Roff.escape(name) + "\\fR";
    }

    /**
     * What groff -ww, man --warnings and lintian's manpage checks would report, found without them: a request
     * the generator does not write, an unescaped hyphen (lintian's hyphen-used-as-minus-sign), a character
     * outside ASCII, an empty line or one starting with a space (both break the text), an unknown escape.
     */
    List<String> problems() {
        List<String> problems = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        if (!text.endsWith("\n")) {
            problems.add("no newline at the end");
        }
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + ": '" + line + "'";
            if (line.isEmpty()) {
                problems.add(where + ": an empty line");
                continue;
            }
            if (line.startsWith(" ") || line.endsWith(" ")) {
                problems.add(where + ": a space at its start or end");
            }
            if (line.startsWith(".") || line.startsWith("'")) {
                String request = line.startsWith(".\\\"") ? "\\\"" : line.substring(1).split(" ", 2)[0];
                if (line.startsWith("'") || !REQUESTS.contains(request)) {
                    problems.add(where + ": not a request the generator writes");
                }
                if (request.equals("\\\"")) {
                    continue;
                }
            }
            for (int c = 0; c < line.length(); c++) {
                char ch = line.charAt(c);
                if (ch > 0x7e || ch < 0x20) {
                    problems.add(where + ": a character outside ASCII");
                } else if (ch == '-' && (c == 0 || line.charAt(c - 1) != '\\')) {
                    problems.add(where + ": a hyphen not written \\-");
                } else if (ch == '\\') {
                    String rest = line.substring(c + 1);
                    if (!(rest.startsWith("-") || rest.startsWith("e") || rest.startsWith("fB")
                            || rest.startsWith("fI") || rest.startsWith("fR") || rest.startsWith("&")
                            || rest.startsWith("(bu") || rest.startsWith("(dq") || rest.startsWith("~")
                            || rest.startsWith("[u"))) {
                        problems.add(where + ": an escape the generator does not write");
                    }
                    c++;
                }
            }
        }
        return problems;
    }
}
