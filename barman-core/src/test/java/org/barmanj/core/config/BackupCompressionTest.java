package org.barmanj.core.config;

import org.barmanj.core.TestServer;
import org.barmanj.core.compression.TarballCompression;
import org.barmanj.core.postgres.PgBaseBackup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code backup_compression}'s validation and pg_basebackup arguments against what Barman 3.4's own classes give
 * for the same options and versions (recorded by src/it/lab/record-backup-compression-fixtures).
 */
class BackupCompressionTest {
    @TempDir
    Path home;

    @Test
    void issuesAndArgumentsAreBarman34s() throws IOException {
        List<String> cases;
        try (InputStream in = getClass().getResourceAsStream("/barman34/backup-compression.tsv")) {
            cases = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertTrue(cases.size() > 1000, "the recorded cases");
        for (String line : cases) {
            String[] f = line.split("\t", -1);
            BackupCompression c = new BackupCompression(TarballCompression.of(f[0]), text(f[1]), number(f[2]),
                    text(f[3]), number(f[4]));
            int server = Integer.parseInt(f[5]);
            int client = PgBaseBackup.versionNum(f[6]);
            List<String> expected = f[7].isEmpty() ? List.of() : Arrays.asList(f[7].split("\\|"));
            assertEquals(expected, c.issues(server, client), line);
            assertEquals(f[8], String.join(" ", c.arguments(client)), line);
        }
    }

    @Test
    void withoutVersionsOnlyTheOptionsAreChecked() {
        BackupCompression c = new BackupCompression(TarballCompression.LZ4, "plain", 13, "server", 2);
        assertEquals(List.of("backup_compression_level 13 unsupported by pg_basebackup compression lz4",
                "backup_compression_workers is not compatible with compression lz4"), c.issues(null, null));
        assertEquals("backup_compression_location = server requires PostgreSQL 15 or greater",
                c.issues(130000, null).get(0), "a known version is checked alone");
    }

    @Test
    void theServerOptionsMakeIt() throws IOException {
        ServerConfig server = TestServer.create(home, "backup_method = postgres\nstreaming_conninfo = host=h\n"
                + "backup_compression = zstd\nbackup_compression_level = 5\nbackup_compression_workers = 3\n"
                + "backup_compression_location = server\n");
        BackupCompression c = BackupCompression.of(server);
        assertEquals(new BackupCompression(TarballCompression.ZSTD, null, 5, "server", 3), c);
        assertTrue(c.tarball());
        assertFalse(server.disabled(), server.problems().toString());
        assertEquals(List.of("--format=tar", "--compress=server-zstd:level=5,workers=3"), c.arguments(150018));
        assertNull(BackupCompression.of(TestServer.create(home, "backup_compression = none\n")));
        assertFalse(new BackupCompression(TarballCompression.GZIP, "plain", null, "server", null).tarball(),
                "pg_basebackup decompresses a plain backup");
    }

    /** The rules needing no version disable the server when read, as Barman 3.4's executor does. */
    @Test
    void badOptionsDisableTheServer() throws IOException {
        ServerConfig server = TestServer.create(home, "backup_method = postgres\nstreaming_conninfo = host=h\n"
                + "backup_compression = gzip\nbackup_compression_format = plain\nbackup_compression_level = 99\n"
                + "backup_compression_workers = 2\n");
        assertTrue(server.disabled());
        assertEquals(List.of("backup_compression_format plain is not compatible with backup_compression_location None",
                "backup_compression_level 99 unsupported by pg_basebackup compression gzip",
                "backup_compression_workers is not compatible with compression gzip"), server.problems());
        ServerConfig rsync = TestServer.create(home, "backup_compression = lz4\n");
        assertEquals(List.of("backup_compression option is not supported by rsync backup_method"), rsync.problems());
    }

    private static String text(String field) {
        return field.equals("-") ? null : field;
    }

    private static Integer number(String field) {
        return field.equals("-") ? null : Integer.valueOf(field);
    }
}
