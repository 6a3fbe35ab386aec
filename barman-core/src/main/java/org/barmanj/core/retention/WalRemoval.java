package org.barmanj.core.retention;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.catalog.XlogDb;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.fs.IoReason;
import org.barmanj.core.hooks.HookScript;
import org.barmanj.core.lock.LockFile;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Removes archived WAL files that no backup needs any more (Barman's {@code remove_wal_before_backup}), under
 * the server's xlogdb lock, with the {@code pre_/post_wal_delete} hook scripts around each file. xlog.db is
 * rewritten first (temporary file, fsync, rename), then the files are
 * deleted: a crash in between leaves at worst files that the catalog no longer lists, never a catalog naming
 * files that are gone.
 */
public final class WalRemoval {
    /** An inclusive range of WAL names a standalone keep needs ({@code begin_wal..end_wal}). */
    public record Range(String first, String last) {
        boolean contains(String walName) {
            return walName.compareTo(first) >= 0 && walName.compareTo(last) <= 0;
        }
    }

    private final ServerConfig server;
    private final Events events;

    public WalRemoval(ServerConfig server, Events events) {
        this.server = server;
        this.events = events;
    }

    /**
     * Removes every file of the WAL catalog older than {@code keepFrom} (a WAL name; null: all of them), except
     * history files, files of the {@code protectedTimelines} and files inside a {@code protectedRanges} range.
     * Returns the names removed, in catalog order.
     */
    public List<String> removeBefore(String keepFrom, Set<Integer> protectedTimelines, List<Range> protectedRanges) {
        CatalogLayout layout = new CatalogLayout(server);
        try (LockFile lock = LockFile.acquire(LockFile.of(server.lockDirectory(), server.name(), "xlogdb"))) {
            XlogDb xlogDb = layout.xlogDb();
            List<WalFileEntry> all = xlogDb.read();
            List<WalFileEntry> removing = new ArrayList<>();
            for (WalFileEntry e : all) {
                if (!needed(e.name(), keepFrom, protectedTimelines, protectedRanges)) {
                    removing.add(e);
                }
            }
            if (removing.isEmpty()) {
                return List.of();
            }
            boolean hooks = HookScript.any(server, "wal_delete");
            if (hooks) {
                removing = approvedByPreHooks(layout, removing);
            }
            Set<WalFileEntry> gone = Collections.newSetFromMap(new IdentityHashMap<>());
            gone.addAll(removing);
            xlogDb.replace(all.stream().filter(e -> !gone.contains(e)).toList());
            List<String> names = new ArrayList<>();
            for (WalFileEntry e : removing) {
                String error = delete(layout.walPath(e.name()));
                names.add(e.name());
                if (hooks) {
                    HookScript.post(server, "wal_delete", h -> h.wal(e.name(), layout.walPath(e.name()), e.size(),
                            e.time(), e.compression(), error), events);
                }
            }
            return names;
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot remove WAL files of server " + server.name() + ": "
                    + IoReason.withFile(e), e);
        }
    }

    /**
     * Runs the pre_wal_delete scripts file by file; when a retry script asks to stop, that file and the following
     * ones stay. Returns the files to delete.
     */
    private List<WalFileEntry> approvedByPreHooks(CatalogLayout layout, List<WalFileEntry> removing) {
        for (int i = 0; i < removing.size(); i++) {
            WalFileEntry e = removing.get(i);
            try {
                HookScript.pre(server, "wal_delete", h -> h.wal(e.name(), layout.walPath(e.name()), e.size(),
                        e.time(), e.compression(), null), events);
            } catch (HookScript.Aborted stop) {
                events.warning("WAL deletion of server " + server.name() + " stopped before " + e.name() + ": "
                        + stop.getMessage());
                return new ArrayList<>(removing.subList(0, i));
            }
        }
        return removing;
    }

    static boolean needed(String name, String keepFrom, Set<Integer> protectedTimelines, List<Range> protectedRanges) {
        if (WalName.isHistory(name) || protectedTimelines.contains(WalName.timeline(name))) {
            return true;
        }
        // A .backup label file belongs to the segment it is named after.
        String segment = WalName.isBackupLabel(name) ? name.substring(0, 24) : name;
        for (Range r : protectedRanges) {
            if (r.contains(segment)) {
                return true;
            }
        }
        return keepFrom != null && name.compareTo(keepFrom) >= 0;
    }

    /** Deletes an archived file (and its hash folder once empty); returns the error told, or null. */
    private String delete(Path file) {
        try {
            Files.delete(file);
            if (!file.getParent().equals(new CatalogLayout(server).walsDirectory())) {
                Files.delete(file.getParent());
            }
        } catch (DirectoryNotEmptyException e) {
            // Other files still live in this hash folder.
        } catch (IOException e) {
            String error = "Ignoring deletion of WAL file " + file.getFileName() + " for server " + server.name()
                    + ": " + IoReason.withFile(e);
            events.warning(error);
            return error;
        }
        return null;
    }
}
