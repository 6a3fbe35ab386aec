package org.barmanj.cloud;

import java.math.BigInteger;
import java.util.Collection;
import java.util.Map;
import org.barmanj.core.compat.PyJson;
import org.barmanj.core.compat.PyLiteral;

/**
 * Python's {@code json.dumps(obj)} with its defaults, as barman-cloud-backup-list and -show print: keys in the
 * map's own order (no sorting), {@code ", "} and {@code ": "} separators on one line, {@code ensure_ascii}
 * escaping, floats as Python's {@code repr} ({@code 1e-05}, {@code NaN}, {@code Infinity}), null as {@code null}.
 * Keys that are not strings are turned into strings as Python does ({@code None} is {@code "null"}).
 * Values: null, Boolean, Long/Integer/BigInteger, Double, String, Map, Collection (lists and tuples).
 */
final class PyJsonWriter {
    private PyJsonWriter() {}

    static String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(floatText(((Number) value).doubleValue()));
        } else if (value instanceof Long || value instanceof Integer || value instanceof BigInteger
                || value instanceof Short) {
            out.append(value);
        } else if (value instanceof String s) {
            PyJson.quote(s, out);
        } else if (value instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    out.append(", ");
                }
                first = false;
                PyJson.quote(key(e.getKey()), out);
                out.append(": ");
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof Collection<?> c) {
            list(c, out);
        } else if (value instanceof PyLiteral.Tuple t) {
            list(t.items(), out);
        } else {
            throw new IllegalArgumentException("Object of type " + value.getClass().getSimpleName()
                    + " is not JSON serializable");
        }
    }

    private static void list(Collection<?> items, StringBuilder out) {
        out.append('[');
        boolean first = true;
        for (Object item : items) {
            if (!first) {
                out.append(", ");
            }
            first = false;
            write(item, out);
        }
        out.append(']');
    }

    /** json's float: repr, except the non-finite ones, which JavaScript spells. */
    private static String floatText(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyLiteral.reprFloat(d);
    }

    /** How json.dumps turns a dict key into a string. */
    private static String key(Object k) {
        if (k == null) {
            return "null";
        }
        if (k instanceof String s) {
            return s;
        }
        if (k instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (k instanceof Double || k instanceof Float) {
            return floatText(((Number) k).doubleValue());
        }
        if (k instanceof Number) {
            return k.toString();
        }
        throw new IllegalArgumentException("keys must be str, int, float, bool or None, not "
                + k.getClass().getSimpleName());
    }
}
