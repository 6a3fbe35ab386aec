package org.barmanj.core.compat;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

public class PyLiteralTest {
    public static final String COPY_STATS = "{'total_time': 1.529522, 'number_of_workers': 1, 'analysis_time_per_item': "
            + "{'pgdata': 0.545831}, 'copy_time_per_item': {'pgdata': 0.714441, 'pg_control': 0.245859}, "
            + "'serialized_copy_time_per_item': {'pgdata': 0.711846, 'pg_control': 0.245859}, 'analysis_time': "
            + "0.545831, 'copy_time': 0.963938, 'serialized_copy_time': 0.957705}";

    @Test
    void copyStatsRoundTrip() {
        Object v = PyLiteral.parse(COPY_STATS);
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(1L, m.get("number_of_workers"));
        assertEquals(0.963938, m.get("copy_time"));
        assertEquals(COPY_STATS, PyLiteral.repr(v));
    }

    @Test
    void tablespacesAreTuples() {
        String text = "[('tbs1', 16387, '/srv/tbs1'), ('x', 1, \"it's\")]";
        List<?> list = (List<?>) PyLiteral.parse(text);
        assertEquals(new PyLiteral.Tuple(List.of("tbs1", 16387L, "/srv/tbs1")), list.get(0));
        assertEquals(text, PyLiteral.repr(list));
        assertEquals("('a',)", PyLiteral.repr(new PyLiteral.Tuple(List.of("a"))));
    }

    @Test
    void stringsFollowPythonRepr() {
        assertEquals("'START WAL LOCATION: 0/3000028\\nLABEL: x\\n'",
                PyLiteral.reprString("START WAL LOCATION: 0/3000028\nLABEL: x\n"));
        assertEquals("\"it's\"", PyLiteral.reprString("it's"));
        assertEquals("'both \\' and \"'", PyLiteral.reprString("both ' and \""));
        assertEquals("'back\\\\slash\\ttab\\x01é'", PyLiteral.reprString("back\\slash\ttab\u0001é"));
        assertEquals("both ' and \"", PyLiteral.parse("'both \\' and \"'"));
        assertEquals("é\u0001", PyLiteral.parse("'\\xe9\\x01'"));
    }

    @Test
    void floatsUseTheShortestRoundTripForm() {
        assertEquals("1795538010.5566733", PyLiteral.reprFloat(1795538010.5566733));
        assertEquals("1700000000.0", PyLiteral.reprFloat(1700000000.0));
        assertEquals("1.0", PyLiteral.reprFloat(1.0));
        assertEquals("0.1", PyLiteral.reprFloat(0.1));
        assertEquals("0.0001", PyLiteral.reprFloat(0.0001));
        assertEquals("1e-05", PyLiteral.reprFloat(0.00001));
        assertEquals("1e+16", PyLiteral.reprFloat(1e16));
        assertEquals("1234567890123456.0", PyLiteral.reprFloat(1234567890123456.0));
        assertEquals("1.2345678901234568e+17", PyLiteral.reprFloat(123456789012345678.0));
        assertEquals("-2.5", PyLiteral.reprFloat(-2.5));
        assertEquals("2e+23", PyLiteral.reprFloat(2e23));
    }

    @Test
    void errorsSayWhere() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PyLiteral.parse("{'a': }"));
        assertEquals("expected a value at character 7", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PyLiteral.parse("'open"));
    }
}
