package org.barmanj.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import org.barmanj.core.compat.PyLiteral;

/**
 * A tar stream as Python 3's {@code tarfile} writes it in PAX format, the way Barman 3.4's cloud backup adds
 * members: ustar headers (magic {@code ustar\0}, version {@code 00}, no prefix field), each preceded by a pax
 * extended header ({@code ././@PaxHeader}) when a field does not fit or, as for every member taken from the file
 * system, the modification time has a fraction (Python keeps {@code st_mtime} as a float). Files that shrink while
 * read are padded with zeros to the size recorded in the header, as Barman's {@code TarFileIgnoringTruncate}.
 * The end: two zero blocks, then zeros to a multiple of 10240 bytes.
 */
final class PyTarWriter {
    private static final int BLOCK = 512;
    private static final int RECORD = 20 * BLOCK;
    private final OutputStream out;
    private long offset;
    private final byte[] copyBuffer = new byte[1 << 16];

    PyTarWriter(OutputStream out) {
        this.out = out;
    }

    /** The bytes written so far (uncompressed). */
    long offset() {
        return offset;
    }

    /**
     * Adds the file, directory or symbolic link at path (not followed) as name, as {@code tarfile.add(path,
     * arcname=name, recursive=False)}. Returns false if it vanished (Barman skips those).
     */
    boolean add(Path path, String name) throws IOException {
        PosixFileAttributes posix;
        Map<String, Object> unix;
        try {
            posix = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            unix = Files.readAttributes(path, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        }
        int mode = ((Integer) unix.get("mode")) & 07777;
        long uid = ((Integer) unix.get("uid")) & 0xffffffffL;
        long gid = ((Integer) unix.get("gid")) & 0xffffffffL;
        FileTime mt = posix.lastModifiedTime();
        long sec = Math.floorDiv(mt.to(java.util.concurrent.TimeUnit.NANOSECONDS), 1_000_000_000L);
        long nsec = Math.floorMod(mt.to(java.util.concurrent.TimeUnit.NANOSECONDS), 1_000_000_000L);
        double mtime = (double) sec + (double) nsec * 1e-9; // CPython's st_mtime
        String uname = posix.owner().getName();
        String gname = posix.group().getName();
        if (uname.matches("\\d+")) {
            uname = ""; // no passwd entry: tarfile leaves it empty
        }
        if (gname.matches("\\d+")) {
            gname = "";
        }
        char type;
        String link = "";
        long size = 0;
        if (posix.isSymbolicLink()) {
            type = '2';
            link = Files.readSymbolicLink(path).toString();
        } else if (posix.isDirectory()) {
            type = '5';
            if (!name.endsWith("/")) {
                name = name + "/";
            }
        } else if (posix.isRegularFile()) {
            type = '0';
            size = posix.size();
        } else {
            return true; // sockets and devices: not in a data directory
        }
        if (type != '0') {
            writeHeader(name, mode, uid, gid, 0, mtime, type, link, uname, gname);
            return true;
        }
        InputStream in;
        try {
            in = Files.newInputStream(path);
        } catch (NoSuchFileException e) {
            return false;
        }
        try (in) {
            writeHeader(name, mode, uid, gid, size, mtime, type, link, uname, gname);
            copyPadded(in, size);
        }
        return true;
    }

    /** A member with the given bytes and tarfile's TarInfo defaults otherwise (mode 0644, mtime 0, no names). */
    void addBytes(String name, byte[] data, int mode, long uid, long gid) throws IOException {
        writeHeader(name, mode, uid, gid, data.length, 0L, '0', "", "", "");
        out.write(data);
        offset += data.length;
        pad(data.length);
    }

    private void copyPadded(InputStream in, long size) throws IOException {
        long left = size;
        while (left > 0) {
            int n = in.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, left));
            if (n < 0) {
                break;
            }
            out.write(copyBuffer, 0, n);
            left -= n;
        }
        while (left > 0) { // truncated while read: zeros to the recorded size
            int n = (int) Math.min(copyBuffer.length, left);
            java.util.Arrays.fill(copyBuffer, 0, n, (byte) 0);
            out.write(copyBuffer, 0, n);
            left -= n;
        }
        offset += size;
        pad(size);
    }

    private void pad(long size) throws IOException {
        int rem = (int) (size % BLOCK);
        if (rem > 0) {
            out.write(new byte[BLOCK - rem]);
            offset += BLOCK - rem;
        }
    }

    private void writeHeader(String name, int mode, long uid, long gid, long size, Object mtime, char type,
            String link, String uname, String gname) throws IOException {
        Map<String, String> pax = new LinkedHashMap<>();
        for (String[] f : new String[][] {{"path", name, "100"}, {"linkpath", link, "100"}, {"uname", uname, "32"},
                {"gname", gname, "32"}}) {
            boolean ascii = StandardCharsets.US_ASCII.newEncoder().canEncode(f[1]);
            if (!ascii || f[1].length() > Integer.parseInt(f[2])) {
                pax.put(f[0], f[1]);
            }
        }
        long[] nums = {uid, gid, size};
        String[] numNames = {"uid", "gid", "size"};
        int[] digits = {8, 8, 12};
        for (int i = 0; i < 3; i++) {
            if (nums[i] < 0 || nums[i] >= (1L << (3 * (digits[i] - 1)))) {
                pax.put(numNames[i], Long.toString(nums[i]));
                nums[i] = 0;
            }
        }
        long mtimeInt;
        if (mtime instanceof Double d) {
            mtimeInt = (long) Math.rint(d);
            pax.put("mtime", PyLiteral.reprFloat(d));
        } else {
            mtimeInt = (Long) mtime;
        }
        if (!pax.isEmpty()) {
            byte[] records = paxRecords(pax);
            byte[] h = header("././@PaxHeader", 0, 0, 0, records.length, 0, 'x', "", "", "");
            out.write(h);
            out.write(records);
            offset += BLOCK + records.length;
            pad(records.length);
        }
        out.write(header(name, mode, nums[0], nums[1], nums[2], mtimeInt, type, link, uname, gname));
        offset += BLOCK;
    }

    private static byte[] paxRecords(Map<String, String> pax) {
        StringBuilder b = new StringBuilder();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (Map.Entry<String, String> e : pax.entrySet()) {
            byte[] k = e.getKey().getBytes(StandardCharsets.UTF_8);
            byte[] v = e.getValue().getBytes(StandardCharsets.UTF_8);
            int l = k.length + v.length + 3;
            int n, p = 0;
            while (true) {
                n = l + Integer.toString(p).length();
                if (n == p) {
                    break;
                }
                p = n;
            }
            bytes.writeBytes((p + " ").getBytes(StandardCharsets.US_ASCII));
            bytes.writeBytes(k);
            bytes.write('=');
            bytes.writeBytes(v);
            bytes.write('\n');
        }
        return bytes.toByteArray();
    }

    private static byte[] header(String name, int mode, long uid, long gid, long size, long mtime, char type,
            String link, String uname, String gname) {
        byte[] h = new byte[BLOCK];
        str(h, 0, name, 100);
        num(h, 100, mode, 8);
        num(h, 108, uid, 8);
        num(h, 116, gid, 8);
        num(h, 124, size, 12);
        num(h, 136, mtime, 12);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        h[156] = (byte) type;
        str(h, 157, link, 100);
        byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(magic, 0, h, 257, 8);
        str(h, 265, uname, 32);
        str(h, 297, gname, 32);
        // devmajor, devminor, prefix: NUL-filled
        long sum = 0;
        for (byte x : h) {
            sum += x & 0xff;
        }
        byte[] chk = String.format("%06o\0", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(chk, 0, h, 148, 7);
        return h;
    }

    /** tarfile's stn: UTF-8 (surrogates replaced), truncated to the field. */
    private static void str(byte[] h, int at, String s, int len) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, at, Math.min(b.length, len));
    }

    private static void num(byte[] h, int at, long v, int digits) {
        byte[] b = String.format("%0" + (digits - 1) + "o", v).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, digits - 1);
    }

    /** Two zero blocks, then zeros to the end of the 10240-byte record. */
    void finish() throws IOException {
        out.write(new byte[2 * BLOCK]);
        offset += 2 * BLOCK;
        int rem = (int) (offset % RECORD);
        if (rem > 0) {
            out.write(new byte[RECORD - rem]);
            offset += RECORD - rem;
        }
    }
}
