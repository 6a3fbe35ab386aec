package org.barmanj.core.compat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A row as psycopg2's NamedTupleCursor gives it to Barman (a {@code namedtuple} named {@code Record}): printed as
 * {@code Record(slot_name='barman', active=True, restart_lsn='0/3000000')}, in JSON too (Barman's encoder writes
 * its {@code str()}).
 */
public record PyNamedTuple(String type, Map<String, Object> fields) {
    public static PyNamedTuple record(Map<String, Object> fields) {
        return new PyNamedTuple("Record", new LinkedHashMap<>(fields));
    }

    public Object get(String field) {
        return fields.get(field);
    }

    /** Python's {@code repr()}. */
    public String repr() {
        List<String> items = new ArrayList<>();
        fields.forEach((k, v) -> items.add(k + "=" + (v instanceof String s ? PyLiteral.reprString(s)
                : PythonText.str(v))));
        return type + "(" + String.join(", ", items) + ")";
    }
}
