package org.barmanj.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The refusals of {@code delete} and of {@code cron} (its archiving, its retention, what it would start for a
 * passive node), on the catalog Barman 3.4 wrote in the tutorial (two backups): one line each, naming
 * the option, the value, the server and what is supported; nothing is deleted or archived in their stead.
 */
class UnsupportedDeleteCronTest {
    private static final String OLDEST = "20261124T230819";
    private static final String NEWEST = "20261124T230824";
    private static final String WORM = "worm_mode = on is not supported by this version (server demo): supported: off";

    @TempDir
    Path home;
    private Path conf;

    @BeforeEach
    void install() throws IOException, URISyntaxException {
        conf = Barman34OutputTest.install(Path.of(getClass().getResource("/barman34/tutorial/catalog").toURI()), home);
    }

    private void options(String lines) throws IOException {
        Files.writeString(home.resolve("barman.d/demo.conf"), lines + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
    }

    private Path backup(String id) {
        return home.resolve("demo/base").resolve(id).resolve("backup.info");
    }

    private Path incomingWal() throws IOException {
        Path incoming = home.resolve("demo/incoming");
        Files.createDirectories(incoming);
        Path wal = incoming.resolve("000000010000000000000009");
        Files.write(wal, new byte[16 << 20]);
        return wal;
    }

    /** Immutable storage (Barman 3.17's worm_mode): nothing is deleted, by delete or by cron's retention. */
    @Test
    void deleteAndRetentionRefuseWormMode() throws IOException {
        options("worm_mode = on");
        CliRun run = CliRun.withConfig(conf, "delete", "demo", "oldest");
        assertEquals(new CliRun(1, "", "ERROR: " + WORM + "\nERROR: Cannot delete backup (demo " + OLDEST + ")\n"),
                run);
        assertTrue(Files.exists(backup(OLDEST)), "not deleted");

        options("retention_policy = REDUNDANCY 1");
        CliRun cron = CliRun.withConfig(conf, "cron");
        assertEquals(1, cron.exit(), cron.out() + cron.err());
        // Once for its archiving, once for its retention.
        assertEquals("ERROR: " + WORM + "\nERROR: " + WORM + "\n", cron.err());
        assertTrue(Files.exists(backup(OLDEST)), "the obsolete backup stays");
        assertTrue(Files.exists(backup(NEWEST)));
    }

    @Test
    void cronsArchivingRefusesACompressionItCannotWrite() throws IOException {
        options("compression = snappy");
        Path wal = incomingWal();
        CliRun run = CliRun.withConfig(conf, "cron");
        assertEquals(1, run.exit(), run.out() + run.err());
        assertEquals("ERROR: compression = snappy is not supported by this version (server demo): supported: gzip, "
                + "pygzip, pigz, bzip2, pybzip2, xz, zstd, lz4, none\n", run.err());
        assertTrue(Files.exists(wal), "the WAL file waits in incoming/");
    }

    /**
     * The streaming archiver is no longer refused: cron files both folders (in-process, where no receiver can be
     * started), leaving receive-wal's .partial file.
     */
    @Test
    void cronArchivesTheStreamingFolderToo() throws IOException {
        options("streaming_archiver = on\nslot_name = barman");
        Path wal = incomingWal();
        Path streaming = Files.createDirectories(home.resolve("demo/streaming"));
        Files.write(streaming.resolve("00000001000000000000000A"), new byte[16 << 20]);
        Path partial = Files.write(streaming.resolve("00000001000000000000000B.partial"), new byte[16 << 20]);
        CliRun run = CliRun.withConfig(conf, "cron");
        assertEquals(0, run.exit(), run.out() + run.err());
        assertEquals("", run.err());
        assertFalse(Files.exists(wal), "archived");
        assertTrue(Files.exists(home.resolve("demo/wals/0000000100000000/000000010000000000000009")));
        assertTrue(Files.exists(home.resolve("demo/wals/0000000100000000/00000001000000000000000A")));
        assertTrue(Files.exists(partial), "the receiver's segment stays");
    }
}
