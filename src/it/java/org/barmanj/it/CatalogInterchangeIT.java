package org.barmanj.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Barman 3.4 reads a catalog that our barman wrote through its own commands. The catalog Barman 3.4 recorded in the
 * tutorial is set back to before its WAL files were archived: both backups WAITING_FOR_WALS, xlog.db absent, the
 * WAL files (the recorded names, sizes and mtimes) waiting in incoming/. Our {@code barman cron} archives them
 * (writing xlog.db) and checks the waiting backups (rewriting each backup.info as DONE), our
 * {@code rebuild-xlogdb} rewrites xlog.db from the archive; every file they write is the one Barman 3.4 wrote,
 * byte for byte, and Barman 3.4 prints for it what it printed for its own.
 */
class CatalogInterchangeIT {
    private static final Path RECORDED = Path.of("../../barman-cli/src/test/resources/barman34/tutorial");
    private static final Path CATALOG = RECORDED.resolve("catalog");

    @Test
    void barman34ReadsTheCatalogWeWrite() throws Exception {
        BarmanHome home = new BarmanHome("interchange");
        try {
            Files.writeString(home.root.resolve("barman.d/demo.conf"),
                    Files.readString(CATALOG.resolve("barman.d/demo.conf")));
            Path demo = home.root.resolve("demo");
            Files.createDirectories(demo);
            Files.copy(CATALOG.resolve("demo/identity.json"), demo.resolve("identity.json"));

            // The backups, as the catalog had them before cron found their WAL files.
            Map<Path, String> recordedInfos = new HashMap<>();
            try (Stream<Path> ids = Files.list(CATALOG.resolve("demo/base"))) {
                for (Path dir : ids.sorted().toList()) {
                    String recorded = Files.readString(dir.resolve("backup.info"), StandardCharsets.UTF_8);
                    assertTrue(recorded.contains("\nstatus=DONE\n"), dir.toString());
                    Path info = demo.resolve("base").resolve(dir.getFileName().toString()).resolve("backup.info");
                    Files.createDirectories(info.getParent());
                    Files.writeString(info, recorded.replace("\nstatus=DONE\n", "\nstatus=WAITING_FOR_WALS\n"),
                            StandardCharsets.UTF_8);
                    recordedInfos.put(info, recorded);
                }
            }
            assertEquals(2, recordedInfos.size());

            // The archived files, back in incoming/ with the size and mtime xlog.db recorded (their contents:
            // neither Barman 3.4's listing nor our archiving reads them).
            String recordedXlogDb = Files.readString(CATALOG.resolve("demo/wals/xlog.db"), StandardCharsets.UTF_8);
            Path incoming = demo.resolve("incoming");
            Files.createDirectories(incoming);
            List<String> walNames = recordedXlogDb.lines().map(l -> l.split("\t")[0]).toList();
            for (String line : recordedXlogDb.lines().toList()) {
                String[] f = line.split("\t");
                assertEquals("None", f[3], line);
                Path wal = incoming.resolve(f[0]);
                try (RandomAccessFile file = new RandomAccessFile(wal.toFile(), "rw")) {
                    file.setLength(Long.parseLong(f[1]));
                }
                String[] time = f[2].split("\\.");
                Files.setLastModifiedTime(wal, FileTime.from(Instant.ofEpochSecond(Long.parseLong(time[0]),
                        Long.parseLong((time[1] + "000000000").substring(0, 9)))));
            }
            home.ownedByBarman();
            Map<Path, Object> waitingInodes = new HashMap<>();
            for (Path info : recordedInfos.keySet()) {
                waitingInodes.put(info, inode(info));
            }

            Path xlogDb = demo.resolve("wals/xlog.db");
            for (int run = 0; run < 2; run++) {
                // cron checks the oldest waiting backup each run, as Barman's does.
                home.barman("cron").ok();
            }
            try (Stream<Path> left = Files.list(incoming)) {
                assertEquals(List.of(), left.toList(), "our cron archived every incoming file");
            }
            for (String name : walNames) {
                assertTrue(Files.exists(demo.resolve("wals/0000000100000000").resolve(name)), name + " archived");
            }
            assertEquals(recordedXlogDb, Files.readString(xlogDb, StandardCharsets.UTF_8),
                    "the xlog.db our cron wrote archiving the files");
            for (Map.Entry<Path, String> e : recordedInfos.entrySet()) {
                assertNotEquals(waitingInodes.get(e.getKey()), inode(e.getKey()), "our cron rewrote " + e.getKey());
                assertEquals(e.getValue(), Files.readString(e.getKey(), StandardCharsets.UTF_8),
                        "the backup.info our cron wrote (now DONE)");
            }

            Object appendedInode = inode(xlogDb);
            Proc rebuild = home.barman("rebuild-xlogdb", "demo").ok();
            assertTrue(rebuild.out().contains("(history: 0, backup_labels: 2, wal_file: 3)"), rebuild.out());
            assertNotEquals(appendedInode, inode(xlogDb), "our rebuild-xlogdb replaced xlog.db");
            assertEquals(recordedXlogDb, Files.readString(xlogDb, StandardCharsets.UTF_8),
                    "the xlog.db our rebuild-xlogdb wrote");
            assertFalse(Files.exists(demo.resolve("wals/xlog.db.rewrite.tmp")));

            Path outputs = RECORDED.resolve("outputs");
            for (String command : List.of("list-backups demo", "-f json list-backups demo", "show-backup demo latest",
                    "show-backup demo oldest", "-f json show-backup demo latest", "-f json show-backup demo oldest")) {
                Proc theirs = home.barman34(command.split(" ")).ok();
                String expected = Files.readString(outputs.resolve(command.replace(' ', '_')))
                        .replace("@BARMAN_HOME@", home.root.toString());
                assertEquals(expected, theirs.out(), "Barman 3.4 " + command + " on the catalog we wrote");
            }
        } finally {
            home.delete();
        }
    }

    private static Object inode(Path file) throws IOException {
        return Files.getAttribute(file, "unix:ino");
    }
}
