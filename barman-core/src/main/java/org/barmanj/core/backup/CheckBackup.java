package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.fs.IoReason;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Barman's {@code check_backup}: a backup whose copy is done becomes DONE once every segment from its begin WAL
 * to its end WAL is in the archive, and FAILED when one of them is missing while a later segment of the same
 * timeline has already arrived (it can never come any more).
 */
public final class CheckBackup {
    private CheckBackup() {
    }

    /**
     * Updates and saves the backup's status when it changes; returns the status. The caller holds the backup's
     * lock ({@code .<server>-<backup id>.lock}, Barman's: only one process changes a backup at a time).
     */
    public static BackupInfo.Status run(CatalogLayout layout, BackupInfo backup) {
        String begin = backup.beginWal();
        String end = backup.endWal();
        if (end == null || begin == null) {
            return backup.status();
        }
        String last = latestSegments(layout.walsDirectory()).get(begin.substring(0, 8));
        if (last == null || last.compareTo(begin) < 0) {
            return update(layout, backup, BackupInfo.Status.WAITING_FOR_WALS, null);
        }
        for (String wal = begin; wal.compareTo(end) <= 0 && wal.compareTo(last) <= 0;
             wal = WalName.next(wal, backup.xlogSegmentSize())) {
            if (!Files.exists(layout.walPath(wal))) {
                return update(layout, backup, BackupInfo.Status.FAILED,
                        "At least one WAL file is missing. The first missing WAL file is " + wal);
            }
        }
        return update(layout, backup, end.compareTo(last) <= 0 ? BackupInfo.Status.DONE : BackupInfo.Status.WAITING_FOR_WALS, null);
    }

    private static BackupInfo.Status update(CatalogLayout layout, BackupInfo backup, BackupInfo.Status status,
                                            String error) {
        if (status != backup.status() || error != null) {
            backup.set(BackupInfo.STATUS, status);
            if (error != null) {
                backup.set(BackupInfo.ERROR, error);
            }
            backup.save(layout.backupInfoFile(backup.backupId()));
        }
        return status;
    }

    /** The newest archived segment of each timeline (by its 8-hex timeline), from the folders under wals/. */
    static Map<String, String> latestSegments(Path wals) {
        Map<String, String> latest = new HashMap<>();
        if (!Files.isDirectory(wals)) {
            return latest;
        }
        try (Stream<Path> dirs = Files.list(wals)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted((a, b) -> b.compareTo(a)).toList()) {
                String timeline = dir.getFileName().toString();
                if (timeline.length() < 8 || latest.containsKey(timeline.substring(0, 8))) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    List<String> names = files.map(f -> f.getFileName().toString()).filter(WalName::isSegment)
                            .sorted().toList();
                    if (!names.isEmpty()) {
                        latest.put(timeline.substring(0, 8), names.get(names.size() - 1));
                    }
                }
            }
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot list " + wals + ": " + IoReason.of(e), e);
        }
        return latest;
    }
}
