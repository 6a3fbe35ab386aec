package org.barmanj.core.wal;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.catalog.XlogDb;
import org.barmanj.core.compression.Compression;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.config.Unsupported;
import org.barmanj.core.fs.Durable;
import org.barmanj.core.fs.IoReason;
import org.barmanj.core.hooks.HookScript;
import org.barmanj.core.lock.LockFile;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Barman's archivers ({@code barman archive-wal}): moves the files {@code put-wal} left in {@code incoming/}, and
 * those receive-wal wrote in {@code streaming/}, into the WAL archive, compressing them as configured, and records
 * them in {@code xlog.db}, with the {@code pre_/post_archive} hook scripts around each file. A file is removed from
 * its folder only after its archived copy and the catalog line are on disk. A setting this version cannot honour
 * ({@link Unsupported.Use#ARCHIVE}) refuses the archiving, leaving {@code incoming/} as it is.
 */
public final class Archiver {
    private final ServerConfig server;
    private final CatalogLayout layout;
    private final Events events;

    public Archiver(ServerConfig server, Events events) {
        this.server = server;
        this.layout = new CatalogLayout(server);
        this.events = events;
    }

    /**
     * Archives what is in {@code streaming/} (when {@code streaming_archiver} is on), then what is in
     * {@code incoming/} (when {@code archiver} is on, as it is forced to be when both are off), as Barman's
     * archivers in their order; the caller holds the server's {@code archive-wal} lock. {@code verbose}
     * prints each one's header and {@code no file found} even when there is nothing to do (the archive-wal
     * command); otherwise only archived files are shown (backup, switch-wal). Returns the names archived.
     */
    public List<String> archive(boolean verbose) {
        String refusal = Unsupported.refusal(server, Unsupported.Use.ARCHIVE);
        if (refusal != null) {
            // Archiving otherwise (uncompressed, unencrypted) would be doing something else than asked:
            // the files wait in incoming/ until the setting is changed.
            throw new BarmanException(ErrorCode.CONFIG_INVALID, refusal);
        }
        boolean streaming = server.flag(Option.STREAMING_ARCHIVER);
        List<String> archived = new ArrayList<>();
        try {
            if (streaming) {
                archived.addAll(archiveBatch(streamingBatch(), verbose));
            }
            if (server.flag(Option.ARCHIVER)) {
                archived.addAll(archiveBatch(incomingBatch(), verbose));
            }
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot archive WAL files of server " + server.name() + ": "
                    + IoReason.withFile(e), e);
        }
        return archived;
    }

    /**
     * What one run of one archiver finds in its folder: the files to archive in their order, those that go to
     * errors/, and its batch size option. A file already compressed is archived as it is, from either folder
     * (Barman takes streaming/'s files as uncompressed and would compress such a file again, recording no
     * compression when none is configured: a get-wal would then hand PostgreSQL compressed bytes).
     */
    record Batch(String source, Path folder, List<Path> wals, List<Path> unknown, Option batchSize) {
    }

    private Batch incomingBatch() throws IOException {
        Path incoming = layout.incomingDirectory();
        List<Path> wals = new ArrayList<>();
        List<Path> unknown = new ArrayList<>();
        if (Files.isDirectory(incoming)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(incoming)) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    // In-progress put-wal files (.<pid>-<name>) and .tmp files are not ours yet; those of a put-wal
                    // that died (killed mid-stream) never will be.
                    if (name.startsWith(".") || name.endsWith(".tmp")) {
                        if (PutWal.isOrphanedTemporary(f)) {
                            Files.deleteIfExists(f);
                        }
                        continue;
                    }
                    (archivable(f, name) ? wals : unknown).add(f);
                }
            }
        }
        wals.sort(null);
        unknown.sort(null);
        return new Batch("file archival", incoming, wals, unknown, Option.ARCHIVER_BATCH_SIZE);
    }

    /**
     * Barman's StreamingWalArchiver batch: complete segments and history files in name order; the newest
     * {@code .partial} file (the segment receive-wal is writing) stays, older ones (a previous timeline's, or a
     * receiver's that was restarted) are archived after the rest; when there is no {@code .partial}, the newest
     * file stays instead, for the receiver to find where to go on from.
     */
    private Batch streamingBatch() throws IOException {
        Path streaming = layout.streamingDirectory();
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(streaming)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(streaming)) {
                for (Path f : files) {
                    String name = f.getFileName().toString();
                    // As Barman's glob: names starting with a dot are not looked at; .tmp files are not ours yet.
                    if (!name.startsWith(".") && !name.endsWith(".tmp")) {
                        names.add(name);
                    }
                }
            }
        }
        return streamingBatch(streaming, names);
    }

    /** The batch of {@code streaming/} from its file names (the rule above; pure but for the type of each file). */
    static Batch streamingBatch(Path streaming, List<String> names) throws IOException {
        List<String> sorted = new ArrayList<>(names);
        sorted.sort(null);
        List<Path> wals = new ArrayList<>();
        List<Path> partials = new ArrayList<>();
        List<Path> unknown = new ArrayList<>();
        for (String name : sorted) {
            Path f = streaming.resolve(name);
            if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                continue; // renamed by the receiver meanwhile
            }
            if (WalName.isPartial(name) && Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                partials.add(f);
            } else {
                (archivable(f, name) ? wals : unknown).add(f);
            }
        }
        if (partials.size() > 1) {
            wals.addAll(partials.subList(0, partials.size() - 1));
        } else if (partials.isEmpty() && !wals.isEmpty()) {
            wals.remove(wals.size() - 1);
        }
        return new Batch("streaming", streaming, wals, unknown, Option.STREAMING_ARCHIVER_BATCH_SIZE);
    }

    private List<String> archiveBatch(Batch batch, boolean verbose) throws IOException {
        List<Path> wals = batch.wals();
        List<Path> unknown = batch.unknown();
        Integer batchSize = server.integer(batch.batchSize());
        int runSize = batchSize == null || batchSize <= 0 ? wals.size() : Math.min(batchSize, wals.size());
        String header = "Processing xlog segments from " + batch.source() + " for " + server.name()
                + (runSize < wals.size() ? " (batch size: " + runSize + ")" : "");
        if (verbose) {
            events.info(header);
        }
        String stamp = Durable.errorStamp();
        List<String> archived = new ArrayList<>();
        XlogDb xlogDb = layout.xlogDb();
        // As Barman, xlog.db stays locked for the whole batch; each file's line is appended once it is stored.
        boolean hooks = HookScript.any(server, "archive");
        try (LockFile xlogDbLock = runSize == 0 ? null
                : LockFile.acquire(LockFile.of(server.lockDirectory(), server.name(), "xlogdb"))) {
            for (Path file : wals.subList(0, runSize)) {
                if (archived.isEmpty() && !verbose) {
                    events.info(header);
                }
                String name = file.getFileName().toString();
                events.info("\t" + name);
                archived.add(name);
                Path target = layout.walPath(name);
                if (Files.exists(target)) {
                    if (sameContent(file, target)) {
                        Files.delete(file);
                    } else {
                        events.info("\tError: " + name + " is already present in server " + server.name()
                                + ". File moved to errors directory.");
                        moveToErrors(file, name + "." + stamp + ".duplicate");
                    }
                    continue;
                }
                if (!hooks) {
                    xlogDb.append(List.of(store(file, target, xlogDb.fiveColumns())));
                    Files.deleteIfExists(file);
                    continue;
                }
                WalFileEntry incomingEntry = WalFileEntry.of(name, file, Compression.detect(file), false);
                try {
                    HookScript.pre(server, "archive", h -> h.wal(name, file, incomingEntry.size(),
                            incomingEntry.time(), incomingEntry.compression(), null), events);
                } catch (HookScript.Aborted stop) {
                    // As Barman: this file and the rest of the batch wait for the next run.
                    events.warning("Archiving of " + server.name() + "/" + name + " aborted by "
                            + "pre_archive_retry_script. Reason: " + stop.getMessage());
                    archived.remove(name);
                    break;
                }
                WalFileEntry stored = null;
                String error = null;
                try {
                    stored = store(file, target, xlogDb.fiveColumns());
                    xlogDb.append(List.of(stored));
                    Files.deleteIfExists(file);
                } catch (IOException | RuntimeException e) {
                    error = e.getMessage();
                    throw e;
                } finally {
                    WalFileEntry shown = stored != null ? stored : incomingEntry;
                    String failure = error;
                    HookScript.post(server, "archive", h -> h.wal(name, target, shown.size(), shown.time(),
                            shown.compression(), failure), events);
                }
            }
        }
        if (archived.isEmpty() && verbose) {
            events.info("\tno file found");
        }
        if (!unknown.isEmpty()) {
            events.info("Some unknown objects have been found while processing xlog segments for " + server.name()
                    + ". Objects moved to errors directory:");
            for (Path f : unknown) {
                events.info("\t" + f.getFileName());
                moveToErrors(f, f.getFileName() + "." + stamp + ".unknown");
            }
        }
        if (!archived.isEmpty() || !unknown.isEmpty()) {
            Durable.syncFolder(batch.folder());
        }
        return archived;
    }

    /**
     * A WAL file name, a regular file (not a symbolic link, whose target could be anything), and for a segment, a
     * plausible size: anything else goes to errors/ rather than into the archive.
     */
    private static boolean archivable(Path file, String name) throws IOException {
        if (!WalName.isAny(name) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        return !WalName.isSegment(name) || WalName.isSegmentSize(Files.size(file)) || Compression.detect(file) != null;
    }

    /** Puts the file in the archive (compressed as configured unless it already is) durably; returns its entry. */
    private WalFileEntry store(Path file, Path target, boolean fiveColumns) throws IOException {
        Path folder = target.getParent();
        boolean newFolder = !Files.isDirectory(folder);
        Files.createDirectories(folder);
        String configured = server.string(Option.COMPRESSION);
        String already = Compression.detect(file);
        Path temp = folder.resolve(target.getFileName() + ".tmp");
        String compression;
        if (configured != null && !configured.equals("none") && already == null && Compression.supported(configured)) {
            Compression.compress(configured, file, temp);
            Files.setLastModifiedTime(temp, Files.getLastModifiedTime(file));
            compression = configured;
            Durable.syncFile(temp);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } else {
            compression = already;
            try {
                // One atomic rename: after a crash the file is either still in incoming/ or archived.
                Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
                Durable.syncFile(target);
            } catch (AtomicMoveNotSupportedException e) {
                Files.copy(file, temp, StandardCopyOption.COPY_ATTRIBUTES, StandardCopyOption.REPLACE_EXISTING);
                Durable.syncFile(temp);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Durable.syncFolder(folder);
        if (newFolder) {
            Durable.syncFolder(layout.walsDirectory());
        }
        return WalFileEntry.of(target.getFileName().toString(), target, compression, fiveColumns);
    }

    private void moveToErrors(Path file, String errorName) throws IOException {
        Path errors = layout.errorsDirectory();
        Files.createDirectories(errors);
        Files.move(file, errors.resolve(errorName), StandardCopyOption.ATOMIC_MOVE);
        Durable.syncFolder(errors);
    }

    /** Compares the uncompressed contents of two WAL files. */
    static boolean sameContent(Path a, Path b) throws IOException {
        return Arrays.equals(digest(a), digest(b));
    }

    private static byte[] digest(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), md)) {
            Compression.decompress(Compression.detect(file), file, sink);
        }
        return md.digest();
    }

}
