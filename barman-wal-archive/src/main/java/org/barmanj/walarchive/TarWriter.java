package org.barmanj.walarchive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes the stream {@code barman put-wal} reads: a POSIX (PAX) tar of the WAL files, each preceded by a
 * PAX header carrying its sub-second mtime, then a checksum member with one {@code <hex> *<name>} line per
 * file, as Barman's barman-wal-archive writes it: {@code SHA256SUMS} (Barman 3.12+'s client) or
 * {@code MD5SUMS} (earlier clients, and {@code --md5}).
 *
 * <p>With SHA-256, each file's PAX header also carries {@value #CHECKSUM_HINT}{@code =SHA-256}: the checksum
 * member comes last, and the hint lets our put-wal compute that digest while the file streams in instead of
 * reading the file again. Tar readers ignore PAX keywords they do not know (Python's tarfile, so Barman's
 * put-wal, does).
 */
final class TarWriter {
    /** The PAX keyword naming the digest of the checksum member to come; a vendor keyword, as POSIX allows. */
    static final String CHECKSUM_HINT = "BARMANJ.checksum";
    private static final int BLOCK = 512;
    private static final int RECORD = 10240;
    private final OutputStream out;
    private final String algorithm;
    private final List<String> sums = new ArrayList<>();
    private long written;

    /** {@code algorithm}: "SHA-256" or "MD5". */
    TarWriter(OutputStream out, String algorithm) {
        this.out = out;
        this.algorithm = algorithm;
    }

    /** Adds a regular file; {@code mtimeSeconds} may have a fraction. */
    void add(String name, long size, int mode, BigDecimal mtimeSeconds, InputStream content) throws IOException {
        BigDecimal mtime = mtimeSeconds.stripTrailingZeros();
        java.io.ByteArrayOutputStream pax = new java.io.ByteArrayOutputStream();
        if (mtime.scale() > 0) {
            // The ustar header holds whole seconds; like Python's tarfile, a PAX record keeps the fraction.
            pax.write(paxRecord("mtime", mtime.toPlainString()));
        }
        if (!algorithm.equals("MD5")) {
            pax.write(paxRecord(CHECKSUM_HINT, algorithm));
        }
        if (pax.size() > 0) {
            header("././@PaxHeader", pax.size(), 0644, mtimeSeconds.longValue(), 'x');
            write(pax.toByteArray());
            pad(pax.size());
        }
        header(name, size, mode, mtimeSeconds.longValue(), '0');
        MessageDigest digest = digest(algorithm);
        byte[] buffer = new byte[1 << 20];
        long left = size;
        while (left > 0) {
            int n = content.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new java.io.EOFException(name + " is shorter than " + size + " bytes: it changed while being sent");
            }
            digest.update(buffer, 0, n);
            write(buffer, n);
            left -= n;
        }
        pad(size);
        sums.add(HexFormat.of().formatHex(digest.digest()) + " *" + name + "\n");
    }

    /** Appends the checksum member and the end-of-archive blocks, padded to a whole tar record. */
    void finish() throws IOException {
        byte[] body = String.join("", sums).getBytes(StandardCharsets.UTF_8);
        header(algorithm.equals("MD5") ? "MD5SUMS" : "SHA256SUMS", body.length, 0644, 0, '0');
        write(body);
        pad(body.length);
        write(new byte[2 * BLOCK]);
        long rest = (RECORD - written % RECORD) % RECORD;
        write(new byte[(int) rest]);
        out.flush();
    }

    private static byte[] paxRecord(String key, String value) {
        String body = " " + key + "=" + value + "\n";
        int length = body.length();
        int total = length + String.valueOf(length).length();
        if (String.valueOf(total).length() != String.valueOf(length).length()) {
            total++;
        }
        return (total + body).getBytes(StandardCharsets.UTF_8);
    }

    private void header(String name, long size, int mode, long mtime, char type) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        if (nameBytes.length > 100) {
            throw new IOException("file name too long for the tar stream: " + name);
        }
        byte[] h = new byte[BLOCK];
        System.arraycopy(nameBytes, 0, h, 0, nameBytes.length);
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtime);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        h[156] = (byte) type;
        byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, h, 257, magic.length);
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] chk = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(chk, 0, h, 148, 8);
        write(h);
    }

    private static void octal(byte[] h, int offset, int length, long value) {
        byte[] digits = String.format("%0" + (length - 1) + "o", value).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(digits, 0, h, offset, length - 1);
        h[offset + length - 1] = 0;
    }

    private void pad(long size) throws IOException {
        int rest = (int) ((BLOCK - size % BLOCK) % BLOCK);
        if (rest > 0) {
            write(new byte[rest]);
        }
    }

    private void write(byte[] b) throws IOException {
        write(b, b.length);
    }

    private void write(byte[] b, int n) throws IOException {
        out.write(b, 0, n);
        written += n;
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
