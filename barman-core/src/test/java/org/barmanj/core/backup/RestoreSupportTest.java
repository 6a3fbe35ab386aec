package org.barmanj.core.backup;

import org.barmanj.core.catalog.BackupInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The one rule {@code recover} and {@code check-backup} share: which backup.info values of a newer Barman (or of
 * Barman's postgres method) mean a backup that is not a plain copy of the files.
 */
class RestoreSupportTest {
    private static final String BASE = "backup_label=None\nbegin_wal=000000010000000000000002\n"
            + "end_time=2020-01-01 00:00:01.000000+00:00\nend_wal=000000010000000000000002\nstatus=DONE\ntimeline=1\n";

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', quoteCharacter = '"', value = {
            "compression=None\\nencryption=None\\nparent_backup_id=None\\nsnapshots_info=None; ",
            "encryption=none; ",
            "parent_backup_id=20291231T000000; parent_backup_id = 20291231T000000 (an incremental backup) is not "
                    + "supported by this version: supported: full backups, plain or compressed with gzip, lz4 or zstd, "
                    + "without encryption or snapshots",
            "compression=zstd; ",
            "compression=gzip; ",
            "compression=lz4; ",
            "compression=snappy; compression = snappy (a compressed backup) is not supported by this version: "
                    + "supported: full backups, plain or compressed with gzip, lz4 or zstd, without encryption or "
                    + "snapshots",
            "encryption=gpg; encryption = gpg (an encrypted backup) is not supported by this version: supported: "
                    + "full backups, plain or compressed with gzip, lz4 or zstd, without encryption or snapshots",
            "snapshots_info={'provider': 'gcp'}; snapshots_info set (a snapshot backup) is not supported by this "
                    + "version: supported: full backups, plain or compressed with gzip, lz4 or zstd, without "
                    + "encryption or snapshots"})
    void refusal(String lines, String expected) {
        BackupInfo info = BackupInfo.parse("20300101T000000", "demo", BASE + lines.replace("\\n", "\n") + "\n",
                "backup.info");
        assertEquals(expected, RestoreSupport.refusal(info));
    }
}
