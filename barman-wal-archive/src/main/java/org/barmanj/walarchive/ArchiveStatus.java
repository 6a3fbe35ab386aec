package org.barmanj.walarchive;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * PostgreSQL's {@code pg_wal/archive_status}, as an archive_command that looks ahead uses it (barman-wal-archive,
 * barmanj's barman-cloud-wal-archive): the other files marked {@code .ready} are archived in the same call and
 * then marked {@code .done}, as PostgreSQL marks a file after its archive_command succeeds, so it does not send
 * them again. PostgreSQL's archiver runs one archive_command at a time, so nothing else renames these markers
 * meanwhile except PostgreSQL removing a file it no longer needs.
 */
public final class ArchiveStatus {
    private static final Pattern WAL_NAME = Pattern.compile(
            "[0-9A-F]{24}|[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup|[0-9A-F]{24}\\.partial|[0-9A-F]{8}\\.history");

    private ArchiveStatus() {}

    /**
     * The other WAL files beside {@code wal} marked ready, in name order, at most {@code max}; none when {@code wal}
     * is not in a folder with an archive_status (a copy, a hook script's file).
     */
    public static List<Path> readyAfter(Path wal, int max) {
        List<Path> extra = new ArrayList<>();
        Path folder = wal.toAbsolutePath().getParent();
        Path status = folder.resolve("archive_status");
        if (max <= 0 || !Files.isDirectory(status)) {
            return extra;
        }
        String self = wal.getFileName().toString();
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ready = Files.newDirectoryStream(status, "*.ready")) {
            for (Path p : ready) {
                String name = p.getFileName().toString();
                name = name.substring(0, name.length() - ".ready".length());
                if (!name.equals(self) && WAL_NAME.matcher(name).matches() && Files.isRegularFile(folder.resolve(name))) {
                    names.add(name);
                }
            }
        } catch (IOException e) {
            return extra;
        }
        names.sort(null);
        for (String name : names.subList(0, Math.min(max, names.size()))) {
            extra.add(folder.resolve(name));
        }
        return extra;
    }

    /** Marks these files (from {@link #readyAfter}) archived, and syncs the folder. */
    public static void markDone(List<Path> archived) {
        if (archived.isEmpty()) {
            return;
        }
        Path status = archived.get(0).toAbsolutePath().getParent().resolve("archive_status");
        for (Path f : archived) {
            String name = f.getFileName().toString();
            try {
                Files.move(status.resolve(name + ".ready"), status.resolve(name + ".done"),
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException | AtomicMoveNotSupportedException e) {
                // PostgreSQL archived or removed it meanwhile: nothing to mark.
            } catch (IOException e) {
                // Still .ready: PostgreSQL will send it again, and an identical copy is accepted.
            }
        }
        try (FileChannel dir = FileChannel.open(status, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Without the sync a crash may bring .ready back: the file is then sent again, harmlessly.
        }
    }
}
