package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure parts of barman-cloud-backup-delete and -keep: their command lines, batches, the order of deletes. */
class CloudBackupDeleteTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private String usageError(CloudArgs args, String... argv) {
        CloudExit e = assertThrows(CloudExit.class, () -> args.parse(argv,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals(CloudExit.USAGE, e.code);
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void deleteNeedsExactlyOneOfBackupIdAndRetentionPolicy() {
        String text = usageError(CloudBackupDelete.arguments(), "s3://b/p", "demo");
        assertTrue(text.contains("(-b BACKUP_ID | -r RETENTION_POLICY) [--dry-run]\n")
                && text.contains("[--batch-size DELETE_BATCH_SIZE] source_url server_name\n"),
                text);
        assertTrue(text.endsWith("barman-cloud-backup-delete: error: one of the arguments -b/--backup-id"
                + " -r/--retention-policy is required\n"), text);
        err.reset();
        text = usageError(CloudBackupDelete.arguments(), "-b", "x", "-r", "REDUNDANCY 1", "s3://b/p", "demo");
        assertTrue(text.endsWith("error: argument -r/--retention-policy: not allowed with argument -b/--backup-id\n"),
                text);
        err.reset();
        // The positionals are checked first, as argparse does.
        text = usageError(CloudBackupDelete.arguments(), "s3://b/p");
        assertTrue(text.endsWith("error: the following arguments are required: server_name\n"), text);
        CloudArgs ok = CloudBackupDelete.arguments().parse(new String[] {"--dry-run", "--batch-size", "2", "-r",
                "REDUNDANCY 2", "s3://b/p", "demo"}, System.out, System.err);
        assertEquals("REDUNDANCY 2", ok.value("--retention-policy"));
        assertEquals("2", ok.value("--batch-size"));
        assertTrue(ok.setFlags.contains("--dry-run"));
    }

    @Test
    void keepNeedsExactlyOneOfReleaseStatusAndTarget() {
        String text = usageError(CloudBackupKeep.arguments(), "s3://b/p", "demo", "id");
        assertTrue(text.contains("(-r | -s | --target {full,standalone})"), text);
        assertTrue(text.endsWith("barman-cloud-backup-keep: error: one of the arguments -r/--release -s/--status"
                + " --target is required\n"), text);
        err.reset();
        text = usageError(CloudBackupKeep.arguments(), "--target", "all", "s3://b/p", "demo", "id");
        assertTrue(text.endsWith("error: argument --target: invalid choice: 'all' (choose from 'full',"
                + " 'standalone')\n"), text);
        err.reset();
        text = usageError(CloudBackupKeep.arguments(), "-s", "--target", "full", "s3://b/p", "demo", "id");
        assertTrue(text.endsWith("error: argument --target: not allowed with argument -s/--status\n"), text);
        assertTrue(CloudBackupKeep.arguments().help().contains("  -s, --status          Print the keep status of"
                + " the backup\n"));
    }

    @Test
    void batchSizeIsClampedToOneToAThousand() {
        assertEquals(1000, CloudDeleter.batchSize(null));
        assertEquals(1, CloudDeleter.batchSize(0));
        assertEquals(1, CloudDeleter.batchSize(-5));
        assertEquals(7, CloudDeleter.batchSize(7));
        assertEquals(1000, CloudDeleter.batchSize(5000));
        List<String> keys = List.of("a", "b", "c", "d", "e");
        assertEquals(List.of(List.of("a", "b"), List.of("c", "d"), List.of("e")), CloudDeleter.batches(keys, 2));
        assertEquals(List.of(keys), CloudDeleter.batches(keys, 1000));
        assertEquals(List.of(), CloudDeleter.batches(List.of(), 1000));
    }

    @Test
    void tarsGoPgdataFirstThenTablespacesByOidEachMainThenItsPartsSorted() {
        Map<Long, CloudDownload.BackupFile> files = new LinkedHashMap<>();
        CloudDownload.BackupFile data = new CloudDownload.BackupFile(null, "p/demo/base/ID/data");
        data.main = "p/demo/base/ID/data.tar.gz";
        data.parts.add("p/demo/base/ID/data_0002.tar.gz");
        data.parts.add("p/demo/base/ID/data_0001.tar.gz");
        CloudDownload.BackupFile ts2 = new CloudDownload.BackupFile(16390L, "p/demo/base/ID/16390");
        ts2.main = "p/demo/base/ID/16390.tar.gz";
        CloudDownload.BackupFile ts1 = new CloudDownload.BackupFile(16385L, "p/demo/base/ID/16385");
        // A missing main tar (allowed for deletes) leaves only its parts.
        ts1.parts.add("p/demo/base/ID/16385_0001.tar.gz");
        files.put(null, data);
        files.put(16390L, ts2);
        files.put(16385L, ts1);
        assertEquals(List.of("p/demo/base/ID/data.tar.gz", "p/demo/base/ID/data_0001.tar.gz",
                "p/demo/base/ID/data_0002.tar.gz", "p/demo/base/ID/16385_0001.tar.gz", "p/demo/base/ID/16390.tar.gz"),
                CloudBackupDelete.backupFileKeys(files));
    }
}
