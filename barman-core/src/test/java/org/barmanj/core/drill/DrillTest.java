package org.barmanj.core.drill;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrillTest {
    private static final Path PGDATA = Path.of("/var/lib/barman/pg/drill/pg/pgdata");

    @Test
    void aStalePostmasterIsOursOnlyInItsPgdataWithTheDrillsClusterName() {
        List<String> ours = List.of("/usr/lib/postgresql/15/bin/postgres", "-D", PGDATA.toString(), "-c",
                "cluster_name=barman-drill");
        assertTrue(Drill.isDrillPostmaster(PGDATA, PGDATA, ours));
        assertFalse(Drill.isDrillPostmaster(Path.of("/var/lib/postgresql/15/main"), PGDATA, ours));
        assertFalse(Drill.isDrillPostmaster(null, PGDATA, ours));
        assertFalse(Drill.isDrillPostmaster(PGDATA, PGDATA, List.of("/usr/lib/postgresql/15/bin/postgres", "-D",
                PGDATA.toString())));
        assertFalse(Drill.isDrillPostmaster(PGDATA, PGDATA, List.of("postgres", "-c", "cluster_name=barman-drill2")));
    }

    @Test
    void onlyAuthorizationAndUnknownDatabaseErrorsArePermanent() {
        assertTrue(Drill.isPermanent("28000"));
        assertTrue(Drill.isPermanent("28P01"));
        assertTrue(Drill.isPermanent("3D000"));
        assertFalse(Drill.isPermanent("57P03"));
        assertFalse(Drill.isPermanent("08001"));
        assertFalse(Drill.isPermanent(null));
    }

    @Test
    void aZombieIsNotRunning() {
        assertTrue(Drill.isZombie("911 (postgres) Z 1 911 911 0 -1"));
        assertTrue(Drill.isZombie("911 (a) b) X 1"));
        assertFalse(Drill.isZombie("911 (post Z gres) S 1 911 911 0 -1"));
    }
}
