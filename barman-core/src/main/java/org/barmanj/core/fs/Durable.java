package org.barmanj.core.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Making files and renames survive a crash: fsync of files and of the folders that hold them. */
public final class Durable {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private Durable() {
    }

    /** fsync of a file; opened for reading, which Linux allows, so read-only files can be synced too. */
    public static void syncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    public static void syncFolder(Path folder) throws IOException {
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** The UTC stamp Barman puts in the names of files moved to {@code errors/}. */
    public static String errorStamp() {
        return ZonedDateTime.now(ZoneOffset.UTC).format(STAMP);
    }
}
