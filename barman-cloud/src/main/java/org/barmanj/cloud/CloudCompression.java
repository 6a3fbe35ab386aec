package org.barmanj.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.xerial.snappy.SnappyFramedInputStream;
import org.xerial.snappy.SnappyFramedOutputStream;

/** The compressions of Barman's cloud WAL archive, by the suffix of the object's name. */
enum CloudCompression {
    GZIP("gzip", ".gz", "-z", "--gzip"),
    BZIP2("bzip2", ".bz2", "-j", "--bzip2"),
    SNAPPY("snappy", ".snappy", "--snappy");

    final String barmanName;
    final String suffix;
    private final String[] names;

    CloudCompression(String barmanName, String suffix, String... names) {
        this.barmanName = barmanName;
        this.suffix = suffix;
        this.names = names;
    }

    /** The command-line flag choosing this compression, for what a command compresses ("the WAL"). */
    CloudOption option(String what) {
        return CloudOption.flag(barmanName + "-compress " + what + " while uploading to the cloud", names)
                .exclusiveIn("compression");
    }

    /** The compression chosen on the command line, or null (the flags exclude each other). */
    static CloudCompression chosen(CloudArgs args) {
        for (CloudCompression c : values()) {
            if (args.setFlags.contains(c.names[c.names.length - 1])) {
                return c;
            }
        }
        return null;
    }

    /** The compression a key's suffix names, or null (Barman's ALLOWED_COMPRESSIONS). */
    static CloudCompression bySuffix(String key) {
        for (CloudCompression c : values()) {
            if (key.endsWith(c.suffix)) {
                return c;
            }
        }
        return null;
    }

    OutputStream compressor(OutputStream out) throws IOException {
        return switch (this) {
            case GZIP -> new GZIPOutputStream(out, 65536);
            case BZIP2 -> new BZip2CompressorOutputStream(out);
            case SNAPPY -> new SnappyFramedOutputStream(out);
        };
    }

    InputStream decompressor(InputStream in) throws IOException {
        return switch (this) {
            case GZIP -> new GZIPInputStream(in, 65536);
            case BZIP2 -> new BZip2CompressorInputStream(in, true);
            case SNAPPY -> new SnappyFramedInputStream(in);
        };
    }
}
