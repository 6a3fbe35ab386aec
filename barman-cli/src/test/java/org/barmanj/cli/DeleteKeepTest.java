package org.barmanj.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code delete} and {@code keep} on the catalog Barman 3.4 wrote in the tutorial (two backups): the refusals
 * with Barman's exact lines and exit codes, and the annotation file Barman 3.4 reads. (RetentionOracleIT runs
 * Barman 3.4 itself on copies of the same catalogs.)
 */
class DeleteKeepTest {
    private static final String OLDEST = "20261124T230819";
    private static final String NEWEST = "20261124T230824";

    @TempDir
    Path home;
    private Path conf;

    @BeforeEach
    void install() throws IOException, URISyntaxException {
        conf = Barman34OutputTest.install(Path.of(getClass().getResource("/barman34/tutorial/catalog").toURI()), home);
    }

    private void option(String line) throws IOException {
        Files.writeString(home.resolve("barman.d/demo.conf"), line + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.APPEND);
    }

    private Path backup(String id) {
        return home.resolve("demo/base").resolve(id);
    }

    @Test
    void minimumRedundancyStopsADelete() throws IOException {
        option("minimum_redundancy = 2");
        CliRun run = CliRun.withConfig(conf, "delete", "demo", "oldest");
        assertEquals(1, run.exit());
        assertEquals("WARNING: Skipping delete of backup " + OLDEST + " for server demo due to minimum redundancy "
                + "requirements (minimum redundancy = 2, current redundancy = 2)\n"
                + "ERROR: Cannot delete backup (demo " + OLDEST + ")\n", run.err());
        assertTrue(Files.exists(backup(OLDEST).resolve("backup.info")));
    }

    @Test
    void aKeptBackupIsNotDeletedUntilReleased() throws IOException {
        assertEquals(new CliRun(0, "", ""), CliRun.withConfig(conf, "keep", "demo", NEWEST, "--target", "full"));
        assertEquals("full", Files.readString(backup(NEWEST).resolve("annotations/keep")));
        assertEquals(new CliRun(0, "Server demo:\n\tKeep: full\n", ""),
                CliRun.withConfig(conf, "keep", "demo", "latest", "--status"));
        CliRun refused = CliRun.withConfig(conf, "delete", "demo", NEWEST);
        assertEquals(new CliRun(1, "", "WARNING: Skipping delete of backup " + NEWEST + " for server demo as it has a "
                + "current keep request. If you really want to delete this backup please remove the keep and try "
                + "again.\nERROR: Cannot delete backup (demo " + NEWEST + ")\n"), refused);
        assertEquals(new CliRun(0, "", ""), CliRun.withConfig(conf, "keep", "demo", NEWEST, "--release"));
        assertFalse(Files.exists(backup(NEWEST).resolve("annotations")));
        assertEquals(new CliRun(0, "Server demo:\n\tKeep: nokeep\n", ""),
                CliRun.withConfig(conf, "keep", "demo", NEWEST, "--status"));
        CliRun deleted = CliRun.withConfig(conf, "delete", "demo", NEWEST);
        assertEquals(0, deleted.exit(), deleted.err());
        assertTrue(deleted.out().startsWith("Deleting backup " + NEWEST + " for server demo\nDeleted backup " + NEWEST
                + " (start time: "), deleted.out());
        assertFalse(Files.exists(backup(NEWEST)));
    }

    @Test
    void keepRefusesWhatBarmanRefuses() throws IOException {
        assertEquals(new CliRun(1, "", "ERROR: one of the arguments -r/--release -s/--status --target is required\n"),
                CliRun.withConfig(conf, "keep", "demo", NEWEST));
        CliRun bad = CliRun.withConfig(conf, "keep", "demo", NEWEST, "--target", "partial");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("argument --target: invalid choice: 'partial' (choose from 'full', "
                + "'standalone')"), bad.err());
        Path info = backup(OLDEST).resolve("backup.info");
        Files.writeString(info, Files.readString(info).replace("status=DONE", "status=FAILED"));
        assertEquals(new CliRun(1, "", "ERROR: Cannot add keep to backup " + OLDEST + " because it has status FAILED. "
                + "Only backups with status DONE can be kept.\n"), CliRun.withConfig(conf, "keep", "demo", OLDEST,
                "--target", "standalone"));
        assertFalse(Files.exists(backup(OLDEST).resolve("annotations")));
    }

    @Test
    void aBackupBeingTakenIsNotDeleted() throws Exception {
        Path info = backup(NEWEST).resolve("backup.info");
        Files.writeString(info, Files.readString(info).replace("status=DONE", "status=STARTED"));
        Path lock = home.resolve(".demo-backup.lock");
        Process holder = new ProcessBuilder("flock", lock.toString(), "sh", "-c", "echo held; exec cat").start();
        try {
            assertEquals("held", new String(holder.getInputStream().readNBytes(4)));
            assertEquals(new CliRun(1, "", "ERROR: Cannot delete a running backup (demo " + NEWEST + ")\n"
                    + "ERROR: Cannot delete backup (demo " + NEWEST + ")\n"),
                    CliRun.withConfig(conf, "delete", "demo", NEWEST));
            assertTrue(Files.exists(info));
        } finally {
            holder.getOutputStream().close();
            holder.waitFor();
        }
    }

    @Test
    void anUnknownBackupIsReported() {
        assertEquals(new CliRun(1, "", "ERROR: Unknown backup '20200101T000000' for server 'demo'\n"),
                CliRun.withConfig(conf, "delete", "demo", "20200101T000000"));
    }
}
