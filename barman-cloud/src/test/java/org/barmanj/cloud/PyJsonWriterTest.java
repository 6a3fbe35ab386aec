package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.barmanj.core.compat.PyLiteral;
import org.junit.jupiter.api.Test;

/** PyJsonWriter against Python 3's json.dumps, recorded by src/it/lab/record-cloud-json-fixtures. */
class PyJsonWriterTest {
    static List<String> lines(String resource) throws Exception {
        return Files.readAllLines(Path.of("src/test/resources", resource), StandardCharsets.UTF_8);
    }

    @Test
    void sameTextAsPythonJsonDumps() throws Exception {
        List<String> lines = lines("pyjson-dumps.txt");
        assertTrue(lines.size() >= 40, "fixture pairs: " + lines.size());
        for (int i = 0; i < lines.size(); i += 2) {
            Object value = PyLiteral.parse(lines.get(i));
            assertEquals(lines.get(i + 1), PyJsonWriter.dumps(value), "json.dumps(" + lines.get(i) + ")");
        }
    }

    @Test
    void nonFiniteFloatsAsJavaScriptSpellsThem() {
        assertEquals("[NaN, Infinity, -Infinity]",
                PyJsonWriter.dumps(List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY)));
    }
}
