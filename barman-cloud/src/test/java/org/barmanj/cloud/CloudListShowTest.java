package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.barmanj.core.catalog.BackupInfo;
import org.junit.jupiter.api.Test;

/**
 * The console and JSON text of barman-cloud-backup-list and -show against what Debian's Barman 3.4 printed for
 * the same backup.info files (two backups its barman-cloud-backup took, one named, one kept with its
 * barman-cloud-backup-keep; a FAILED copy; tablespaces, odd floats and quotes; a STARTED one with few keys),
 * recorded by src/it/lab/record-cloud-list-show-fixtures.
 */
class CloudListShowTest {
    static final Path FIXTURES = Path.of("src/test/resources/barman34-cloud");

    static String read(String name) throws Exception {
        return Files.readString(FIXTURES.resolve(name), StandardCharsets.UTF_8);
    }

    static Map<String, BackupInfo> backups() throws Exception {
        Map<String, BackupInfo> backups = new TreeMap<>();
        try (Stream<Path> dirs = Files.list(FIXTURES.resolve("base"))) {
            for (Path dir : dirs.toList()) {
                String id = dir.getFileName().toString();
                backups.put(id, BackupInfo.parse(id, "demo", Files.readString(dir.resolve("backup.info")),
                        dir.toString()));
            }
        }
        return backups;
    }

    static String keep(String id) {
        Path keep = FIXTURES.resolve("base").resolve(id).resolve("annotations/keep");
        try {
            return Files.exists(keep) ? Files.readString(keep) : null;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void listConsoleAsBarman34() throws Exception {
        Map<String, BackupInfo> backups = backups();
        assertEquals(5, backups.size());
        assertEquals("0\n", read("list-console.rc"));
        assertEquals(read("list-console.out"), CloudBackupList.console(backups, CloudListShowTest::keep));
    }

    @Test
    void listJsonAsBarman34() throws Exception {
        assertEquals("0\n", read("list-json.rc"));
        assertEquals(read("list-json.out"), CloudBackupList.json(backups()));
    }

    @Test
    void showConsoleAndJsonOfEveryBackupAsBarman34() throws Exception {
        for (BackupInfo b : backups().values()) {
            String id = b.backupId();
            assertEquals("0\n", read("show-" + id + "-console.rc"));
            assertEquals(read("show-" + id + "-console.out"), CloudBackupShow.console(b), id);
            assertEquals(read("show-" + id + "-json.out"), CloudBackupShow.json(b), id);
        }
        String named = read("named-id").strip();
        assertEquals(read("show-by-name-console.out"), CloudBackupShow.console(backups().get(named)));
    }

    @Test
    void prettySizeAndCopyTimeAsBarman34() throws Exception {
        for (String line : PyJsonWriterTest.lines("pretty-size.txt")) {
            String[] f = line.split("\t");
            assertEquals(f[1], CloudBackupShow.prettySize(Double.parseDouble(f[0])), "pretty_size(" + f[0] + ")");
        }
        List<String> deltas = PyJsonWriterTest.lines("human-delta.txt");
        assertTrue(deltas.size() > 10);
        for (String line : deltas) {
            String[] f = line.split("\t");
            assertEquals(f[1], CloudBackupShow.humanDelta(Double.parseDouble(f[0])), "timedelta(" + f[0] + ")");
        }
    }

    @Test
    void usageErrorsExitThree() {
        assertEquals(3, CloudBackupList.run(new String[] {"s3://b/p"}));
        assertEquals(3, CloudBackupShow.run(new String[] {"s3://b/p", "demo"}));
        assertEquals(3, CloudBackupShow.run(new String[] {"--format", "s3://b/p", "demo", "x"}));
    }
}
