package org.barmanj.core.wal;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.compat.Printable;
import org.barmanj.core.compression.Compression;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.fs.Durable;
import org.barmanj.core.fs.IoReason;
import org.barmanj.core.fs.UncachedWriter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code barman put-wal}: receives WAL files as a tar stream (barman-wal-archive's format) into the server's
 * {@code incoming} folder. Nothing is stored under its real name until the whole stream has arrived, every
 * checksum matches and the file is fsync'd; any problem removes what was written and fails the command, so
 * PostgreSQL keeps the WAL and tries again.
 */
public final class PutWal {
    /** What a successful put-wal did; {@code messages} are Barman's info lines (duplicates moved aside). */
    public record Result(List<String> stored, List<String> alreadyThere, List<String> messages) {
    }

    /** A file written to its temporary name, with the digest computed while it arrived. */
    private record Received(String name, Path temp, String algorithm, String digest,
                            java.util.concurrent.Future<?> synced) {
    }

    /**
     * The PAX keyword with which our barman-wal-archive announces the digest of the checksum member that ends
     * the stream, so that digest is computed while each file streams in. Without it (Barman's clients), MD5:
     * Barman's clients before 3.12 send only that.
     */
    private static final String CHECKSUM_HINT = "BARMANJ.checksum";
    private static final Pattern TEMPORARY = Pattern.compile("\\.([0-9]+)-(.+)");

    private PutWal() {
    }

    /**
     * Reads the stream and stores its files. {@code source} is appended to messages (Barman's
     * {@code " (SSH host: <ip>)"}, or empty).
     */
    public static Result receive(ServerConfig server, InputStream stream, String source) {
        CatalogLayout layout = new CatalogLayout(server);
        Path incoming = layout.incomingDirectory();
        String where = " in put-wal for server '" + server.name() + "'" + source;
        Map<String, Received> files = new LinkedHashMap<>();
        List<Path> temps = new ArrayList<>();
        Map<String, String> sums = new LinkedHashMap<>();
        String algorithm = "MD5";
        // fsync of each file overlaps with receiving the next one; all are waited for before anything is renamed.
        java.util.concurrent.ExecutorService syncer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "put-wal-fsync");
            t.setDaemon(true);
            return t;
        });
        try (UncachedWriter writer = new UncachedWriter()) {
            Files.createDirectories(incoming);
            TarReader tar = new TarReader(new java.io.BufferedInputStream(stream, 1 << 20));
            for (TarReader.Entry e = tar.next(); e != null; e = tar.next()) {
                String name = e.name().startsWith("./") ? e.name().substring(2) : e.name();
                if (!e.regularFile()) {
                    throw fail("Unsupported file type '" + e.type() + "' for file '" + name + "'" + where);
                }
                if (name.contains("/") || name.isEmpty() || name.startsWith(".")) {
                    throw fail("Unsupported filename '" + name + "'" + where);
                }
                if (name.equals("MD5SUMS") || name.equals("SHA256SUMS")) {
                    algorithm = name.equals("MD5SUMS") ? "MD5" : "SHA-256";
                    readSums(tar.content(), sums);
                    continue;
                }
                if (!WalName.isAny(name)) {
                    throw fail("Unsupported filename '" + name + "'" + where + ": not a WAL file name "
                            + "(segment, .history, .backup or .partial)");
                }
                Path temp = incoming.resolve(temporaryName(name));
                temps.add(temp);
                String streamed = "SHA-256".equals(e.pax().get(CHECKSUM_HINT)) ? "SHA-256" : "MD5";
                String digest = extract(tar.content(), temp, e.mtime(), writer, streamed);
                // Barman's clients may compress (--gzip, --bzip2...): only a file sent as it is has a segment's size.
                if (WalName.isSegment(name) && !WalName.isSegmentSize(e.size()) && Compression.detect(temp) == null) {
                    throw fail("Unsupported file '" + name + "'" + where + ": " + e.size() + " bytes is not the size "
                            + "of a WAL segment (a power of two from 1 MiB to 1 GiB)");
                }
                files.put(name, new Received(name, temp, streamed, digest, syncer.submit(() -> {
                    Durable.syncFile(temp);
                    return null;
                })));
            }
            verify(files, sums, algorithm, where);
            for (Received r : files.values()) {
                waitSynced(r);
            }
            return commit(layout, files, server.name());
        } catch (IOException e) {
            throw fail("Cannot receive WAL files" + where + ": " + IoReason.withFile(e));
        } finally {
            syncer.shutdownNow();
            for (Path temp : temps) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // Best effort: a leftover dot-file is ignored by the archiver.
                }
            }
        }
    }

    /** Where a file is received before it is complete: {@code .<pid>-<name>} in {@code incoming/}. */
    private static String temporaryName(String name) {
        return "." + ProcessHandle.current().pid() + "-" + name;
    }

    /**
     * A file of {@code incoming/} that a put-wal was receiving when it died ({@code kill -9}, a cut connection that
     * killed the JVM): its process is gone, so nothing will ever complete or remove it.
     */
    public static boolean isOrphanedTemporary(Path file) {
        Matcher m = TEMPORARY.matcher(file.getFileName().toString());
        if (!m.matches() || m.group(1).length() > 18) {
            return false;
        }
        return ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty();
    }

    private static void waitSynced(Received r) throws IOException {
        try {
            r.synced().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while syncing " + r.temp());
        }
    }

    private static String extract(InputStream content, Path temp, Instant mtime, UncachedWriter writer,
                                  String algorithm) throws IOException {
        MessageDigest digest = digest(algorithm);
        writer.copy(content, temp, digest);
        Files.setLastModifiedTime(temp, FileTime.from(mtime));
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Barman's checksum lines: {@code <hex> *<name>} or {@code <hex>  <name>}. */
    private static void readSums(InputStream content, Map<String, String> sums) throws IOException {
        String text = new String(content.readAllBytes(), StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            line = line.stripTrailing();
            int sep = line.indexOf(' ');
            if (sep <= 0 || sep + 1 >= line.length() || (line.charAt(sep + 1) != '*' && line.charAt(sep + 1) != ' ')) {
                continue;
            }
            String path = line.substring(sep + 2);
            sums.put(path.startsWith("./") ? path.substring(2) : path, line.substring(0, sep));
        }
    }

    private static void verify(Map<String, Received> files, Map<String, String> sums, String algorithm, String where)
            throws IOException {
        for (String name : sums.keySet()) {
            if (!files.containsKey(name)) {
                throw fail("Checksum without corresponding file '" + name + "'" + where);
            }
        }
        for (Received r : files.values()) {
            String expected = sums.get(r.name());
            if (expected == null) {
                throw fail("Missing checksum for file '" + r.name() + "'" + where);
            }
            String actual = algorithm.equals(r.algorithm()) ? r.digest() : hash(r.temp(), algorithm);
            if (!actual.equalsIgnoreCase(expected)) {
                throw fail("Bad file checksum '" + actual + "' (should be " + expected + ") for file '"
                        + r.name() + "'" + where);
            }
        }
    }

    private static Result commit(CatalogLayout layout, Map<String, Received> files, String serverName)
            throws IOException {
        Path incoming = layout.incomingDirectory();
        List<String> stored = new ArrayList<>();
        List<String> already = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        boolean movedToErrors = false;
        for (Received r : files.values()) {
            Path target = incoming.resolve(r.name());
            if (Files.exists(target)) {
                String existing = hash(target, r.algorithm());
                if (existing.equals(r.digest())) {
                    already.add(r.name());
                    continue;
                }
                Path errors = layout.errorsDirectory();
                Files.createDirectories(errors);
                Files.move(r.temp(), errors.resolve(r.name() + "." + Durable.errorStamp() + ".duplicate"),
                        StandardCopyOption.ATOMIC_MOVE);
                movedToErrors = true;
                messages.add("\tError: Duplicate Files Detected with Mismatched Checksums. File " + r.name()
                        + " already exists on server " + serverName
                        + " with checksum " + existing + ", but the checksum of the incoming file is " + r.digest()
                        + ". The file has been moved to the errors directory.");
                continue;
            }
            Files.move(r.temp(), target, StandardCopyOption.ATOMIC_MOVE);
            stored.add(r.name());
        }
        Durable.syncFolder(incoming);
        if (movedToErrors) {
            Durable.syncFolder(layout.errorsDirectory());
        }
        return new Result(stored, already, messages);
    }

    static String hash(Path file, String algorithm) throws IOException {
        MessageDigest d = digest(algorithm);
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), d)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The names in the message come from the stream: shown without their control characters. */
    private static BarmanException fail(String message) {
        return new BarmanException(ErrorCode.PUT_WAL, Printable.of(message));
    }
}
