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
    GZIP("gzip", ".gz"),
    BZIP2("bzip2", ".bz2"),
    SNAPPY("snappy", ".snappy");

    final String barmanName;
    final String suffix;

    CloudCompression(String barmanName, String suffix) {
        this.barmanName = barmanName;
        this.suffix = suffix;
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
