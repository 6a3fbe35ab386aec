package org.barmanj.core.wal;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a tar stream (ustar, PAX and GNU long names) one member at a time, as {@code barman put-wal}
 * receives it. A stream that ends early is an error: the sender was cut off.
 */
public final class TarReader {
    private static final int BLOCK = 512;

    /**
     * One member: its name, type flag, size, mtime (seconds, with the PAX fraction when present) and the PAX
     * records that preceded it.
     */
    public record Entry(String name, char type, long size, String mtime, Map<String, String> pax) {
        public boolean regularFile() {
            return type == '0' || type == '\0';
        }
    }

    private final InputStream in;
    private long remaining;
    private long padding;

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** The next member, or null at the end of the archive. Unread content of the previous one is skipped. */
    public Entry next() throws IOException {
        skipRest();
        Map<String, String> pax = new HashMap<>();
        String longName = null;
        while (true) {
            byte[] h = new byte[BLOCK];
            if (!readBlock(h, true)) {
                throw new EOFException("the tar stream ended before its end-of-archive blocks");
            }
            if (isZero(h)) {
                return null;
            }
            if (!checksumOk(h)) {
                throw new IOException("corrupt tar header (bad checksum)");
            }
            char type = (char) h[156];
            long size = octal(h, 124, 12);
            String name = text(h, 0, 100);
            String prefix = text(h, 345, 155);
            if (!prefix.isEmpty() && new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
                name = prefix + "/" + name;
            }
            if (type == 'x' || type == 'g' || type == 'L') {
                byte[] data = readFully(size);
                if (type == 'x') {
                    pax.putAll(parsePax(data));
                } else if (type == 'L') {
                    longName = new String(data, StandardCharsets.UTF_8).replace("\0", "");
                }
                continue;
            }
            if (pax.containsKey("path")) {
                name = pax.get("path");
            } else if (longName != null) {
                name = longName;
            }
            if (pax.containsKey("size")) {
                size = Long.parseLong(pax.get("size"));
            }
            String mtime = pax.getOrDefault("mtime", String.valueOf(octal(h, 136, 12)));
            remaining = size;
            padding = (BLOCK - size % BLOCK) % BLOCK;
            return new Entry(name, type, size, mtime, pax);
        }
    }

    /** The content of the current member. */
    public InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("the tar stream ended inside a file");
                }
                remaining -= n;
                return n;
            }
        };
    }

    private void skipRest() throws IOException {
        long skip = remaining + padding;
        while (skip > 0) {
            long n = in.skip(skip);
            if (n <= 0) {
                if (in.read() < 0) {
                    throw new EOFException("the tar stream ended inside a file");
                }
                n = 1;
            }
            skip -= n;
        }
        remaining = 0;
        padding = 0;
    }

    private byte[] readFully(long size) throws IOException {
        byte[] data = in.readNBytes((int) size);
        if (data.length < size) {
            throw new EOFException("the tar stream ended inside a header");
        }
        long pad = (BLOCK - size % BLOCK) % BLOCK;
        if (in.readNBytes((int) pad).length < pad) {
            throw new EOFException("the tar stream ended inside a header");
        }
        return data;
    }

    private boolean readBlock(byte[] b, boolean eofAllowedAtStart) throws IOException {
        int n = in.readNBytes(b, 0, BLOCK);
        if (n == 0 && eofAllowedAtStart) {
            return false;
        }
        if (n < BLOCK) {
            throw new EOFException("the tar stream ended inside a header");
        }
        return true;
    }

    private static Map<String, String> parsePax(byte[] data) throws IOException {
        Map<String, String> records = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int space = pos;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            int length;
            try {
                length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("corrupt PAX header");
            }
            if (length <= 0 || pos + length > data.length) {
                throw new IOException("corrupt PAX header");
            }
            String record = new String(data, space + 1, pos + length - space - 2, StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq > 0) {
                records.put(record.substring(0, eq), record.substring(eq + 1));
            }
            pos += length;
        }
        return records;
    }

    private static boolean isZero(byte[] h) {
        for (byte b : h) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean checksumOk(byte[] h) {
        long expected = octal(h, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        return sum == expected;
    }

    private static long octal(byte[] h, int offset, int length) {
        long v = 0;
        for (int i = offset; i < offset + length; i++) {
            byte c = h[i];
            if (c == 0 || c == ' ') {
                if (v > 0) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                break;
            }
            v = v * 8 + (c - '0');
        }
        return v;
    }

    private static String text(byte[] h, int offset, int length) {
        int end = offset;
        while (end < offset + length && h[end] != 0) {
            end++;
        }
        return new String(h, offset, end - offset, StandardCharsets.UTF_8);
    }
}
