package org.barmanj.core.compat;

/**
 * Text read from an input (a file's line, a header field), made safe for a one-line message: control characters
 * and line separators become {@code \xNN} or {@code \\uNNNN}; anything else is kept, tabs included.
 */
public final class Printable {
    private Printable() {
    }

    public static String of(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c != '\t' && (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029');
            if (control && out == null) {
                out = new StringBuilder(text.substring(0, i));
            }
            if (out != null) {
                out.append(!control ? String.valueOf(c) : c < 0x100 ? String.format("\\x%02x", (int) c)
                        : String.format("\\u%04x", (int) c));
            }
        }
        return out == null ? text : out.toString();
    }
}
