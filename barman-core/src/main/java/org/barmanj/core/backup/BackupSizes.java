package org.barmanj.core.backup;

import org.barmanj.core.fs.Durable;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A finished backup folder made durable and measured, as Barman does before a backup counts: every file and
 * folder fsync'd; {@code size} sums every file, {@code deduplicated} only the files not hard-linked to another
 * backup (link count 1), which is what the backup really added to the disk.
 */
record BackupSizes(long size, long deduplicated) {

    static BackupSizes syncAndMeasure(Path backupDir) throws IOException {
        long[] totals = new long[2];
        Files.walkFileTree(backupDir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    Durable.syncFile(file);
                    totals[0] += attrs.size();
                    if (((Number) Files.getAttribute(file, "unix:nlink")).intValue() == 1) {
                        totals[1] += attrs.size();
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Durable.syncFolder(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        Durable.syncFolder(backupDir.getParent());
        return new BackupSizes(totals[0], totals[1]);
    }
}
