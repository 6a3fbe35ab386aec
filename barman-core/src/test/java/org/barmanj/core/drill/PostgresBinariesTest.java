package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The binaries of another host, from what its one ssh command printed for each folder looked at. */
class PostgresBinariesTest {
    @Test
    void theFirstFolderOfTheMajorWinsWithTheToolsFoundThere() {
        PostgresBinaries b = PostgresBinaries.pick(15, List.of(
                "/usr/lib/postgresql/13/bin\tpostgres (PostgreSQL) 13.18\t pg_checksums",
                "/opt/pg15/bin\tpostgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\t pg_checksums pg_amcheck",
                "/usr/bin\tpostgres (PostgreSQL) 15.2\t"), " on db2", "x");
        assertEquals(Path.of("/opt/pg15/bin"), b.folder());
        assertEquals("15.18", b.version());
        assertEquals(Set.of("pg_checksums", "pg_amcheck"), b.tools());
        assertEquals(Path.of("/opt/pg15/bin/pg_amcheck"), b.tool("pg_amcheck"));
        PostgresBinaries bare = PostgresBinaries.pick(15, List.of("/usr/bin\tpostgres (PostgreSQL) 15.2\t"), "", "");
        assertNull(bare.tool("pg_checksums"));
    }

    @Test
    void noneOfTheMajorIsRefusedSayingWhatWasFound() {
        BarmanException e = assertThrows(BarmanException.class, () -> PostgresBinaries.pick(17, List.of(
                "/usr/lib/postgresql/15/bin\tpostgres (PostgreSQL) 15.18\t", "/broken\t\t"), " on the drill host",
                "/usr/lib/postgresql/17/bin and its PATH"));
        assertTrue(e.getMessage().startsWith("No PostgreSQL 17 binaries found on the drill host for the drill "
                + "(looked for postgres in /usr/lib/postgresql/17/bin and its PATH; found "
                + "/usr/lib/postgresql/15/bin/postgres (15.18), /broken/postgres (version unknown))"), e.getMessage());
    }
}
