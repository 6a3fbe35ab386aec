package org.barmanj.core.catalog;

import org.barmanj.core.BarmanException;
import org.barmanj.core.Fuzz;
import org.barmanj.core.TestServer;
import org.barmanj.core.check.ServerCheck;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.retention.RetentionReport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parser robustness (see {@link Fuzz}): mutated backup.info and xlog.db files, read as the commands read them. */
class CatalogRobustnessTest {
    @TempDir
    Path home;
    ServerConfig server;
    CatalogLayout layout;

    @BeforeEach
    void server() throws IOException {
        // ssh_command "false" fails at once: "ssh x@y" costs a failed name lookup in each of the 2000 checks.
        server = TestServer.create(home, "false", "retention_policy = RECOVERY WINDOW OF 1 DAYS\nminimum_redundancy = 1\n"
                + "last_backup_maximum_age = 1 day\nlast_wal_maximum_age = 1 hour\n");
        layout = new CatalogLayout(server);
    }

    @Test
    void backupInfo() {
        String original = BackupInfoTest.BARMAN34;
        Path file = layout.backupInfoFile("20261124T163325");
        Fuzz.run("backup.info", 1000, m -> m.contains(file.toString()) || m.contains("'demo'"), random -> {
            Files.createDirectories(file.getParent());
            Files.write(file, Fuzz.mutateLines(random, original).getBytes(StandardCharsets.UTF_8));
            useCatalog();
        });
    }

    @Test
    void xlogDb() throws IOException {
        String original = """
                000000010000000000000002\t16777216\t1795537000.5\tNone
                000000010000000000000003\t16777216\t1795537001.25\tgzip
                000000010000000000000003.00000028.backup\t345\t1795537002.0\tNone
                00000002.history\t42\t1795537003.0\tNone
                000000020000000000000004\t16777216\t1795537004\tNone
                """;
        Path db = home.resolve("demo/wals/xlog.db");
        Path info = layout.backupInfoFile("20261124T163325");
        Files.createDirectories(info.getParent());
        Files.writeString(info, BackupInfoTest.BARMAN34);
        Fuzz.run("xlog.db", 1000, m -> m.contains(db.toString()), random -> {
            String text = Fuzz.mutateLines(random, original);
            try {
                XlogDb.parse(text, db.toString());
            } catch (BarmanException e) {
                // Also refused when read from disk, below.
            }
            Files.createDirectories(db.getParent());
            Files.writeString(db, text);
            useCatalog();
        });
    }

    /** What the commands read of a catalog: every backup's fields, WAL statistics, retention, aliases, check. */
    private void useCatalog() {
        BackupCatalog catalog = BackupCatalog.load(server);
        for (BackupInfo b : catalog.all()) {
            b.status();
            b.statusText();
            b.serverName();
            b.backupName();
            b.beginTime();
            b.endTime();
            b.size();
            b.deduplicatedSize();
            b.timeline();
            b.xlogSegmentSize();
            b.error();
            b.backupLabel();
            b.copyStats();
            b.tablespaces();
            for (String key : b.keys()) {
                b.shown(key);
            }
            if (b.copyDone()) {
                catalog.walInfo(b);
                catalog.childTimelines(b);
                catalog.previous(b);
                catalog.next(b);
            }
            b.render();
        }
        RetentionReport.of(catalog, OffsetDateTime.now());
        for (String alias : new String[] {"latest", "oldest", "last-failed", "20261124T163325", "name"}) {
            try {
                catalog.find(alias);
            } catch (BarmanException e) {
                assertTrue(e.getMessage().contains("'demo'") || e.getMessage().contains("backup.info"),
                        e.getMessage());
            }
        }
        new ServerCheck(server).run(Map::of);
    }

}
