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
                drill_schedule = 2 weeks
                """);
        DrillSettings.Server pg = s.server("pg");
        assertEquals(Path.of("/srv/drill"), pg.path());
        assertEquals(Duration.ofDays(7), pg.maximumAge());
        assertEquals(Map.of("orders", "select count(*) from orders\nwhere name like 'a%' and x = '%(name)s'"),
                pg.probes());
        assertEquals("shop", pg.probeDatabase());
        assertEquals(6543, pg.port());
        assertEquals(Duration.ofDays(14), pg.schedule());
        assertEquals(List.of(), s.warnings());
        assertNull(s.server("other"));
    }

    @Test
    void defaults() throws Exception {
        DrillSettings.Server pg = read("[pg]\n").server("pg");
        assertNull(pg.path());
        assertNull(pg.maximumAge());
        assertNull(pg.schedule());
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
    void badScheduleIsRefusedByValidate() throws Exception {
        DrillSettings.Server pg = read("[pg]\ndrill_schedule = weekly\n").server("pg");
        BarmanException e = assertThrows(BarmanException.class, pg::validate);
        assertEquals("Invalid value 'weekly' for drill_schedule in [pg] section (" + dir.resolve("pg.drill")
                + " line 2): allowed: N {hour|day|week|month}[s], e.g. '1 week'", e.getMessage());
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
    private Path root(String drillPath, String server) throws Exception {
        Path f = dir.resolve("pg.drill");
        Files.writeString(f, "[" + server + "]\n" + (drillPath == null ? "" : "drill_path = " + drillPath + "\n"));
        return DrillSettings.read(List.of(f), Set.of(server)).server(server)
                .scratchRoot(Path.of("/var/lib/barman"), Path.of("/var/lib/barman/pg"));
    }

    @Test
    void scratchRootRules() throws Exception {
        assertEquals(Path.of("/var/lib/barman/pg/drill"), root(null, "pg"));
        assertEquals(Path.of("/var/lib/barman/pg/drill"), root("/var/lib/barman/pg/./drill/", "pg"));
        assertEquals(Path.of("/srv/drill"), root("/srv/drill", "pg"));
        assertEquals(Path.of("/var/lib/barman/drills"), root("/var/lib/barman/drills", "pg"));
        for (String bad : List.of("/", "/.", "/var/..", "/var", "/var/lib/barman", "/var/lib/barman/pg",
                "/var/lib/barman/pg/base", "/var/lib/barman/pg/drill/x", "/var/lib/barman/pg/wals/../base",
                "/var/lib/barman/x/..")) {
            BarmanException e = assertThrows(BarmanException.class, () -> root(bad, "pg"), bad);
            assertEquals(ErrorCode.CONFIG_INVALID, e.code());
            assertTrue(e.getMessage().startsWith("Invalid value '" + bad + "' for drill_path in [pg] section"),
                    e.getMessage());
        }
        for (String name : List.of(".", "..", "a/b")) {
            Path f = dir.resolve("pg.drill");
            Files.writeString(f, "");
            DrillSettings.Server s = DrillSettings.Server.defaults(name);
            BarmanException e = assertThrows(BarmanException.class,
                    () -> s.scratchRoot(Path.of("/var/lib/barman"), Path.of("/var/lib/barman/pg")));
            assertTrue(e.getMessage().contains("not a single path element"), e.getMessage());
        }
    }
}
