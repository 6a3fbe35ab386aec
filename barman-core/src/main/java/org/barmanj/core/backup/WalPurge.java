package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.catalog.XlogDb;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.fs.IoReason;
import org.barmanj.core.lock.LockFile;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Before the first backup, the WAL files archived earlier serve no backup: Barman removes them (history files
 * stay). xlog.db is rewritten first, so a crash leaves at worst files that rebuild-xlogdb finds again.
 */
public final class WalPurge {
    private WalPurge() {
    }

    /** Removes every archived WAL file older than {@code beginWal}; returns their names in catalog order. */
    public static List<String> before(ServerConfig server, String beginWal) {
        CatalogLayout layout = new CatalogLayout(server);
        try (LockFile lock = LockFile.acquire(LockFile.of(server.lockDirectory(), server.name(), "xlogdb"))) {
            XlogDb xlogDb = layout.xlogDb();
            List<WalFileEntry> keep = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            for (WalFileEntry e : xlogDb.read()) {
                if (WalName.isHistory(e.name()) || e.name().compareTo(beginWal) >= 0) {
                    keep.add(e);
                } else {
                    removed.add(e.name());
                }
            }
            if (removed.isEmpty()) {
                return removed;
            }
            xlogDb.replace(keep);
            for (String name : removed) {
                Path file = layout.walPath(name);
                Files.deleteIfExists(file);
                try {
                    Files.deleteIfExists(file.getParent());
                } catch (DirectoryNotEmptyException e) {
                    // Other files still live in this folder.
                }
            }
            return removed;
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot remove the WAL files preceding the backup: "
                    + IoReason.withFile(e), e);
        }
    }
}
