package org.barmanj.core.compression;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The tar commands Barman 3.4 runs on pg_basebackup's tarballs (as its debug log shows them). */
class TarballCompressionTest {
    @Test
    void namesAreBarmans() {
        assertEquals("base.tar.gz", TarballCompression.of("gzip").fileName("base"));
        assertEquals("16386.tar.lz4", TarballCompression.of("lz4").fileName("16386"));
        assertEquals("base.tar.zst", TarballCompression.of("zstd").fileName("base"));
        assertNull(TarballCompression.of("None"));
        assertNull(TarballCompression.of("snappy"));
    }

    @Test
    void commandsAreBarmans() {
        // Recorded from Barman 3.4's log: the backup_label read at the end of a backup, the extractions of recover.
        assertEquals(List.of("tar", "-xzf", "/b/data/base.tar.gz", "-O", "backup_label", "--occurrence"),
                TarballCompression.GZIP.readMemberCommand("/b/data/base.tar.gz", "backup_label"));
        assertEquals(List.of("tar", "-xzf", "/s/base.tar.gz", "--directory", "/r1", "--exclude", "recovery.conf",
                "--exclude", "tablespace_map"), TarballCompression.GZIP.extractCommand("/s/base.tar.gz", "/r1",
                List.of("recovery.conf", "tablespace_map")));
        assertEquals(List.of("tar", "--use-compress-program", "zstd", "-xf", "/s/16386.tar.zst", "--directory",
                "/t"), TarballCompression.ZSTD.extractCommand("/s/16386.tar.zst", "/t", List.of()));
        assertEquals(List.of("tar", "--use-compress-program", "lz4", "-xf", "/b/base.tar.lz4", "-O", "backup_label",
                "--occurrence"), TarballCompression.LZ4.readMemberCommand("/b/base.tar.lz4", "backup_label"));
    }
}
