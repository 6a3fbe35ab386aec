package org.barmanj.core.wal;

import org.barmanj.core.compat.Printable;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a tar stream (ustar, PAX and GNU long names) one member at a time, as {@code barman put-wal}
 * receives it. A stream that ends early is an error: the sender was cut off. Every header field is checked
 * before it is used: anything malformed (a size or time that is not a number or out of range, a short PAX record,
 * an extended header larger than {@link #MAX_EXTENDED_HEADER}) is an {@link IOException} saying what is wrong and
 * at which byte of the stream, never another exception.
 */
public final class TarReader {
    private static final int BLOCK = 512;
    /** PAX and GNU long-name headers hold a few names and numbers; a larger one is not a WAL sender's. */
    private static final int MAX_EXTENDED_HEADER = 1 << 20;
    /** Whole seconds up to the end of year 9999, the range of Python's datetime (Barman's clients). */
    private static final long MAX_MTIME = 253402300799L;
    private static final Pattern PAX_SIZE = Pattern.compile("\\d{1,18}");
    private static final Pattern PAX_TIME = Pattern.compile("\\d{1,12}(\\.\\d+)?");

    /**
     * One member: its name, type flag, size, mtime (with the PAX fraction when present) and the PAX records that
     * preceded it.
     */
    public record Entry(String name, char type, long size, Instant mtime, Map<String, String> pax) {
        public boolean regularFile() {
            return type == '0' || type == '\0';
        }
    }

    private final InputStream in;
    private long remaining;
    private long padding;
    /** Bytes of the stream consumed so far, for messages. */
    private long position;

    public TarReader(InputStream in) {
        this.in = in;
    }

    /** The next member, or null at the end of the archive. Unread content of the previous one is skipped. */
    public Entry next() throws IOException {
        skipRest();
        Map<String, String> pax = new HashMap<>();
        String longName = null;
        while (true) {
            long at = position;
            byte[] h = new byte[BLOCK];
            if (!readBlock(h, true)) {
                throw new EOFException("the tar stream ended before its end-of-archive blocks");
            }
            if (isZero(h)) {
                return null;
            }
            if (!checksumOk(h)) {
                throw corrupt(at, "bad checksum");
            }
            char type = (char) (h[156] & 0xff);
            long size = octal(h, 124, 12, "size", at);
            String name = text(h, 0, 100);
            String prefix = text(h, 345, 155);
            if (!prefix.isEmpty() && new String(h, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
                name = prefix + "/" + name;
            }
            if (type == 'x' || type == 'g' || type == 'L') {
                if (size > MAX_EXTENDED_HEADER) {
                    throw corrupt(at, "an extended header of " + size + " bytes (at most " + MAX_EXTENDED_HEADER
                            + " allowed)");
                }
                byte[] data = readFully((int) size);
                if (type == 'x') {
                    pax.putAll(parsePax(data, at + BLOCK));
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
                String text = pax.get("size");
                if (!PAX_SIZE.matcher(text).matches()) {
                    throw corrupt(at, "PAX size '" + text + "' is not a number of bytes");
                }
                size = Long.parseLong(text);
            }
            Instant mtime = pax.containsKey("mtime") ? paxTime(pax.get("mtime"), at)
                    : seconds(octal(h, 136, 12, "mtime", at), at);
            remaining = size;
            padding = (BLOCK - size % BLOCK) % BLOCK;
            return new Entry(name, type, size, mtime, pax);
        }
    }

    private static Instant paxTime(String text, long at) throws IOException {
        if (!PAX_TIME.matcher(text).matches()) {
            throw corrupt(at, "PAX mtime '" + text + "' is not a time (seconds since 1970)");
        }
        BigDecimal seconds = new BigDecimal(text);
        long whole = seconds.longValue();
        Instant wholeSeconds = seconds(whole, at);
        return wholeSeconds.plusNanos(seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue());
    }

    private static Instant seconds(long seconds, long at) throws IOException {
        if (seconds > MAX_MTIME) {
            throw corrupt(at, "mtime " + seconds + " is after the year 9999");
        }
        return Instant.ofEpochSecond(seconds);
    }

    private static IOException corrupt(long at, String what) {
        return new IOException("corrupt tar header at byte " + at + ": " + what);
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
                position += n;
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
            position += n;
        }
        remaining = 0;
        padding = 0;
    }

    private byte[] readFully(int size) throws IOException {
        byte[] data = in.readNBytes(size);
        if (data.length < size) {
            throw new EOFException("the tar stream ended inside a header");
        }
        int pad = (BLOCK - size % BLOCK) % BLOCK;
        if (in.readNBytes(pad).length < pad) {
            throw new EOFException("the tar stream ended inside a header");
        }
        position += size + pad;
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
        position += BLOCK;
        return true;
    }

    /** PAX records, {@code "<length> <keyword>=<value>\n"} each; {@code at}: where the data starts, for messages. */
    private static Map<String, String> parsePax(byte[] data, long at) throws IOException {
        Map<String, String> records = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int space = pos;
            while (space < data.length && space - pos < 8 && data[space] >= '0' && data[space] <= '9') {
                space++;
            }
            if (space == pos || space == data.length || data[space] != ' ') {
                throw corrupt(at + pos, "a PAX record that does not start with its length");
            }
            int length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            int end = pos + length;
            if (end > data.length || end - 1 <= space || data[end - 1] != '\n') {
                throw corrupt(at + pos, "a PAX record of length " + length + " that does not fit its data");
            }
            String record = new String(data, space + 1, end - 1 - (space + 1), StandardCharsets.UTF_8);
            int eq = record.indexOf('=');
            if (eq <= 0) {
                throw corrupt(at + pos, "a PAX record without 'keyword=value'");
            }
            records.put(record.substring(0, eq), record.substring(eq + 1));
            pos = end;
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
        long expected;
        try {
            expected = octal(h, 148, 8, "checksum", 0);
        } catch (IOException e) {
            return false;
        }
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        }
        return sum == expected;
    }

    /**
     * A numeric field: octal digits, optionally surrounded by spaces and NULs (what tar writers put there). GNU's
     * base-256 form (the high bit set) is for sizes and times no WAL sender writes.
     */
    private static long octal(byte[] h, int offset, int length, String field, long at) throws IOException {
        int i = offset;
        int end = offset + length;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        long v = 0;
        for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
            v = v * 8 + (h[i] - '0');
        }
        for (; i < end; i++) {
            if (h[i] != ' ' && h[i] != 0) {
                throw corrupt(at, "the " + field + " field '" + printable(h, offset, length)
                        + "' is not an octal number");
            }
        }
        return v;
    }

    /** A header field for a message, without its trailing NULs. */
    private static String printable(byte[] h, int offset, int length) {
        int end = offset + length;
        while (end > offset && h[end - 1] == 0) {
            end--;
        }
        return Printable.of(new String(h, offset, end - offset, StandardCharsets.ISO_8859_1));
    }

    private static String text(byte[] h, int offset, int length) {
        int end = offset;
        while (end < offset + length && h[end] != 0) {
            end++;
        }
        return new String(h, offset, end - offset, StandardCharsets.UTF_8);
    }
}
