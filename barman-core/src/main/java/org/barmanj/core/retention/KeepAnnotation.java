package org.barmanj.core.retention;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.fs.Durable;
import org.barmanj.core.fs.IoReason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A backup's keep annotation (Barman's {@code KeepManager}): a file holding {@code full} or {@code standalone},
 * {@code base/<id>/annotations/keep} in the classic dialect (Barman 3.4), {@code meta/<id>-keep} in the newer
 * one, so that either tool sees the other's keeps. A kept backup is never deleted, by retention or by hand.
 */
public final class KeepAnnotation {
    public static final String FULL = "full";
    public static final String STANDALONE = "standalone";

    private KeepAnnotation() {
    }

    /**
     * The annotation's text, exactly as stored (Barman compares it as is), or null when the backup is not kept.
     * An empty file still means "kept" to {@code delete}, and "not kept" to retention, as in Barman.
     */
    public static String read(CatalogLayout layout, String backupId) {
        for (Path p : layout.keepAnnotations(backupId)) {
            try {
                return Files.readString(p, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                // Not in this dialect's place.
            } catch (IOException e) {
                throw new BarmanException(ErrorCode.IO, "Cannot read " + p + ": " + IoReason.of(e), e);
            }
        }
        return null;
    }

    /** Writes the annotation where the catalog's dialect keeps it (temporary file, fsync, rename). */
    public static void keep(CatalogLayout layout, String backupId, String target) {
        if (!target.equals(FULL) && !target.equals(STANDALONE)) {
            throw new BarmanException(ErrorCode.USAGE, "Unsupported recovery target: " + target);
        }
        Path file = layout.newerDialect() ? layout.keepAnnotations(backupId)[0] : layout.keepAnnotations(backupId)[1];
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(temp, target, StandardCharsets.UTF_8);
            Durable.syncFile(temp);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Durable.syncFolder(file.getParent());
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot write " + file + ": " + IoReason.of(e), e);
        }
    }

    /** Removes the annotation in either place (and the {@code annotations} folder once empty). */
    public static void release(CatalogLayout layout, String backupId) {
        for (Path p : layout.keepAnnotations(backupId)) {
            try {
                if (Files.deleteIfExists(p) && p.getParent().getFileName().toString().equals("annotations")) {
                    Files.delete(p.getParent());
                }
            } catch (DirectoryNotEmptyException e) {
                // Other annotations remain.
            } catch (IOException e) {
                throw new BarmanException(ErrorCode.IO, "Cannot remove " + p + ": " + IoReason.of(e), e);
            }
        }
    }
}
