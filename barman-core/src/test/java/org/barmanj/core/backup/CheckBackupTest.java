package org.barmanj.core.backup;

import org.barmanj.core.catalog.BackupInfo.Status;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.ServerConfig;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Barman's check_backup: when a backup's WAL range is complete, still coming, or can never be complete. */
class CheckBackupTest {
    @TempDir
    Path home;
    private CatalogLayout layout;

    @BeforeEach
    void server() throws IOException {
        Path conf = home.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + home + "\nbarman_user = " + System.getProperty("user.name")
                + "\n[demo]\nconninfo = host=127.0.0.1 port=1\nssh_command = ssh x@y\n");
        ServerConfig server = BarmanConfig.load(conf.toString(), Map.of(), home.toString()).server("demo");
        layout = new CatalogLayout(server);
    }

    private BackupInfo backup(String begin, String end) {
        BackupInfo b = BackupInfo.create("20261125T022900", false);
        b.set(BackupInfo.BEGIN_WAL, begin);
        b.set(BackupInfo.END_WAL, end);
        b.set(BackupInfo.END_TIME, java.time.OffsetDateTime.parse("2026-11-25T02:30:00Z"));
        b.set(BackupInfo.TIMELINE, 1L);
        b.set(BackupInfo.STATUS, Status.WAITING_FOR_WALS);
        b.save(layout.backupInfoFile(b.backupId()));
        return b;
    }

    private void archived(String... names) throws IOException {
        for (String n : names) {
            Path f = layout.walPath(n);
            Files.createDirectories(f.getParent());
            Files.writeString(f, n);
        }
    }

    private Status statusOnDisk() throws IOException {
        return BackupInfo.parse("x", "demo", Files.readString(layout.backupInfoFile("20261125T022900")), "x").status();
    }

    @Test
    void waitsUntilTheEndWalArrives() throws IOException {
        BackupInfo b = backup("0000000100000000000000FE", "000000010000000100000000");
        assertEquals(Status.WAITING_FOR_WALS, CheckBackup.run(layout, b));
        archived("0000000100000000000000FE", "0000000100000000000000FE.00000028.backup", "0000000100000000000000FF");
        assertEquals(Status.WAITING_FOR_WALS, CheckBackup.run(layout, b));
        archived("000000010000000100000000");
        assertEquals(Status.DONE, CheckBackup.run(layout, b), "FF is followed by the next log's 00");
        assertEquals(Status.DONE, statusOnDisk());
        assertNull(b.error());
    }

    @Test
    void aGapThatCanNeverBeFilledFailsTheBackup() throws IOException {
        BackupInfo b = backup("000000010000000000000003", "000000010000000000000005");
        archived("000000010000000000000003", "000000010000000000000005");
        assertEquals(Status.FAILED, CheckBackup.run(layout, b));
        assertEquals("At least one WAL file is missing. The first missing WAL file is 000000010000000000000004",
                b.error());
        assertEquals(Status.FAILED, statusOnDisk());
    }

    @Test
    void otherTimelinesDoNotCount() throws IOException {
        BackupInfo b = backup("000000010000000000000003", "000000010000000000000003");
        archived("000000020000000000000009");
        assertEquals(Status.WAITING_FOR_WALS, CheckBackup.run(layout, b));
    }
}
