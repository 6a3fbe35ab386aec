package org.barmanj.cli.man;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of Markdown that docs/ is written in and a man page can show: headings, paragraphs, bullet and
 * numbered lists (an item's continuation lines indented), indented literal blocks. Anything else (a table, a
 * nested list, a fenced block) is refused with its file and line, so that a page never silently loses text.
 */
final class Markdown {
    /** A block of a document. */
    sealed interface Block permits Heading, Paragraph, Item, Literal, Other {
    }

    record Heading(int level, String text, int line) implements Block {
    }

    record Paragraph(String text) implements Block {
    }

    /** A list item: {@code marker} is {@code -} or its number ({@code 1.}). */
    record Item(String marker, String text) implements Block {
    }

    record Literal(List<String> lines) implements Block {
    }

    /** What a man page does not show (a table, a fenced or quoted block): refused when rendered. */
    record Other(String where, String line) implements Block {
    }

    private Markdown() {
    }

    static List<Block> read(Path file) throws IOException {
        return parse(file.toString(), Files.readAllLines(file));
    }

    static List<Block> parse(String source, List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            String where = source + " line " + (i + 1);
            if (line.isBlank()) {
                i++;
            } else if (line.startsWith("#")) {
                int level = 0;
                while (level < line.length() && line.charAt(level) == '#') {
                    level++;
                }
                blocks.add(new Heading(level, line.substring(level).strip(), i + 1));
                i++;
            } else if (line.startsWith("    ")) {
                List<String> literal = new ArrayList<>();
                while (i < lines.size() && (lines.get(i).startsWith("    ") || lines.get(i).isBlank())) {
                    literal.add(lines.get(i).isBlank() ? "" : lines.get(i).substring(4));
                    i++;
                }
                while (literal.get(literal.size() - 1).isEmpty()) {
                    literal.remove(literal.size() - 1);
                }
                blocks.add(new Literal(literal));
            } else if (line.startsWith("|") || line.startsWith("```") || line.startsWith(">")
                    || line.startsWith(" ")) {
                blocks.add(new Other(where, line));
                i++;
                if (line.startsWith("```")) {
                    while (i < lines.size() && !lines.get(i).startsWith("```")) {
                        i++;
                    }
                    i++;
                } else {
                    while (i < lines.size() && !lines.get(i).isBlank()) {
                        i++;
                    }
                }
            } else {
                String marker = marker(line);
                StringBuilder text = new StringBuilder(marker == null ? line : line.substring(marker.length() + 1));
                i++;
                while (i < lines.size() && !lines.get(i).isBlank() && !lines.get(i).startsWith("#")
                        && (marker == null ? marker(lines.get(i)) == null && !lines.get(i).startsWith(" ")
                        : lines.get(i).startsWith("  "))) {
                    String next = lines.get(i).strip();
                    if (marker != null && marker(next) != null) {
                        throw new IllegalArgumentException(source + " line " + (i + 1)
                                + ": a nested list is not shown in a man page: '" + lines.get(i) + "'");
                    }
                    text.append(' ').append(next);
                    i++;
                }
                String joined = text.toString().strip();
                blocks.add(marker == null ? new Paragraph(joined) : new Item(marker, joined));
            }
        }
        return blocks;
    }

    /** {@code -} or {@code N.} when the line starts a list item (the marker followed by a space). */
    private static String marker(String line) {
        if (line.startsWith("- ")) {
            return "-";
        }
        int d = 0;
        while (d < line.length() && Character.isDigit(line.charAt(d))) {
            d++;
        }
        return d > 0 && line.startsWith(". ", d) ? line.substring(0, d + 1) : null;
    }

    /** The blocks under the heading {@code title} (any level), up to the next heading of that level or higher. */
    static List<Block> section(List<Block> blocks, String title) {
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i) instanceof Heading h && h.text().equals(title)) {
                List<Block> under = new ArrayList<>();
                for (int j = i + 1; j < blocks.size(); j++) {
                    if (blocks.get(j) instanceof Heading next && next.level() <= h.level()) {
                        break;
                    }
                    under.add(blocks.get(j));
                }
                return under;
            }
        }
        throw new IllegalArgumentException("no section '" + title + "'");
    }

    /** Blocks as man page text: paragraphs, list items, literal blocks and subsections. */
    static void render(Roff page, List<Block> blocks) {
        for (Block b : blocks) {
            if (b instanceof Heading h) {
                page.subsection(h.text().replace("`", ""));
            } else if (b instanceof Paragraph p) {
                page.paragraph(p.text());
            } else if (b instanceof Item item) {
                if (item.marker().equals("-")) {
                    page.bullet(Roff.inline(item.text()));
                } else {
                    page.numbered(item.marker(), Roff.inline(item.text()));
                }
            } else if (b instanceof Literal l) {
                page.literal(l.lines());
            } else if (b instanceof Other o) {
                throw new IllegalArgumentException(o.where() + ": not shown in a man page (a table, a fenced or "
                        + "quoted block, or an indented line): '" + o.line() + "'");
            }
        }
    }
}
