package org.barmanj.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads INI text the way Python's {@code ConfigParser(strict=False)} does, which is what Barman uses:
 * full-line {@code #}/{@code ;} comments only, {@code key = value} or {@code key: value} split at the
 * first delimiter, option names lower-cased, section names case-sensitive, indented continuation
 * lines joined with a newline, later definitions overriding earlier ones.
 */
final class IniParser {
    private static final Pattern SECTION = Pattern.compile("\\[(.+)]");
    private static final Pattern OPTION = Pattern.compile("(.*?)\\s*([=:])\\s*(.*)");

    private IniParser() {
    }

    /** Merges the content of one file into {@code into}; syntax errors are collected, as ConfigParser does. */
    static List<IniFile.SyntaxError> parse(String source, String text, IniFile into) {
        List<IniFile.SyntaxError> errors = new ArrayList<>();
        String section = null;
        String option = null;
        List<String> valueLines = null;
        int indentLevel = 0;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i];
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (i == lines.length - 1 && line.isEmpty()) {
                break;
            }
            String stripped = line.strip();
            boolean comment = stripped.startsWith("#") || stripped.startsWith(";");
            if (comment || stripped.isEmpty()) {
                // An empty line may belong to a multi-line value; a comment never does.
                if (!comment && valueLines != null) {
                    valueLines.add("");
                }
                continue;
            }
            if (line.indexOf('\0') >= 0) {
                // No path, name or command can hold one (Barman fails later, with a Python exception).
                errors.add(new IniFile.SyntaxError(source, lineNo, line, "a NUL character"));
                continue;
            }
            int indent = firstNonSpace(line);
            if (section != null && option != null && valueLines != null && indent > indentLevel) {
                valueLines.add(stripped);
                continue;
            }
            flush(into, section, option, valueLines);
            option = null;
            valueLines = null;
            indentLevel = indent;
            Matcher header = SECTION.matcher(stripped);
            if (header.matches()) {
                section = header.group(1);
                into.addSection(section, source, lineNo);
                continue;
            }
            if (section == null) {
                errors.add(new IniFile.SyntaxError(source, lineNo, line,
                        "a line outside any [section]; the file must start with a section header such as [barman]"));
                // ConfigParser stops reading the file at this point.
                return errors;
            }
            Matcher m = OPTION.matcher(stripped);
            if (!m.matches() || m.group(1).isEmpty()) {
                errors.add(new IniFile.SyntaxError(source, lineNo, line,
                        "expected 'key = value' or 'key: value'"));
                continue;
            }
            option = m.group(1).stripTrailing().toLowerCase(Locale.ROOT);
            valueLines = new ArrayList<>();
            valueLines.add(m.group(3).strip());
            into.put(section, option, "", source, lineNo);
        }
        flush(into, section, option, valueLines);
        return errors;
    }

    private static void flush(IniFile into, String section, String option, List<String> valueLines) {
        if (section == null || option == null || valueLines == null) {
            return;
        }
        into.setValue(section, option, String.join("\n", valueLines).stripTrailing());
    }

    private static int firstNonSpace(String line) {
        int i = 0;
        while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        return i;
    }
}
