package org.barmanj.core.compression;

import java.util.ArrayList;
import java.util.List;

/**
 * The compressions of pg_basebackup's tar format, as Barman 3.4 names and reads them: {@code gzip}
 * ({@code base.tar.gz}), {@code lz4} ({@code .tar.lz4}), {@code zstd} ({@code .tar.zst}); GNU tar reads them, with
 * {@code -z} for gzip and {@code --use-compress-program lz4|zstd} for the others (those commands must be installed
 * where the tarball is read: the recovery host for a recovery).
 */
public enum TarballCompression {
    GZIP("gzip", "tar.gz"),
    LZ4("lz4", "tar.lz4"),
    ZSTD("zstd", "tar.zst");

    private final String barmanName;
    private final String extension;

    TarballCompression(String barmanName, String extension) {
        this.barmanName = barmanName;
        this.extension = extension;
    }

    /** The compression of backup.info's {@code compression} value, or null when it is not one of these. */
    public static TarballCompression of(String name) {
        for (TarballCompression c : values()) {
            if (c.barmanName.equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** Barman's name, as in backup.info's {@code compression} and the {@code backup_compression} option. */
    public String barmanName() {
        return barmanName;
    }

    /** The tarball of {@code basename} ({@code base}, a tablespace's OID): {@code base.tar.gz}. */
    public String fileName(String basename) {
        return basename + "." + extension;
    }

    /** tar's arguments for reading this compression: {@code -x} and its decompressor. */
    private List<String> extract() {
        List<String> args = new ArrayList<>(List.of("tar"));
        if (this == GZIP) {
            args.add("-xzf");
        } else {
            args.addAll(List.of("--use-compress-program", barmanName, "-xf"));
        }
        return args;
    }

    /** {@code tar} extracting {@code archive} into {@code directory}, leaving out {@code excluded} members. */
    public List<String> extractCommand(String archive, String directory, List<String> excluded) {
        List<String> args = extract();
        args.add(archive);
        args.add("--directory");
        args.add(directory);
        for (String name : excluded) {
            args.add("--exclude");
            args.add(name);
        }
        return args;
    }

    /** {@code tar} writing the member {@code name} of {@code archive} to stdout, as Barman reads backup_label. */
    public List<String> readMemberCommand(String archive, String name) {
        List<String> args = extract();
        args.addAll(List.of(archive, "-O", name, "--occurrence"));
        return args;
    }
}
