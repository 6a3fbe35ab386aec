package org.barmanj.core.catalog;

import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a server's catalog lives under {@code backup_directory}, in either dialect: classic
 * ({@code base/<id>/backup.info}, {@code wals/xlog.db}, up to Barman 3.12) or newer
 * ({@code meta/<id>-backup.info}, {@code <server>-xlog.db}, Barman 3.13 and later).
 */
public final class CatalogLayout {
    private final String server;
    private final Path backupDirectory;
    private final Path basebackupsDirectory;
    private final Path walsDirectory;
    private final Path xlogdbDirectory;
    private final Path incomingDirectory;
    private final Path streamingDirectory;
    private final Path errorsDirectory;

    public CatalogLayout(ServerConfig config) {
        this.server = config.name();
        this.backupDirectory = config.path(Option.BACKUP_DIRECTORY);
        this.basebackupsDirectory = config.path(Option.BASEBACKUPS_DIRECTORY);
        this.walsDirectory = config.path(Option.WALS_DIRECTORY);
        Path xlogdb = config.path(Option.XLOGDB_DIRECTORY);
        this.xlogdbDirectory = xlogdb == null ? walsDirectory : xlogdb;
        this.incomingDirectory = config.path(Option.INCOMING_WALS_DIRECTORY);
        this.streamingDirectory = config.path(Option.STREAMING_WALS_DIRECTORY);
        this.errorsDirectory = config.path(Option.ERRORS_DIRECTORY);
    }

    public Path backupDirectory() {
        return backupDirectory;
    }

    public Path basebackupsDirectory() {
        return basebackupsDirectory;
    }

    public Path walsDirectory() {
        return walsDirectory;
    }

    public Path incomingDirectory() {
        return incomingDirectory;
    }

    public Path streamingDirectory() {
        return streamingDirectory;
    }

    public Path errorsDirectory() {
        return errorsDirectory;
    }

    public Path metaDirectory() {
        return backupDirectory.resolve("meta");
    }

    /** The folder holding a backup's data ({@code data/} and one folder per tablespace oid). */
    public Path backupDirectory(String backupId) {
        return basebackupsDirectory.resolve(backupId);
    }

    /** Where a backup's metadata is written: {@code meta/<id>-backup.info} in the newer dialect, else the classic place. */
    public Path backupInfoFile(String backupId) {
        return newerDialect() ? metaDirectory().resolve(backupId + "-backup.info")
                : backupDirectory(backupId).resolve("backup.info");
    }

    /** True when the catalog already uses Barman 3.13+'s layout; we then keep writing that dialect. */
    public boolean newerDialect() {
        return Files.isDirectory(metaDirectory()) || Files.exists(newerXlogDbFile());
    }

    private Path newerXlogDbFile() {
        return xlogdbDirectory.resolve(server + "-xlog.db");
    }

    /** The WAL catalog of the dialect in use. */
    public XlogDb xlogDb() {
        Path newer = newerXlogDbFile();
        if (Files.exists(newer) || (!Files.exists(walsDirectory.resolve("xlog.db")) && newerDialect())) {
            return new XlogDb(newer, true);
        }
        return new XlogDb(walsDirectory.resolve("xlog.db"), false);
    }

    /** The archived location of a WAL file: {@code wals/<hash dir>/<name>}, history files at the top. */
    public Path walPath(String name) {
        String hash = WalName.hashDir(name);
        return hash.isEmpty() ? walsDirectory.resolve(name) : walsDirectory.resolve(hash).resolve(name);
    }

    /** The keep annotation of a backup, in either dialect. */
    public Path[] keepAnnotations(String backupId) {
        return new Path[] {metaDirectory().resolve(backupId + "-keep"),
                backupDirectory(backupId).resolve("annotations").resolve("keep")};
    }
}
