package org.barmanj.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.barmanj.walarchive.Spool;

/**
 * The prefetch of barman-cloud-wal-restore's {@code --parallel N} (a barmanj extension): the N plain segments
 * that follow the requested one on its timeline, downloaded by N threads into the {@link WalSpool} while the
 * requested one downloads, so that PostgreSQL's next calls are served from the spool without a network call.
 *
 * <p>The segment size is not on the command line (restore_command has %f and %p only): it is read from the long
 * page header at the start of the requested segment, which also gives the system identifier. Each prefetched
 * file is kept only if it is exactly one segment long and its own header names the cluster and the position its
 * file name says; anything else is discarded, so the spool never serves a file under a wrong name.
 */
final class WalPrefetch {
    /** The bytes of XLogLongPageHeaderData read (std header, xlp_sysid, xlp_seg_size, xlp_xlog_blcksz). */
    static final int HEADER_BYTES = 40;
    private static final int XLP_LONG_HEADER = 0x0002;

    /** What the first page of a segment says: its position, the segment size, the cluster. */
    record Header(long pageAddress, long systemId, long segmentSize, long blockSize) {}

    /** One segment to prefetch: its name and the bucket key holding it. */
    record Item(String name, String key, CloudCompression compression) {}

    private WalPrefetch() {}

    /**
     * The long page header of a segment's first page (PostgreSQL's XLogLongPageHeaderData on a 64-bit host, in
     * either byte order), or null when {@code first} does not start with one.
     */
    static Header parse(byte[] first) {
        if (first.length < HEADER_BYTES) {
            return null;
        }
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            ByteBuffer b = ByteBuffer.wrap(first).order(order);
            int info = Short.toUnsignedInt(b.getShort(2));
            long pageAddress = b.getLong(8);
            long systemId = b.getLong(24);
            long segmentSize = Integer.toUnsignedLong(b.getInt(32));
            long blockSize = Integer.toUnsignedLong(b.getInt(36));
            if ((info & XLP_LONG_HEADER) != 0 && WalNames.validSegmentSize(segmentSize)
                    && blockSize >= 1024 && blockSize <= 65536 && Long.bitCount(blockSize) == 1
                    && pageAddress % segmentSize == 0) {
                return new Header(pageAddress, systemId, segmentSize, blockSize);
            }
        }
        return null;
    }

    /** True when {@code header} is the first page of the segment called {@code name}. */
    static boolean matches(Header header, String name) {
        try {
            return header != null && WalNames.isSegment(name)
                    && header.pageAddress() / header.segmentSize() == WalNames.segmentNumber(name, header.segmentSize());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The {@code count} segments after {@code name} on its timeline (fewer at the timeline's very end). */
    static List<String> following(String name, long segmentSize, int count) {
        List<String> names = new ArrayList<>();
        String n = name;
        try {
            for (int i = 0; i < count; i++) {
                n = WalNames.next(n, segmentSize);
                names.add(n);
            }
        } catch (IllegalArgumentException e) {
            return names;
        }
        return names;
    }

    /**
     * The key of the plain segment {@code name} in a listing of its folder: the name itself or the name with a
     * compression suffix; never a .partial or a .backup label, which are not what PostgreSQL will ask for next.
     */
    static Item find(List<String> listing, String folder, String name) {
        // As for the requested segment (Barman's rule), a compressed copy wins over a plain one.
        String plain = folder + name;
        Item found = null;
        for (String key : listing) {
            if (key.equals(plain)) {
                found = new Item(name, key, null);
                continue;
            }
            CloudCompression c = CloudCompression.bySuffix(key);
            if (c != null && key.equals(plain + c.suffix)) {
                return new Item(name, key, c);
            }
        }
        return found;
    }

    /**
     * What to prefetch: the segments of {@code following} as long as each is in the bucket (the first missing
     * one ends the list), those already in the spool left out. {@code listing} gives the keys of a folder.
     */
    static List<Item> plan(List<String> following, Function<String, String> folderOf,
            Function<String, List<String>> listing, java.util.function.Predicate<String> spooled) {
        List<Item> items = new ArrayList<>();
        Map<String, List<String>> listed = new HashMap<>();
        for (String name : following) {
            String folder = folderOf.apply(name);
            Item item = find(listed.computeIfAbsent(folder, listing), folder, name);
            if (item == null) {
                break;
            }
            if (!spooled.test(name)) {
                items.add(item);
            }
        }
        return items;
    }

    /** The downloads of a plan, running; {@link #finish()} waits for them and keeps the good ones. */
    static final class Running {
        private final ExecutorService pool;
        private final List<Future<Boolean>> futures = new ArrayList<>();
        private final List<Item> items;

        Running(S3Cloud cloud, Spool spool, List<Item> items, Header expected, int threads) {
            this.items = items;
            this.pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, items.size())), r -> {
                Thread t = new Thread(r, "wal-prefetch");
                t.setDaemon(true);
                return t;
            });
            for (Item item : items) {
                futures.add(pool.submit(() -> fetch(cloud, spool, item, expected)));
            }
            pool.shutdown();
        }

        /** Waits for every download; returns how many segments are now in the spool. */
        int finish() {
            int good = 0;
            for (int i = 0; i < futures.size(); i++) {
                try {
                    if (futures.get(i).get()) {
                        good++;
                    }
                } catch (Exception e) {
                    CloudLog.debug("Prefetch of " + items.get(i).name() + " failed: " + S3Cloud.describe(e));
                }
            }
            return good;
        }

        /** Stops the downloads (the requested segment failed): the temporaries go with the next clean. */
        void abort() {
            pool.shutdownNow();
        }
    }

    /** Downloads one segment into the spool; true if it was complete and checked, then renamed to its name. */
    static boolean fetch(S3Cloud cloud, Spool spool, Item item, Header expected) throws IOException {
        Path tmp = spool.temporary(item.name());
        try {
            try (InputStream raw = cloud.get(item.key());
                    InputStream in = item.compression() == null ? raw : item.compression().decompressor(raw)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            if (!verify(tmp, item.name(), expected)) {
                CloudLog.warning("Prefetched WAL " + item.name() + " (" + item.key() + ") is not the segment its"
                        + " name says (size, position or system identifier): discarded");
                return false;
            }
            spool.complete(item.name());
            CloudLog.debug("Prefetched WAL " + item.name() + " from " + item.key());
            return true;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** One whole segment of the expected cluster and size, whose first page is at the position of its name. */
    static boolean verify(Path file, String name, Header expected) throws IOException {
        if (Files.size(file) != expected.segmentSize()) {
            return false;
        }
        byte[] first = new byte[HEADER_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(first, 0, HEADER_BYTES) != HEADER_BYTES) {
                return false;
            }
        }
        Header h = parse(first);
        return h != null && h.segmentSize() == expected.segmentSize() && h.systemId() == expected.systemId()
                && matches(h, name);
    }
}
