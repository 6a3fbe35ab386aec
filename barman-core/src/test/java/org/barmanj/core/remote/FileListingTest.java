package org.barmanj.core.remote;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Lines as rsync 3.2/3.5 print them with {@code --list-only -r} and {@code TZ=UTC}. */
class FileListingTest {
    @Test
    void filesAndFolders() {
        assertEquals(new FileListing("base/5/16398", false, 1073741824L, 1795573741L),
                FileListing.parse("-rw-------  1,073,741,824 2026/11/25 02:29:01 base/5/16398"));
        assertEquals(new FileListing("pg_wal", true, 4096, 1795573740L),
                FileListing.parse("drwx------          4,096 2026/11/25 02:29:00 pg_wal"));
        assertEquals(new FileListing("PG_VERSION", false, 3, 0),
                FileListing.parse("-rw-------              3 1970/01/01 00:00:00 PG_VERSION"));
    }

    @Test
    void namesWithSpacesAndEscapes() {
        assertEquals("a b/c", FileListing.parse("-rw-r--r--              1 2026/11/25 02:29:00 a b/c").path());
        assertEquals("caf\u00e9\nx", FileListing.parse("-rw-r--r--              1 2026/11/25 02:29:00 caf\\#303\\#251\\#012x").path());
    }

    @Test
    void topFolderSymlinksAndNoiseAreSkipped() {
        assertNull(FileListing.parse("drwx------          4,096 2026/11/25 02:29:00 ."));
        assertNull(FileListing.parse("lrwxrwxrwx             20 2026/11/25 02:29:00 pg_tblspc/16384 -> /srv/tbs"));
        assertNull(FileListing.parse("receiving incremental file list"));
        assertNull(FileListing.parse(""));
    }
}
