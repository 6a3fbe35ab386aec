package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.XlogDb;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.lock.LockFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** {@code barman rebuild-xlogdb}: recreates xlog.db from the WAL archive on disk. */
@Command(name = "rebuild-xlogdb", description = "Rebuild the WAL file database guessing it from the disk content.")
public final class RebuildXlogdbCommand extends ServerCommand {
    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server names for the command ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        for (Map.Entry<String, ServerConfig> e : session.servers(servers, true, false).entrySet()) {
            ServerConfig server = e.getValue();
            if (!session.usable(server, e.getKey(), true, true, true)) {
                continue;
            }
            session.output().info("Rebuilding xlogdb for server " + server.name());
            CatalogLayout layout = new CatalogLayout(server);
            XlogDb.RebuildCounts counts;
            try (LockFile lock = LockFile.acquire(LockFile.of(server.lockDirectory(), server.name(), "xlogdb"))) {
                counts = layout.xlogDb().rebuild(layout.walsDirectory(), session.output()::warning);
            } catch (IOException ex) {
                session.output().error("Cannot lock the WAL catalog of server " + server.name() + ": " + ex.getMessage());
                continue;
            }
            session.output().info("Done rebuilding xlogdb for server " + server.name() + " (history: " + counts.history()
                    + ", backup_labels: " + counts.backupLabels() + ", wal_file: " + counts.walFiles() + ")");
        }
        return 0;
    }
}
