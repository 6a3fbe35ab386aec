package org.barmanj.walarchive;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import java.util.regex.Pattern;

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
public final class WalArchive {
    static final int DEFAULT_LOOK_AHEAD = 64;
    private static final Pattern WAL_NAME = Pattern.compile(
            "[0-9A-F]{24}|[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup|[0-9A-F]{24}\\.partial|[0-9A-F]{8}\\.history");
    private static final String USAGE = "usage: barman-wal-archive [-h] [-V] [-U USER] [--port PORT] [-c CONFIG] "
            + "[-t] [--md5] [--look-ahead N] [--no-ssh-reuse] BARMAN_HOST SERVER_NAME WAL_PATH";

    private final PrintStream out;
    private final PrintStream err;
    String user = "barman";
    String port;
    String config;
    boolean test;
    int lookAhead = DEFAULT_LOOK_AHEAD;
    boolean reuse = true;
    String host;
    String server;
    String walPath;

    WalArchive(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new WalArchive(System.out, System.err).run(args));
    }

    int run(String[] args) {
        Integer usage = parse(args);
        if (usage != null) {
            return usage;
        }
        if (test) {
            return test();
        }
        Path wal = Path.of(walPath);
        if (Files.isDirectory(wal)) {
            return error("WAL_PATH cannot be a directory: " + walPath, 2);
        }
        List<Path> files = new ArrayList<>();
        files.add(wal);
        List<Path> extra = readyAfter(wal);
        files.addAll(extra);
        int code = send(files);
        if (code == 0) {
            markDone(wal, extra);
        }
        return code;
    }

    /** Parses Barman's options (and ours); returns an exit code when the process should stop. */
    private Integer parse(String[] args) {
        boolean[] help = new boolean[1];
        boolean[] version = new boolean[1];
        Map<String, Args.Spec> options = new LinkedHashMap<>();
        options.put("-h", Args.Spec.flag(() -> help[0] = true));
        options.put("--help", options.get("-h"));
        options.put("-V", Args.Spec.flag(() -> version[0] = true));
        options.put("--version", options.get("-V"));
        options.put("-U", Args.Spec.value(v -> user = v));
        options.put("--user", options.get("-U"));
        options.put("--port", Args.Spec.value(v -> port = v));
        options.put("-c", Args.Spec.value(v -> config = v));
        options.put("--config", options.get("-c"));
        options.put("-t", Args.Spec.flag(() -> test = true));
        options.put("--test", options.get("-t"));
        options.put("--md5", Args.Spec.flag(() -> { }));
        options.put("--look-ahead", Args.Spec.value(v -> lookAhead = Integer.parseInt(v)));
        options.put("--no-ssh-reuse", Args.Spec.flag(() -> reuse = false));
        List<String> positional;
        try {
            positional = Args.parse(args, options, "BARMAN_HOST", "SERVER_NAME", "WAL_PATH");
        } catch (Args.UsageException e) {
            if (!help[0] && !version[0]) {
                return usage(e.getMessage());
            }
            positional = null;
        }
        if (help[0]) {
            out.println(USAGE);
            out.println();
            out.println("PostgreSQL's archive_command: sends WAL_PATH to 'barman put-wal SERVER_NAME' on "
                    + "BARMAN_HOST over ssh.");
            out.println("  -U, --user USER     ssh user on the Barman host (default: barman)");
            out.println("  --port PORT         ssh port");
            out.println("  -c, --config CONFIG barman configuration file on the Barman host");
            out.println("  -t, --test          check the connection and the server configuration only");
            out.println("  --md5               send MD5 checksums (always done; accepted for compatibility)");
            out.println("  --look-ahead N      also send up to N files PostgreSQL has marked ready "
                    + "(default " + DEFAULT_LOOK_AHEAD + ", 0: off)");
            out.println("  --no-ssh-reuse      open a new ssh connection for every call");
            out.println("  -V, --version       show the version and exit");
            return 0;
        }
        if (version[0]) {
            out.println(Version.line("barman-wal-archive"));
            return 0;
        }
        host = positional.get(0);
        server = positional.get(1);
        walPath = positional.get(2);
        return null;
    }

    private int usage(String message) {
        err.println(USAGE);
        err.println("barman-wal-archive: error: " + message);
        return 2;
    }

    private List<String> remoteCommand() {
        List<String> remote = new ArrayList<>(List.of("barman"));
        if (config != null) {
            remote.add("--config='" + config + "'");
        }
        remote.add("put-wal");
        remote.add(server);
        if (test) {
            remote.add("--test");
        }
        return Ssh.command(user, host, port, reuse, remote);
    }

    /** {@code --test}: the remote's answer, as Barman prints it (its output plus a newline), and its exit code. */
    private int test() {
        try {
            Process p = new ProcessBuilder(remoteCommand()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] output = p.getInputStream().readAllBytes();
            int code = p.waitFor();
            out.println(new String(output, java.nio.charset.StandardCharsets.UTF_8));
            return code;
        } catch (IOException e) {
            return error("Error executing ssh: " + e.getMessage(), 2);
        } catch (InterruptedException e) {
            return error("SIGINT received! Terminating.", 2);
        }
    }

    /** The other WAL files PostgreSQL has marked ready, in name order, at most {@code lookAhead} of them. */
    private List<Path> readyAfter(Path wal) {
        List<Path> extra = new ArrayList<>();
        Path folder = wal.toAbsolutePath().getParent();
        Path status = folder.resolve("archive_status");
        if (lookAhead <= 0 || !Files.isDirectory(status)) {
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
        for (String name : names.subList(0, Math.min(lookAhead, names.size()))) {
            extra.add(folder.resolve(name));
        }
        return extra;
    }

    private int send(List<Path> files) {
        Process ssh;
        try {
            ssh = new ProcessBuilder(remoteCommand()).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            return error("Error executing ssh: " + e.getMessage(), 2);
        }
        String localError = null;
        try (OutputStream stdin = ssh.getOutputStream()) {
            TarWriter tar = new TarWriter(stdin);
            for (Path f : files) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
                     InputStream in = java.nio.channels.Channels.newInputStream(ch)) {
                    FileTime mtime = Files.getLastModifiedTime(f);
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
        } catch (InterruptedException e) {
            ssh.destroy();
            return error("SIGINT received! Terminating.", 2);
        }
        if (localError != null) {
            err.println("ERROR: Cannot send " + walPath + ": " + localError);
        }
        if (code == 0) {
            return localError == null ? 0 : 2;
        }
        if (code == 255) {
            return error("Connection problem with ssh", 3);
        }
        return error("Remote 'barman put-wal' command has failed!", code);
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

    /** Marks the extra files archived, as PostgreSQL does after archive_command succeeds. */
    private void markDone(Path wal, List<Path> extra) {
        if (extra.isEmpty()) {
            return;
        }
        Path status = wal.toAbsolutePath().getParent().resolve("archive_status");
        for (Path f : extra) {
            String name = f.getFileName().toString();
            try {
                Files.move(status.resolve(name + ".ready"), status.resolve(name + ".done"),
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException | AtomicMoveNotSupportedException e) {
                // PostgreSQL archived or removed it meanwhile: nothing to mark.
            } catch (IOException e) {
                // Still .ready: PostgreSQL will send it again, and Barman accepts an identical copy.
            }
        }
        try (FileChannel dir = FileChannel.open(status, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Without the sync a crash may bring .ready back: the file is then sent again, harmlessly.
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
