package org.barmanj.core.catalog;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Barman's {@code get_list_of_files}: the absolute paths of the files a backup is made of, for
 * {@code barman list-files}, in Barman 3.4's order.
 */
public final class BackupFiles {
    /** What to list ({@code --target}). */
    public enum Target {
        /** The files under {@code base/<id>/}. */
        DATA,
        /** DATA, then the WAL segments from the backup's begin WAL to its end WAL (whether archived or not). */
        STANDALONE,
        /** The archived WAL files from the begin WAL up to the next backup's end WAL, and history files. */
        WAL,
        /** DATA, then WAL. */
        FULL;

        /** The target named on the command line ({@code data}, {@code standalone}, {@code wal}, {@code full}). */
        public static Target of(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }
    }

    private BackupFiles() {
    }

    /** Tells each path of {@code backup}'s files for {@code target} to {@code sink}, as they are found. */
    public static void list(BackupCatalog catalog, BackupInfo backup, Target target, Consumer<String> sink) {
        CatalogLayout layout = new CatalogLayout(catalog.config());
        if (target != Target.WAL) {
            walk(layout.backupDirectory(backup.backupId()), sink);
        }
        if (target == Target.STANDALONE) {
            requiredSegments(backup).forEach(wal -> sink.accept(layout.walPath(wal).toString()));
        }
        if (target == Target.WAL || target == Target.FULL) {
            untilNextBackup(catalog, backup).forEach(wal -> sink.accept(layout.walPath(wal).toString()));
        }
    }

    /**
     * Python's {@code os.walk} top-down, as Barman uses it: in each folder its files sorted by name, then its
     * sub-folders in the order the directory lists them (readdir's, not sorted: Barman does not sort them
     * either); symbolic links to folders are neither listed nor followed, unreadable folders are skipped.
     */
    private static void walk(Path dir, Consumer<String> sink) {
        List<String> files = new ArrayList<>();
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry)) {
                    if (!Files.isSymbolicLink(entry)) {
                        dirs.add(entry);
                    }
                } else {
                    files.add(entry.getFileName().toString());
                }
            }
        } catch (IOException e) {
            return;
        }
        files.sort(null);
        files.forEach(name -> sink.accept(dir.resolve(name).toString()));
        dirs.forEach(sub -> walk(sub, sink));
    }

    /** Barman's {@code get_required_wal_segments}: every segment name from the begin WAL to the end WAL. */
    private static List<String> requiredSegments(BackupInfo backup) {
        String begin = backup.beginWal();
        String end = backup.endWal();
        if (begin == null || end == null) {
            throw new BarmanException(ErrorCode.CATALOG_CORRUPT, "Backup " + backup.backupId()
                    + " has no begin or end WAL (status " + backup.statusText() + "): it has no WAL files to list");
        }
        List<String> names = new ArrayList<>();
        for (String wal = begin; wal.compareTo(end) <= 0; wal = WalName.next(wal, backup.xlogSegmentSize())) {
            names.add(wal);
        }
        return names;
    }

    /**
     * Barman's {@code get_wal_until_next_backup} with history files: the entries of {@code xlog.db} in file order
     * from the begin WAL on, on the backup's timeline or an older one, segments only (no backup labels or partial
     * files) plus every history file, stopping at the first name past the next available backup's end WAL.
     */
    private static List<String> untilNextBackup(BackupCatalog catalog, BackupInfo backup) {
        String begin = backup.beginWal();
        if (begin == null) {
            throw new BarmanException(ErrorCode.CATALOG_CORRUPT, "Backup " + backup.backupId()
                    + " has no begin WAL (status " + backup.statusText() + "): it has no WAL files to list");
        }
        BackupInfo next = catalog.next(backup);
        String nextEnd = next == null ? null : next.endWal();
        int timeline = WalName.timeline(begin);
        List<String> names = new ArrayList<>();
        for (WalFileEntry e : catalog.xlog()) {
            String name = e.name();
            if (WalName.isHistory(name)) {
                names.add(name);
                continue;
            }
            if (name.compareTo(begin) < 0 || WalName.timeline(name) > timeline || !WalName.isSegment(name)) {
                continue;
            }
            if (nextEnd != null && name.compareTo(nextEnd) > 0) {
                break;
            }
            names.add(name);
        }
        return names;
    }
}
