package org.barmanj.core.compat;

import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.compat.PyLiteral;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Python's {@code str()} of the values Barman prints in {@code show-servers} and {@code status}. */
public final class PythonText {
    private PythonText() {
    }

    public static String str(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof BigDecimal d) {
            return d.toString();
        }
        if (v instanceof Double d) {
            return PyLiteral.reprFloat(d);
        }
        if (v instanceof OffsetDateTime t) {
            return PyDateTime.format(t);
        }
        if (v instanceof Duration d) {
            long days = d.toDays();
            long s = d.minusDays(days).getSeconds();
            String time = String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
            return days == 0 ? time : days + (days == 1 ? " day, " : " days, ") + time;
        }
        if (v instanceof PyNamedTuple t) {
            return t.repr();
        }
        if (v instanceof List<?> l) {
            List<String> items = new ArrayList<>();
            for (Object item : l) {
                items.add(item instanceof String s ? PyLiteral.reprString(s) : str(item));
            }
            return "[" + String.join(", ", items) + "]";
        }
        return v.toString();
    }

    /** Barman's CSV options print as their class around a Python set: {@code BackupOptions({'a'})}. */
    public static String csvOption(String className, Collection<String> values) {
        if (values.isEmpty()) {
            return className + "()";
        }
        List<String> items = new ArrayList<>();
        for (String v : values) {
            items.add(PyLiteral.reprString(v));
        }
        items.sort(null);
        return className + "({" + String.join(", ", items) + "})";
    }

    /** JSON keeps ints, strings, booleans, lists and null; anything else becomes its {@code str()}. */
    public static Object jsonValue(Object v) {
        if (v == null || v instanceof Boolean || v instanceof Long || v instanceof Integer || v instanceof String
                || v instanceof List<?>) {
            return v;
        }
        return str(v);
    }
}
