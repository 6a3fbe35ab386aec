package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.barmanj.walarchive.Spool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure parts of --parallel: the next segment names, the first page's header, what is planned and kept. */
class WalPrefetchTest {
    static final long MB16 = 16L << 20;

    /** The first 40 bytes of a segment as PostgreSQL 15 writes them (XLogLongPageHeaderData). */
    static byte[] header(ByteOrder order, long pageAddress, long sysid, long segSize) {
        ByteBuffer b = ByteBuffer.allocate(WalPrefetch.HEADER_BYTES).order(order);
        b.putShort(0, (short) 0xD110); // xlp_magic of PostgreSQL 15
        b.putShort(2, (short) 0x0006); // XLP_LONG_HEADER | XLP_BKP_REMOVABLE
        b.putInt(4, 1);                // xlp_tli
        b.putLong(8, pageAddress);
        b.putInt(16, 0);               // xlp_rem_len
        b.putLong(24, sysid);
        b.putInt(32, (int) segSize);
        b.putInt(36, 8192);
        return b.array();
    }

    @Test
    void nextSegmentCountsToTheSegmentSizeThenTheLog() {
        assertEquals("000000010000000000000002", WalNames.next("000000010000000000000001", MB16));
        assertEquals("0000000100000000000000FF", WalNames.next("0000000100000000000000FE", MB16));
        assertEquals("000000010000000100000000", WalNames.next("0000000100000000000000FF", MB16));
        assertEquals("0000000300000007000000A0", WalNames.next("00000003000000070000009F", MB16));
        // 1 MiB segments: 4096 per log; 1 GiB: 4; 64 MiB: 64.
        assertEquals("000000010000000000000100", WalNames.next("0000000100000000000000FF", 1L << 20));
        assertEquals("000000010000000100000000", WalNames.next("000000010000000000000FFF", 1L << 20));
        assertEquals("000000010000000500000000", WalNames.next("000000010000000400000003", 1L << 30));
        assertEquals("000000010000000100000000", WalNames.next("00000001000000000000003F", 64L << 20));
        // A name that cannot be a segment of that size, a size PostgreSQL cannot have, the timeline's last one.
        assertThrows(IllegalArgumentException.class, () -> WalNames.next("000000010000000000000004", 1L << 30));
        assertThrows(IllegalArgumentException.class, () -> WalNames.next("000000010000000000000001", 3L << 20));
        assertThrows(IllegalArgumentException.class, () -> WalNames.next("00000001FFFFFFFF000000FF", MB16));
        assertEquals(List.of("00000001FFFFFFFF000000FE", "00000001FFFFFFFF000000FF"),
                WalPrefetch.following("00000001FFFFFFFF000000FD", MB16, 5));
        assertEquals(List.of("0000000100000000000000FF", "000000010000000100000000", "000000010000000100000001"),
                WalPrefetch.following("0000000100000000000000FE", MB16, 3));
        assertEquals(0x1FF, WalNames.segmentNumber("0000000100000001000000FF", MB16));
    }

    @Test
    void onlyPlainUpperCaseSegmentsArePrefetchable() {
        assertTrue(WalNames.isSegment("0000000100000000000000AB"));
        assertFalse(WalNames.isSegment("0000000100000000000000ab"));
        assertFalse(WalNames.isSegment("00000002.history"));
        assertFalse(WalNames.isSegment("000000010000000000000001.partial"));
        assertFalse(WalNames.isSegment("000000010000000000000001.00000028.backup"));
        assertFalse(WalNames.isSegment("../000000010000000000000001"));
    }

    @Test
    void theFirstPageGivesSegmentSizePositionAndCluster() {
        long address = 0x1FFL * MB16; // segment 0000000100000001000000FF
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            WalPrefetch.Header h = WalPrefetch.parse(header(order, address, 7160000000000000001L, MB16));
            assertNotNull(h, order.toString());
            assertEquals(MB16, h.segmentSize());
            assertEquals(7160000000000000001L, h.systemId());
            assertEquals(8192, h.blockSize());
            assertTrue(WalPrefetch.matches(h, "0000000100000001000000FF"));
            assertTrue(WalPrefetch.matches(h, "0000000200000001000000FF"), "any timeline: the position is the same");
            assertFalse(WalPrefetch.matches(h, "000000010000000100000000"));
            assertFalse(WalPrefetch.matches(h, "0000000100000001000000FF.partial"));
        }
        byte[] shortPage = header(ByteOrder.LITTLE_ENDIAN, 0, 1, MB16);
        shortPage[2] = 0; // not a long header: not the first page of a segment
        assertNull(WalPrefetch.parse(shortPage));
        assertNull(WalPrefetch.parse(header(ByteOrder.LITTLE_ENDIAN, 0, 1, 3L << 20)), "not a power of two");
        assertNull(WalPrefetch.parse(header(ByteOrder.LITTLE_ENDIAN, 4096, 1, MB16)), "not at a segment start");
        assertNull(WalPrefetch.parse(new byte[12]));
        assertNull(WalPrefetch.parse(new byte[WalPrefetch.HEADER_BYTES]), "zeros");
    }

    @Test
    void findTakesThePlainSegmentOrItsCompressedCopyNeverPartialOrBackup() {
        String dir = "p/demo/wals/0000000100000000/";
        List<String> listing = List.of(dir + "000000010000000000000003.00000028.backup",
                dir + "000000010000000000000003.partial", dir + "000000010000000000000004",
                dir + "000000010000000000000004.gz", dir + "000000010000000000000005.bz2",
                dir + "0000000100000000000000066");
        assertNull(WalPrefetch.find(listing, dir, "000000010000000000000003"));
        assertEquals(new WalPrefetch.Item("000000010000000000000004", dir + "000000010000000000000004.gz",
                CloudCompression.GZIP), WalPrefetch.find(listing, dir, "000000010000000000000004"));
        assertEquals(CloudCompression.BZIP2, WalPrefetch.find(listing, dir, "000000010000000000000005").compression());
        assertNull(WalPrefetch.find(listing, dir, "000000010000000000000006"));
        assertEquals(new WalPrefetch.Item("000000010000000000000004", dir + "000000010000000000000004", null),
                WalPrefetch.find(List.of(dir + "000000010000000000000004"), dir, "000000010000000000000004"));
    }

    @Test
    void planStopsAtTheFirstMissingSegmentListsANewFolderOnceAndSkipsWhatIsSpooled() {
        List<String> following = WalPrefetch.following("0000000100000000000000FC", MB16, 6);
        String a = "w/0000000100000000/";
        String b = "w/0000000100000001/";
        List<String> listed = new ArrayList<>();
        List<WalPrefetch.Item> items = WalPrefetch.plan(following, n -> "w/" + WalNames.hashDir(n) + "/", f -> {
            listed.add(f);
            if (f.equals(a)) {
                return List.of(a + "0000000100000000000000FD", a + "0000000100000000000000FE.gz",
                        a + "0000000100000000000000FF");
            }
            return List.of(b + "000000010000000100000000", b + "000000010000000100000002"); // 01 missing
        }, "0000000100000000000000FE"::equals);
        assertEquals(List.of("0000000100000000000000FD", "0000000100000000000000FF", "000000010000000100000000"),
                items.stream().map(WalPrefetch.Item::name).toList());
        assertEquals(List.of(a, b), listed);
    }

    @Test
    void aDownloadIsKeptOnlyIfItIsTheWholeSegmentItsNameSays(@TempDir Path dir) throws Exception {
        long size = 1L << 20;
        String name = "000000010000000000000123";
        WalPrefetch.Header expected = new WalPrefetch.Header(0x123L * size, 42, size, 8192);
        Path file = dir.resolve("f");
        byte[] seg = new byte[(int) size];
        System.arraycopy(header(ByteOrder.LITTLE_ENDIAN, 0x123L * size, 42, size), 0, seg, 0, WalPrefetch.HEADER_BYTES);
        Files.write(file, seg);
        assertTrue(WalPrefetch.verify(file, name, expected));
        assertFalse(WalPrefetch.verify(file, "000000010000000000000124", expected), "another position");
        assertFalse(WalPrefetch.verify(file, name, new WalPrefetch.Header(0, 43, size, 8192)), "another cluster");
        Files.write(file, java.util.Arrays.copyOf(seg, seg.length - 1));
        assertFalse(WalPrefetch.verify(file, name, expected), "short");
    }

    @Test
    void aSegmentInNeitherSpoolNorBucketKeepsOnlyOlderTimelines(@TempDir Path dir) throws Exception {
        Spool spool = WalSpool.open(dir.resolve("spool"), "s3://b/p", "demo");
        for (String n : List.of("000000010000000000000031", "000000010000000000000032", "000000020000000000000031")) {
            Files.writeString(spool.temporary(n), n);
            spool.complete(n);
        }
        // PostgreSQL 13 asks for timeline 3 first: the timeline 1 and 2 prefetches stay for what it asks next.
        assertEquals(Set.of("000000010000000000000031", "000000010000000000000032", "000000020000000000000031"),
                CloudWalRestore.olderTimelines(spool, "000000030000000000000031"));
        // The end of the archive on timeline 2: only timeline 1's would stay.
        assertEquals(Set.of("000000010000000000000031", "000000010000000000000032"),
                CloudWalRestore.olderTimelines(spool, "000000020000000000000033"));
    }

    @Test
    void spoolIsPrivateServesOnlyOwnRegularFilesAndCleansWhatIsBehind(@TempDir Path dir) throws Exception {
        Path spoolDir = dir.resolve("spool");
        Spool spool = WalSpool.open(spoolDir, "s3://b/p", "demo");
        assertEquals(spoolDir.resolve(WalSpool.sourceKey("s3://b/p", "demo")), spool.folder);
        assertEquals("rwx------", perms(spoolDir));
        assertEquals("rwx------", perms(spool.folder));
        assertFalse(WalSpool.sourceKey("s3://b/p", "demo").equals(WalSpool.sourceKey("s3://b/p", "other")));
        assertFalse(WalSpool.sourceKey("s3://b/p", "demo").equals(WalSpool.sourceKey("s3://b/q", "demo")));

        // A complete prefetch is served once, by a rename; a temporary one, a link or a folder never.
        String name = "000000010000000000000007";
        Files.writeString(spool.temporary(name), "segment 7");
        Path dest = dir.resolve("RECOVERYXLOG");
        assertFalse(spool.take(name, dest), "not complete yet");
        spool.complete(name);
        assertTrue(spool.holds(name));
        assertTrue(spool.take(name, dest));
        assertEquals("segment 7", Files.readString(dest));
        assertFalse(spool.take(name, dest), "served once");
        Files.writeString(dir.resolve("elsewhere"), "not a prefetch");
        Files.createSymbolicLink(spool.folder.resolve("000000010000000000000008"), dir.resolve("elsewhere"));
        Files.createDirectory(spool.folder.resolve("000000010000000000000009"));
        assertFalse(spool.take("000000010000000000000008", dest));
        assertFalse(spool.take("000000010000000000000009", dest));
        assertEquals("segment 7", Files.readString(dest));

        // Clean: all but the complete segments to keep; the link goes (not what it points to), folders stay.
        for (String n : List.of("00000001000000000000000A", "00000001000000000000000B", "00000001000000000000000C")) {
            Files.writeString(spool.temporary(n), n);
            spool.complete(n);
        }
        Files.writeString(spool.temporary("00000001000000000000000D"), "interrupted");
        List<String> removed = spool.clean(Set.of("00000001000000000000000B", "00000001000000000000000C",
                "00000001000000000000000D"));
        assertEquals(Set.of("00000001000000000000000A", "000000010000000000000008",
                spool.temporary("00000001000000000000000D").getFileName().toString()), Set.copyOf(removed));
        assertTrue(spool.temporary("X").getFileName().toString().contains("." + ProcessHandle.current().pid() + "."));
        assertTrue(spool.holds("00000001000000000000000B") && spool.holds("00000001000000000000000C"));
        assertTrue(Files.exists(dir.resolve("elsewhere")));
        assertTrue(Files.isDirectory(spool.folder.resolve("000000010000000000000009")));
    }

    @Test
    void aSpoolThatIsNotPrivateIsRefused(@TempDir Path dir) throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        assertTrue(assertThrows(Spool.RefusedException.class, () -> WalSpool.open(open, "s3://b/p", "demo"))
                .getMessage().contains("is not private (owner " + System.getProperty("user.name") + ", mode 0777)"));
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real);
        assertTrue(assertThrows(Spool.RefusedException.class, () -> WalSpool.open(link, "s3://b/p", "demo"))
                .getMessage().contains("a symbolic link"));
        Files.writeString(dir.resolve("file"), "x");
        assertTrue(assertThrows(Spool.RefusedException.class,
                () -> WalSpool.open(dir.resolve("file"), "s3://b/p", "demo")).getMessage().contains("not a directory"));
        // Readable by others but ours and writable by nobody else: made private, then used.
        Path readable = Files.createDirectory(dir.resolve("readable"));
        Files.setPosixFilePermissions(readable, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        WalSpool.open(readable, "s3://b/p", "demo");
        assertEquals("rwx------", perms(readable));
        // The source's own folder is checked too: a link planted there is refused.
        Path planted = Files.createDirectory(dir.resolve("planted"));
        Files.createSymbolicLink(planted.resolve(WalSpool.sourceKey("s3://b/p", "demo")), real);
        assertThrows(Spool.RefusedException.class, () -> WalSpool.open(planted, "s3://b/p", "demo"));
    }

    @Test
    void aSpooledSegmentIsServedWithoutAnyNetworkCall(@TempDir Path dir) throws Exception {
        // No S3 server on that port: only the spool can answer (credentials given, so that a call would get as
        // far as the network and exit 2).
        System.setProperty("aws.accessKeyId", "k");
        System.setProperty("aws.secretAccessKey", "s");
        String[] common = {"--endpoint-url", "http://127.0.0.1:9", "--parallel", "4", "--spool-dir",
            dir.resolve("spool").toString(), "s3://b/p", "demo"};
        Spool spool = WalSpool.open(dir.resolve("spool"), "s3://b/p", "demo");
        Files.writeString(spool.temporary("000000010000000000000031"), "from the spool");
        spool.complete("000000010000000000000031");
        Path dest = dir.resolve("RECOVERYXLOG");
        assertEquals(0, CloudWalRestore.run(concat(common, "000000010000000000000031", dest.toString())));
        assertEquals("from the spool", Files.readString(dest));
        assertEquals(2, CloudWalRestore.run(concat(common, "000000010000000000000031", dest.toString())),
                "served once: the second call goes to the (unreachable) bucket");
        // Another source's spool is not served; neither is a .history name, nor anything without --parallel.
        Spool other = WalSpool.open(dir.resolve("spool"), "s3://b/p", "other");
        Files.writeString(other.temporary("000000010000000000000032"), "other server");
        other.complete("000000010000000000000032");
        assertEquals(2, CloudWalRestore.run(concat(common, "000000010000000000000032", dest.toString())));
        Files.writeString(spool.temporary("000000010000000000000033"), "x");
        spool.complete("000000010000000000000033");
        assertEquals(2, CloudWalRestore.run(new String[] {"--endpoint-url", "http://127.0.0.1:9", "--spool-dir",
            dir.resolve("spool").toString(), "s3://b/p", "demo", "000000010000000000000033", dest.toString()}));
        assertEquals(3, CloudWalRestore.run(new String[] {"--parallel", "-1", "s3://b/p", "demo",
            "000000010000000000000033", dest.toString()}));
        assertEquals(3, CloudWalRestore.run(new String[] {"--parallel", "65", "s3://b/p", "demo",
            "000000010000000000000033", dest.toString()}));
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static String perms(Path p) throws Exception {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
