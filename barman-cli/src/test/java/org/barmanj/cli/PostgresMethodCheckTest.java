package org.barmanj.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code check} of a {@code backup_method = postgres} server whose PostgreSQL is down, with a pg_basebackup 13 in
 * {@code path_prefix}: the rows Barman 3.4 printed for the same configuration (recorded live), no ssh row.
 */
class PostgresMethodCheckTest {
    @TempDir
    Path dir;

    @Test
    void rowsAsBarman34PrintsThem() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path fake = bin.resolve("pg_basebackup");
        Files.writeString(fake, "#!/bin/sh\necho 'pg_basebackup (PostgreSQL) 13.16'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path conf = dir.resolve("barman.conf");
        // Port 1 on loopback: nothing listens.
        Files.writeString(conf, "[barman]\nbarman_home = " + dir + "/home\nbarman_user = "
                + System.getProperty("user.name") + "\n[pg]\nconninfo = host=127.0.0.1 port=1 user=barman "
                + "dbname=postgres\nbackup_method = postgres\narchiver = on\nssh_command = ssh nobody@127.0.0.1\n"
                + "path_prefix = " + bin + "\n");
        CliRun check = CliRun.withConfig(conf, "check", "pg");
        assertEquals(1, check.exit(), check.err());
        assertEquals("""
                Server pg:
                \tWAL archive: FAILED (please make sure WAL shipping is setup)
                \tPostgreSQL: FAILED
                \tdirectories: OK
                \tretention policy settings: OK
                \tbackup maximum age: OK (no last_backup_maximum_age provided)
                \tbackup minimum size: OK (0 B)
                \twal maximum age: OK (no last_wal_maximum_age provided)
                \twal size: OK (0 B)
                \tcompression settings: OK
                \tfailed backups: OK (there are 0 failed backups)
                \tminimum redundancy requirements: OK (have 0 backups, expected at least 0)
                \tpg_basebackup: OK
                \tpg_basebackup compatible: FAILED (PostgreSQL version: None, pg_basebackup version: 13.16)
                \tsystemid coherence: OK (no system Id available)
                \tarchiver errors: OK
                """, check.out());
    }
}
