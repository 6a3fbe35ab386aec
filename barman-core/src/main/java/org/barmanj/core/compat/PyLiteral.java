package org.barmanj.core.compat;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python literals as Barman stores them in {@code backup.info} ({@code ast.literal_eval} to read,
 * {@code repr()} to write): strings, ints, floats, booleans, None, lists, tuples and dicts.
 * Ints read as {@link Long}, floats as {@link Double}, tuples as {@link Tuple}, dicts keep their order.
 */
public final class PyLiteral {
    /** A Python tuple (distinct from a list only in how it is written). */
    public record Tuple(List<Object> items) {
    }

    /** Deeper nesting is refused rather than overflowing the stack (Python's parser has a limit too). */
    private static final int MAX_DEPTH = 100;
    private final String text;
    private int pos;
    private int depth;

    private PyLiteral(String text) {
        this.text = text;
    }

    /** Parses one literal; throws IllegalArgumentException with the position of the problem. */
    public static Object parse(String text) {
        PyLiteral p = new PyLiteral(text);
        p.skipSpace();
        Object value = p.value();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected text after the value");
        }
        return value;
    }

    private Object value() {
        if (++depth > MAX_DEPTH) {
            throw error("nested more than " + MAX_DEPTH + " levels deep");
        }
        try {
            return valueHere();
        } finally {
            depth--;
        }
    }

    private Object valueHere() {
        if (pos >= text.length()) {
            throw error("missing value");
        }
        char c = text.charAt(pos);
        switch (c) {
            case '\'', '"' -> {
                return string();
            }
            case '[' -> {
                pos++;
                return new ArrayList<>(sequence(']'));
            }
            case '(' -> {
                pos++;
                return new Tuple(sequence(')'));
            }
            case '{' -> {
                pos++;
                return dict();
            }
            default -> {
                if (text.startsWith("None", pos)) {
                    pos += 4;
                    return null;
                }
                if (text.startsWith("True", pos)) {
                    pos += 4;
                    return Boolean.TRUE;
                }
                if (text.startsWith("False", pos)) {
                    pos += 5;
                    return Boolean.FALSE;
                }
                return number();
            }
        }
    }

    private List<Object> sequence(char close) {
        List<Object> items = new ArrayList<>();
        skipSpace();
        while (peek() != close) {
            items.add(value());
            skipSpace();
            if (peek() == ',') {
                pos++;
                skipSpace();
            } else if (peek() != close) {
                throw error("expected ',' or '" + close + "'");
            }
        }
        pos++;
        return items;
    }

    private Map<Object, Object> dict() {
        Map<Object, Object> map = new LinkedHashMap<>();
        skipSpace();
        while (peek() != '}') {
            Object key = value();
            skipSpace();
            if (peek() != ':') {
                throw error("expected ':'");
            }
            pos++;
            skipSpace();
            map.put(key, value());
            skipSpace();
            if (peek() == ',') {
                pos++;
                skipSpace();
            } else if (peek() != '}') {
                throw error("expected ',' or '}'");
            }
        }
        pos++;
        return map;
    }

    private String string() {
        char quote = text.charAt(pos++);
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char c = text.charAt(pos++);
            if (c == quote) {
                return out.toString();
            }
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw error("unterminated string");
            }
            char e = text.charAt(pos++);
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '0' -> out.append('\0');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                case '\\', '\'', '"' -> out.append(e);
                case 'x' -> out.append((char) hex(2));
                case 'u' -> out.append((char) hex(4));
                case 'U' -> out.appendCodePoint(hex(8));
                default -> out.append('\\').append(e);
            }
        }
    }

    private int hex(int digits) {
        if (pos + digits > text.length()) {
            throw error("truncated escape");
        }
        int v = Integer.parseInt(text.substring(pos, pos + digits), 16);
        pos += digits;
        return v;
    }

    private Object number() {
        int start = pos;
        if (peek() == '-' || peek() == '+') {
            pos++;
        }
        boolean isFloat = false;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (Character.isDigit(c)) {
                pos++;
            } else if (c == '.' || c == 'e' || c == 'E'
                    || ((c == '-' || c == '+') && (text.charAt(pos - 1) == 'e' || text.charAt(pos - 1) == 'E'))) {
                isFloat = true;
                pos++;
            } else {
                break;
            }
        }
        String n = text.substring(start, pos);
        if (n.isEmpty() || n.equals("-") || n.equals("+")) {
            throw error("expected a value");
        }
        try {
            return isFloat ? (Object) Double.parseDouble(n) : (Object) Long.parseLong(n);
        } catch (NumberFormatException e) {
            throw error("bad number '" + n + "'");
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(pos);
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at character " + (pos + 1));
    }

    /** Python's {@code repr()} of a value made of the types {@link #parse} returns. */
    public static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        repr(value, out);
        return out.toString();
    }

    private static void repr(Object value, StringBuilder out) {
        if (value == null) {
            out.append("None");
        } else if (value instanceof Boolean b) {
            out.append(b ? "True" : "False");
        } else if (value instanceof String s) {
            out.append(reprString(s));
        } else if (value instanceof Double d) {
            out.append(reprFloat(d));
        } else if (value instanceof Float f) {
            out.append(reprFloat(f.doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n.longValue());
        } else if (value instanceof Tuple t) {
            out.append('(');
            join(t.items().iterator(), out);
            if (t.items().size() == 1) {
                out.append(',');
            }
            out.append(')');
        } else if (value instanceof List<?> l) {
            out.append('[');
            join(l.iterator(), out);
            out.append(']');
        } else if (value instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                repr(e.getKey(), out);
                out.append(": ");
                repr(e.getValue(), out);
            }
            out.append('}');
        } else {
            throw new IllegalArgumentException("no Python literal for " + value.getClass().getName());
        }
    }

    private static void join(Iterator<?> items, StringBuilder out) {
        boolean first = true;
        while (items.hasNext()) {
            if (!first) {
                out.append(", ");
            }
            first = false;
            repr(items.next(), out);
        }
    }

    /** Python's {@code repr(str)}: single quotes unless the text has a single quote and no double quote. */
    public static String reprString(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                out.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (cp < 0x20 || cp == 0x7f) {
                out.append(String.format("\\x%02x", cp));
            } else if (cp >= 0x80 && !isPrintable(cp)) {
                out.append(cp <= 0xff ? String.format("\\x%02x", cp)
                        : cp <= 0xffff ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append(quote).toString();
    }

    private static boolean isPrintable(int cp) {
        int type = Character.getType(cp);
        return !(type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                || type == Character.PRIVATE_USE || type == Character.UNASSIGNED
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || (type == Character.SPACE_SEPARATOR && cp != ' '));
    }

    /**
     * Python's {@code repr(float)}: the shortest decimal that reads back as the same double, in fixed
     * notation for exponents from -4 to 15 and scientific notation otherwise.
     */
    public static String reprFloat(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal candidate = exact.round(new MathContext(digits, java.math.RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == d) {
                shortest = candidate;
                break;
            }
        }
        String unscaled = shortest.unscaledValue().abs().toString().replaceAll("0+$", "");
        if (unscaled.isEmpty()) {
            unscaled = "0";
        }
        int exponent = shortest.precision() - shortest.scale() - 1;
        String sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16) {
            String mantissa = unscaled.length() == 1 ? unscaled : unscaled.charAt(0) + "." + unscaled.substring(1);
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        if (exponent < 0) {
            return sign + "0." + "0".repeat(-exponent - 1) + unscaled;
        }
        if (unscaled.length() <= exponent + 1) {
            return sign + unscaled + "0".repeat(exponent + 1 - unscaled.length()) + ".0";
        }
        return sign + unscaled.substring(0, exponent + 1) + "." + unscaled.substring(exponent + 1);
    }
}
