package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrillSettingsTest {
    @TempDir
    Path dir;

    private DrillSettings read(String text) throws Exception {
        Path f = dir.resolve("pg.drill");
        Files.writeString(f, text);
        return DrillSettings.read(List.of(f), Set.of("pg", "other"));
    }

    @Test
    void readsKeysRawWithoutInterpolation() throws Exception {
        DrillSettings s = read("""
                # a comment
                [pg]
                drill_path = /srv/drill
                drill_maximum_age = 7 DAYS
                drill_probe_orders = select count(*) from orders
                    where name like 'a%' and x = '%(name)s'
                drill_probe_database = shop
                drill_port = 6543
                """);
        DrillSettings.Server pg = s.server("pg");
        assertEquals(Path.of("/srv/drill"), pg.path());
        assertEquals(Duration.ofDays(7), pg.maximumAge());
        assertEquals(Map.of("orders", "select count(*) from orders\nwhere name like 'a%' and x = '%(name)s'"),
                pg.probes());
        assertEquals("shop", pg.probeDatabase());
        assertEquals(6543, pg.port());
        assertEquals(List.of(), s.warnings());
        assertNull(s.server("other"));
    }

    @Test
    void defaults() throws Exception {
        DrillSettings.Server pg = read("[pg]\n").server("pg");
        assertNull(pg.path());
        assertNull(pg.maximumAge());
        assertEquals("postgres", pg.probeDatabase());
        assertEquals(5432, pg.port());
        assertEquals(3600, pg.timeoutSeconds());
        assertEquals(Map.of(), pg.probes());
    }

    @Test
    void unknownKeysAndServersAreWarnings() throws Exception {
        DrillSettings s = read("[pg]\ndrill_max_age = 1 day\n[nosuch]\ndrill_path = /x\n");
        assertEquals(2, s.warnings().size(), s.warnings().toString());
        assertTrue(s.warnings().get(0).startsWith("Invalid configuration option \"drill_max_age\" in [pg] section ("
                + dir.resolve("pg.drill") + " line 2): not a drill option"), s.warnings().get(0));
        assertTrue(s.warnings().get(1).contains("unknown server [nosuch]"), s.warnings().get(1));
    }

    @Test
    void badValuesNameTheKeyAndLine() throws Exception {
        DrillSettings.Server pg = read("[pg]\ndrill_maximum_age = 7 fortnights\ndrill_path = rel\n").server("pg");
        BarmanException e = assertThrows(BarmanException.class, pg::maximumAge);
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertEquals("Invalid value '7 fortnights' for drill_maximum_age in [pg] section (" + dir.resolve("pg.drill")
                + " line 2): allowed: N {hour|day|week|month}[s], e.g. '1 week'", e.getMessage());
        assertThrows(BarmanException.class, pg::validate);
        assertThrows(BarmanException.class, pg::path);
    }

    @Test
    void badPortAndEmptyProbe() throws Exception {
        assertThrows(BarmanException.class, () -> read("[pg]\ndrill_port = 0\n").server("pg").port());
        assertThrows(BarmanException.class, () -> read("[pg]\ndrill_probe_x =\n").server("pg").validate());
    }

    @Test
    void syntaxErrorIsFatal() {
        BarmanException e = assertThrows(BarmanException.class, () -> read("drill_path = /x\n"));
        assertEquals(ErrorCode.CONFIG_SYNTAX, e.code());
    }
}
