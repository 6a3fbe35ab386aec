package org.barmanj.core.retention;

import org.barmanj.core.TestServer;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.config.ServerConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;

/**
 * A server {@code demo} whose catalog is written by hand in Barman 3.4's format: backups (backup.info and a
 * data file), archived WAL segments of 16 bytes with their xlog.db lines, keep annotations.
 */
final class SyntheticCatalog {
    private static final DateTimeFormatter PY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSSxxx");

    final Path home;
    final ServerConfig server;
    final CatalogLayout layout;

    SyntheticCatalog(Path home, String extraOptions) throws IOException {
        this.home = home;
        this.server = TestServer.create(home, extraOptions);
        this.layout = new CatalogLayout(server);
    }

    /** A backup on timeline {@code tli} from segment {@code begin} to {@code end}, ended at {@code endTime}. */
    SyntheticCatalog backup(String id, String status, int tli, int begin, int end, OffsetDateTime endTime)
            throws IOException {
        Path dir = layout.backupDirectory(id);
        Files.createDirectories(dir.resolve("data/base/1"));
        Files.writeString(dir.resolve("data/base/1/1259"), "page");
        String text = "begin_offset=40\n"
                + "begin_time=" + endTime.minusMinutes(1).format(PY) + "\n"
                + "begin_wal=" + wal(tli, begin) + "\n"
                + "begin_xlog=0/" + Integer.toHexString(begin) + "000028\n"
                + "end_offset=256\n"
                + "end_time=" + endTime.format(PY) + "\n"
                + "end_wal=" + wal(tli, end) + "\n"
                + "end_xlog=0/" + Integer.toHexString(end) + "000100\n"
                + "mode=rsync-concurrent\n"
                + "server_name=demo\n"
                + "size=4\n"
                + "status=" + status + "\n"
                + "timeline=" + tli + "\n"
                + "version=150018\n"
                + "xlog_segment_size=16777216\n";
        Files.writeString(dir.resolve("backup.info"), text, StandardCharsets.UTF_8);
        return this;
    }

    /** Archived segments {@code first..last} of timeline {@code tli}, each with its xlog.db line. */
    SyntheticCatalog wals(int tli, int first, int last) throws IOException {
        for (int i = first; i <= last; i++) {
            file(wal(tli, i));
        }
        return this;
    }

    /** An archived file (segment, .backup label or .history), with its xlog.db line. */
    SyntheticCatalog file(String name) throws IOException {
        Path p = layout.walPath(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "0123456789abcdef");
        Files.writeString(layout.walsDirectory().resolve("xlog.db"), name + "\t16\t1764000000.0\tNone\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        return this;
    }

    SyntheticCatalog keep(String id, String target) {
        KeepAnnotation.keep(layout, id, target);
        return this;
    }

    static String wal(int tli, int segment) {
        return WalName.name(tli, 0, segment);
    }

    /** The names xlog.db lists, in order. */
    java.util.List<String> xlog() {
        return layout.xlogDb().read().stream().map(org.barmanj.core.catalog.WalFileEntry::name).toList();
    }
}
