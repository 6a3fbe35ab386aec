package org.barmanj.cli.output;

import org.barmanj.core.compat.PyJson;
import org.barmanj.core.compat.PyLiteral;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * Serialises maps, lists, strings, numbers, booleans and null exactly as Python's
 * {@code json.dumps(obj, sort_keys=True)} does, which is what Barman prints with {@code -f json}, or with
 * {@code indent=4} ({@code diagnose}).
 */
public final class Json {
    /** {@code strings}: applied to every string, keys included, before it is escaped (a redaction). */
    public static String write(Object value, UnaryOperator<String> strings) {
        StringBuilder out = new StringBuilder();
        new Json(strings, 0).write(value, out, 0);
        return out.toString();
    }

    /** The same as {@code json.dumps(obj, indent=4, sort_keys=True)}: one item a line, 4 spaces a level. */
    public static String writeIndented(Object value, UnaryOperator<String> strings) {
        StringBuilder out = new StringBuilder();
        new Json(strings, 4).write(value, out, 0);
        return out.toString();
    }

    private final UnaryOperator<String> strings;
    private final int indent;

    private Json(UnaryOperator<String> strings, int indent) {
        this.strings = strings;
        this.indent = indent;
    }

    /** Before an item at {@code level}: nothing when compact, else a new line and its indentation. */
    private void newLine(StringBuilder out, int level) {
        if (indent > 0) {
            out.append('\n').append(" ".repeat(indent * level));
        }
    }

    private void write(Object value, StringBuilder out, int level) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double d) {
            out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : PyLiteral.reprFloat(d));
        } else if (value instanceof Number n) {
            out.append(n.longValue());
        } else if (value instanceof String s) {
            string(s, out);
        } else if (value instanceof Map<?, ?> m) {
            Map<String, Object> sorted = new TreeMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sorted.put(String.valueOf(e.getKey()), e.getValue());
            }
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                if (!first) {
                    out.append(indent > 0 ? "," : ", ");
                }
                first = false;
                newLine(out, level + 1);
                string(e.getKey(), out);
                out.append(": ");
                write(e.getValue(), out, level + 1);
            }
            if (!sorted.isEmpty()) {
                newLine(out, level);
            }
            out.append('}');
        } else if (value instanceof Collection<?> c) {
            out.append('[');
            boolean first = true;
            for (Object item : c) {
                if (!first) {
                    out.append(indent > 0 ? "," : ", ");
                }
                first = false;
                newLine(out, level + 1);
                write(item, out, level + 1);
            }
            if (!c.isEmpty()) {
                newLine(out, level);
            }
            out.append(']');
        } else {
            string(value.toString(), out);
        }
    }

    /** A JSON string with Python's {@code ensure_ascii=True} escaping, after the output's string filter. */
    private void string(String text, StringBuilder out) {
        PyJson.quote(strings.apply(text), out);
    }
}
