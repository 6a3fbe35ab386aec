package org.barmanj.walarchive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;


/**
 * {@code barman-wal-archive BARMAN_HOST SERVER_NAME WAL_PATH}: PostgreSQL's {@code archive_command}.
 * Streams the WAL file to {@code barman put-wal SERVER_NAME} on the backup host over ssh, in Barman's tar
 * format, so it works with Barman's own put-wal too. Exit 0 only when the backup host has stored it.
 *
 * <p>Two things make a burst of WAL fast. Connection sharing: consecutive calls reuse one ssh connection
 * ({@code --no-ssh-reuse} turns it off). Look-ahead: the files PostgreSQL has already marked ready in
 * {@code archive_status} go in the same stream (up to {@code --look-ahead N}, 0 turns it off); once the
 * backup host has confirmed them they are marked done, as PostgreSQL does after a successful archive_command,
 * so PostgreSQL does not send them again.
 */
public final class WalArchive extends Client {
    static final int DEFAULT_LOOK_AHEAD = 64;
    int lookAhead = DEFAULT_LOOK_AHEAD;
    /** The digest of the checksum member: SHA-256 as Barman 3.12+'s client, MD5 with {@code --md5}. */
    String checksum = "SHA-256";
    /** Barman 3.12+'s client-side compression ({@code -z}, {@code -j}, ...), or null. */
    String compression;
    String compressionLevel;
    String host;
    String server;
    String walPath;

    WalArchive(PrintStream out, PrintStream err) {
        super(out, err);
    }

    @Override
    String program() {
        return "barman-wal-archive";
    }

    @Override
    String summary() {
        return "PostgreSQL's archive_command: sends WAL_PATH to 'barman put-wal SERVER_NAME' on BARMAN_HOST over ssh.";
    }

    @Override
    List<Opt> ownOptions() {
        return List.of(
                Opt.flag("send MD5 checksums instead of SHA-256 (for Barman servers before 3.12)",
                        () -> checksum = "MD5", "--md5"),
                Opt.flag("compress with gzip before sending", () -> compression = "gzip", "-z", "--gzip")
                        .inGroup("compression"),
                Opt.flag("compress with bzip2 before sending", () -> compression = "bzip2", "-j", "--bzip2")
                        .inGroup("compression"),
                Opt.flag("compress with xz before sending (Barman 3.4 does not recognise it)",
                        () -> compression = "xz", "--xz").inGroup("compression"),
                Opt.flag("compress with zstd before sending (Barman 3.4 does not recognise it)",
                        () -> compression = "zstd", "--zstd").inGroup("compression"),
                Opt.flag("compress with lz4 before sending (Barman 3.4 does not recognise it)",
                        () -> compression = "lz4", "--lz4").inGroup("compression"),
                Opt.value("LEVEL", "the compressor's level (a number)",
                        v -> compressionLevel = String.valueOf(Integer.parseInt(v)), "--compression-level"),
                Opt.value("N", "also send up to N files PostgreSQL has marked ready (default " + DEFAULT_LOOK_AHEAD
                        + ", 0: off)", v -> lookAhead = Integer.parseInt(v), "--look-ahead"));
    }

    @Override
    List<Positional> positionals() {
        return List.of(new Positional("BARMAN_HOST", "the backup host, as ssh reaches it"),
                new Positional("SERVER_NAME", "the server's name in the backup host's Barman configuration"),
                new Positional("WAL_PATH", "the WAL file to send: archive_command's %p"));
    }

    @Override
    void positional(List<String> values) {
        host = values.get(0);
        server = values.get(1);
        walPath = values.get(2);
    }

    public static void main(String[] args) {
        System.exit(new WalArchive(System.out, System.err).run(args));
    }

    @Override
    List<String> testCommand() {
        return remoteCommand();
    }

    @Override
    int execute() {
        Path wal = Path.of(walPath);
        if (Files.isDirectory(wal)) {
            return error("WAL_PATH cannot be a directory: " + walPath, 2);
        }
        // Checked before ssh starts: the backup host is not contacted for a file that cannot be sent.
        try {
            FileChannel.open(wal, StandardOpenOption.READ).close();
        } catch (NoSuchFileException e) {
            return error("WAL_PATH does not exist: " + walPath, 2);
        } catch (java.nio.file.AccessDeniedException e) {
            return error("Cannot read WAL_PATH " + walPath + ": permission denied", 2);
        } catch (IOException e) {
            return error("Cannot read WAL_PATH " + walPath + ": " + e.getMessage(), 2);
        }
        List<Path> files = new ArrayList<>();
        files.add(wal);
        List<Path> extra = ArchiveStatus.readyAfter(wal, lookAhead);
        files.addAll(extra);
        Sent sent = send(files, checksum);
        if (sent.oldServer() && !checksum.equals("MD5")) {
            // A Barman server before 3.12 only knows MD5SUMS; it stored nothing, so sending again is safe.
            err.println("WARNING: the Barman server does not accept SHA256SUMS (Barman before 3.12): "
                    + "sending MD5SUMS instead; add --md5 to the archive_command to avoid sending twice");
            sent = send(files, "MD5");
        }
        int code = sent.code();
        if (code == 0) {
            ArchiveStatus.markDone(extra);
        }
        return code;
    }

    private List<String> remoteCommand() {
        List<String> remote = new ArrayList<>(List.of("barman"));
        if (config != null) {
            remote.add("--config=" + config);
        }
        remote.add("put-wal");
        remote.add(server);
        if (test) {
            remote.add("--test");
        }
        return ssh(host, remote);
    }

    /** The exit code of one attempt, and whether put-wal failed for want of an MD5 checksum (Barman before 3.12). */
    private record Sent(int code, boolean oldServer) {
    }

    private Sent send(List<Path> files, String algorithm) {
        Process ssh;
        try {
            ssh = new ProcessBuilder(remoteCommand()).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            return new Sent(error("Error executing ssh: " + e.getMessage(), 2), false);
        }
        RemoteErrors remoteErrors = new RemoteErrors(ssh.getErrorStream(), err);
        String localError = null;
        try (OutputStream stdin = ssh.getOutputStream()) {
            TarWriter tar = new TarWriter(stdin, algorithm);
            for (Path f : files) {
                FileTime mtime = Files.getLastModifiedTime(f);
                if (compression != null) {
                    byte[] packed = compress(f);
                    tar.add(f.getFileName().toString(), packed.length, mode(f), seconds(mtime),
                            new java.io.ByteArrayInputStream(packed));
                    continue;
                }
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
                     InputStream in = java.nio.channels.Channels.newInputStream(ch)) {
                    tar.add(f.getFileName().toString(), ch.size(), mode(f), seconds(mtime), new Guarded(in));
                }
            }
            tar.finish();
        } catch (LocalReadException | java.io.EOFException e) {
            // Closing stdin without the end-of-archive blocks makes put-wal refuse the stream.
            localError = e.getMessage();
        } catch (NoSuchFileException e) {
            localError = "WAL file not found: " + e.getFile();
        } catch (IOException e) {
            // The remote end stopped reading: its exit code below says why.
        }
        int code;
        try {
            code = ssh.waitFor();
            remoteErrors.join();
        } catch (InterruptedException e) {
            ssh.destroy();
            return new Sent(error("SIGINT received! Terminating.", 2), false);
        }
        if (localError != null) {
            err.println("ERROR: Cannot send " + walPath + ": " + localError);
        }
        if (code == 0) {
            return new Sent(localError == null ? 0 : 2, false);
        }
        if (code == 255) {
            return new Sent(error("Connection problem with ssh", 3), false);
        }
        if (remoteErrors.missingChecksum && localError == null && !algorithm.equals("MD5")) {
            return new Sent(code, true);
        }
        return new Sent(error("Remote 'barman put-wal' command has failed!", code), false);
    }

    /**
     * Passes the remote's stderr on to ours, line by line, noting Barman's {@code Missing checksum for file}:
     * what a server before 3.12 answers to a {@code SHA256SUMS} stream.
     */
    private static final class RemoteErrors extends Thread {
        private final InputStream remote;
        private final PrintStream err;
        volatile boolean missingChecksum;

        RemoteErrors(InputStream remote, PrintStream err) {
            super("remote-stderr");
            this.remote = remote;
            this.err = err;
            setDaemon(true);
            start();
        }

        @Override
        public void run() {
            try (java.io.BufferedReader lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(remote, java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.contains("Missing checksum for file")) {
                        missingChecksum = true;
                    }
                    err.println(line);
                }
            } catch (IOException e) {
                // The remote closed its stderr: nothing more to pass on.
            }
        }
    }

    /**
     * The compressed content of a WAL file (the tar header needs its size first): gzip in-process, the others
     * through their commands.
     */
    private byte[] compress(Path file) throws LocalReadException {
        try {
            if (compression.equals("gzip")) {
                java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
                int level = compressionLevel == null ? java.util.zip.Deflater.DEFAULT_COMPRESSION
                        : Integer.parseInt(compressionLevel);
                try (OutputStream gzip = new java.util.zip.GZIPOutputStream(buffer, 1 << 16) {
                    {
                        def.setLevel(level);
                    }
                }) {
                    Files.copy(file, gzip);
                }
                return buffer.toByteArray();
            }
            List<String> command = new ArrayList<>(List.of(compression, "-c", "-q"));
            if (compressionLevel != null) {
                command.add("-" + compressionLevel);
            }
            Process p = new ProcessBuilder(command).redirectInput(file.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            byte[] packed = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IOException("'" + String.join(" ", command) + "' failed");
            }
            return packed;
        } catch (IOException e) {
            throw new LocalReadException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalReadException(new IOException("interrupted"));
        }
    }

    /** A failure reading a WAL file, as opposed to writing to ssh. */
    private static final class LocalReadException extends IOException {
        LocalReadException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Marks read failures so that they are not mistaken for a closed connection. */
    private static final class Guarded extends java.io.FilterInputStream {
        Guarded(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new LocalReadException(e);
            }
        }
    }

    private static int mode(Path f) {
        try {
            int mode = 0;
            for (PosixFilePermission p : Files.getPosixFilePermissions(f)) {
                mode |= 1 << (8 - p.ordinal());
            }
            return mode;
        } catch (IOException | UnsupportedOperationException e) {
            return 0600;
        }
    }

    /** The mtime as Python's {@code os.stat().st_mtime} float would print it (seconds with a fraction). */
    static BigDecimal seconds(FileTime t) {
        java.time.Instant i = t.toInstant();
        double d = i.getEpochSecond() + i.getNano() * 1e-9;
        return new BigDecimal(Double.toString(d));
    }

    private int error(String message, int code) {
        err.println("ERROR: " + message);
        return code;
    }

}
