package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

class WalNamesTest {
    @Test
    void bucketLayoutAsBarman() {
        assertEquals("0000000100000002", WalNames.hashDir("/pg_wal/0000000100000002000000AB"));
        assertEquals("000000AB0000000C", WalNames.hashDir("000000ab0000000c00000001.00000028.backup"));
        assertEquals("", WalNames.hashDir("00000002.history"));
        assertEquals("p/demo/wals/0000000100000002/x", WalNames.join("p", "demo", "wals", "0000000100000002", "x"));
        assertEquals("demo/wals/00000002.history", WalNames.join("", "demo", "wals", "", "00000002.history"));
        assertTrue(WalNames.isAnyXlog("000000010000000000000001.partial"));
        assertFalse(WalNames.isAnyXlog("000000010000000000000001.gz"));
        assertEquals(2, WalNames.timeline("00000002.history"));
    }

    @Test
    void usageErrorsExitThreeAndUnknownWalNameToo() {
        assertEquals(3, CloudWalRestore.run(new String[] {"s3://b/p", "demo"}));
        assertEquals(3, CloudWalArchive.run(new String[] {"--nope", "s3://b/p", "demo", "x"}));
        assertEquals(3, CloudWalArchive.run(new String[] {"s3://b/p", "demo", "/tmp/not-a-wal"}));
        assertEquals(3, CloudWalArchive.run(new String[] {"--tags", "novalue", "s3://b/p", "demo"}));
        assertEquals(0, CloudCheckWalArchive.run(new String[] {"--help"}));
    }

    @Test
    void everyCompressionRoundTrips() throws Exception {
        byte[] data = new byte[100_000];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i % 251);
        }
        for (CloudCompression c : CloudCompression.values()) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (OutputStream out = c.compressor(buf)) {
                out.write(data);
            }
            try (InputStream in = c.decompressor(new ByteArrayInputStream(buf.toByteArray()))) {
                assertEquals(data.length, in.readAllBytes().length, c.name());
            }
            assertEquals(c, CloudCompression.bySuffix("000000010000000000000001" + c.suffix));
        }
    }
}
