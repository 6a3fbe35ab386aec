package org.barmanj.core.postgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PgBaseBackupTest {
    private static final PgBaseBackup PG15 = new PgBaseBackup(Path.of("/usr/bin/pg_basebackup"), "15.18", 150018);

    @TempDir
    Path dir;

    /** Barman 3.4's PgBaseBackup arguments, in its order, for a client of version 10 or later. */
    @Test
    void argumentsAreBarmansForAPlainBackup() {
        Map<String, Path> tablespaces = new LinkedHashMap<>();
        tablespaces.put("/srv/tbs1", Path.of("/b/demo/base/X/16385"));
        tablespaces.put("/srv/tbs2", Path.of("/b/demo/base/X/16386"));
        assertEquals(List.of("/usr/bin/pg_basebackup",
                "--dbname=dbname=replication host=pg1-srv options=-cdatestyle=iso port=5432 replication=true "
                        + "user=barman application_name=barman_streaming_backup",
                "-v", "--no-password", "--pgdata=/b/demo/base/X/data", "--no-slot", "--wal-method=none",
                "--tablespace-mapping=/srv/tbs1=/b/demo/base/X/16385",
                "--tablespace-mapping=/srv/tbs2=/b/demo/base/X/16386", "--max-rate=4000", "--checkpoint=fast"),
                PG15.arguments("host=pg1-srv user=barman dbname=postgres port=5432", "barman_streaming_backup",
                        Path.of("/b/demo/base/X/data"), tablespaces, 4000, true));
    }

    /** No spread flag (pg_basebackup's default), no rate for 0, no WAL options before pg_basebackup 10. */
    @Test
    void optionalArgumentsOnlyWhenAsked() {
        PgBaseBackup old = new PgBaseBackup(Path.of("/opt/9.6/pg_basebackup"), "9.6.24", 90624);
        assertEquals(List.of("/opt/9.6/pg_basebackup",
                "--dbname=dbname=replication host=h options=-cdatestyle=iso replication=true application_name=app",
                "-v", "--no-password", "--pgdata=/d"),
                old.arguments("host=h", "app", Path.of("/d"), Map.of(), 0, false));
    }

    /** As Barman: the user's application_name and quoting kept, the replication parameters forced. */
    @Test
    void connectionStringKeepsTheUsersApplicationName() {
        assertEquals("application_name=mine dbname=replication host=h options=-cdatestyle=iso "
                + "password='a b\\'c' replication=true",
                PgBaseBackup.connectionString("host=h password='a b\\'c' application_name=mine dbname=x "
                        + "options=-cfoo=bar", "barman_streaming_backup"));
    }

    @Test
    void versionsAsBarmanReadsThem() {
        assertEquals("15.18", PgBaseBackup.parseVersion("pg_basebackup (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"));
        assertEquals("9.6.24", PgBaseBackup.parseVersion("pg_basebackup (PostgreSQL) 9.6.24\n"));
        assertEquals("17devel", PgBaseBackup.parseVersion("pg_basebackup (PostgreSQL) 17devel\n"));
        assertNull(PgBaseBackup.parseVersion("Error: pg_wrapper: pg_basebackup was not found\n"));
        assertEquals(150018, PgBaseBackup.versionNum("15.18"));
        assertEquals(90624, PgBaseBackup.versionNum("9.6.24"));
        assertEquals(170000, PgBaseBackup.versionNum("17beta1"));
        assertEquals(170002, PgBaseBackup.versionNum("17.2"));
    }

    /** Barman's rule: a pg_basebackup backs up its own major and older ones (from 9.3); 9.2 only 9.2. */
    @Test
    void compatibleWithItsOwnMajorAndOlder() {
        assertEquals(Boolean.TRUE, PG15.compatibleWith("13.16"));
        assertEquals(Boolean.TRUE, PG15.compatibleWith("15.2"));
        assertEquals(Boolean.FALSE, PG15.compatibleWith("17.2"));
        assertNull(PG15.compatibleWith(null));
        PgBaseBackup v92 = new PgBaseBackup(Path.of("/x"), "9.2.24", 90224);
        assertEquals(Boolean.TRUE, v92.compatibleWith("9.2.1"));
        assertEquals(Boolean.FALSE, new PgBaseBackup(Path.of("/x"), "9.6.1", 90601).compatibleWith("9.2.1"));
        assertTrue(PG15.mapsTablespaces());
        assertFalse(new PgBaseBackup(Path.of("/x"), "9.3.1", 90301).mapsTablespaces());
    }

    /** path_prefix first, then PATH; a wrapper whose --version fails is passed over, as Debian's may be. */
    @Test
    void foundInPathPrefixFirstSkippingInactiveWrappers() throws IOException {
        Path prefix = fake("prefix", "echo 'Error: pg_wrapper: pg_basebackup was not found' >&2; exit 1");
        Path first = fake("first", "echo 'pg_basebackup (PostgreSQL) 13.16'");
        Path second = fake("second", "echo 'pg_basebackup (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)'");
        Map<String, String> env = Map.of("PATH", first + ":" + second);
        assertEquals(new PgBaseBackup(first.resolve("pg_basebackup"), "13.16", 130016),
                PgBaseBackup.find(prefix.toString(), env));
        assertEquals(new PgBaseBackup(second.resolve("pg_basebackup"), "15.18", 150018),
                PgBaseBackup.find(second.toString(), env));
        assertNull(PgBaseBackup.find(null, Map.of("PATH", prefix.toString())));
    }

    private Path fake(String name, String body) throws IOException {
        Path bin = Files.createDirectories(dir.resolve(name));
        Path script = bin.resolve("pg_basebackup");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }
}
