package org.barmanj.walarchive;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * {@code barman-wal-restore BARMAN_HOST SERVER_NAME WAL_NAME WAL_DEST}: PostgreSQL's {@code restore_command}.
 * Fetches the WAL file with {@code barman get-wal} over ssh; with {@code --parallel N} it also prefetches the
 * next segments into a private spool folder ({@link Spool}), from which later calls with {@code --parallel} are
 * served. A WAL that is not in the archive exits 1, which PostgreSQL takes as "not there".
 */
public final class WalRestore extends Client {
    /** The names Barman's get-wal serves: a segment, a .backup or .partial of one, a timeline's .history. */
    private static final Pattern WAL_NAME = Pattern.compile(
            "[0-9A-Fa-f]{8}(?:[0-9A-Fa-f]{16}(?:\\.[0-9A-Fa-f]{8}\\.backup|\\.partial)?|\\.history)");
    int sleep;
    int parallel;
    static final String DEFAULT_SPOOL = "/var/tmp/walrestore";
    String spoolDir = DEFAULT_SPOOL;
    boolean partial;
    String compression;
    String host;
    String server;
    String walName;
    String walDest;

    WalRestore(PrintStream out, PrintStream err) {
        super(out, err);
    }

    @Override
    String program() {
        return "barman-wal-restore";
    }

    @Override
    String summary() {
        return "PostgreSQL's restore_command: fetches WAL_NAME from 'barman get-wal SERVER_NAME' on BARMAN_HOST "
                + "over ssh into WAL_DEST.";
    }

    @Override
    List<Opt> ownOptions() {
        return List.of(
                Opt.value("SECONDS", "sleep this long after a failure (default: 0)",
                        v -> sleep = Integer.parseInt(v), "-s", "--sleep"),
                Opt.value("JOBS", "also prefetch up to JOBS following WAL files into the spool",
                        v -> parallel = Integer.parseInt(v), "-p", "--parallel"),
                Opt.value("SPOOL_DIR", "the prefetch folder of --parallel, private to the user (default: "
                        + DEFAULT_SPOOL + ")", v -> spoolDir = v, "--spool-dir"),
                Opt.flag("also retrieve .partial files", () -> partial = true, "-P", "--partial"),
                Opt.flag("transfer the WAL compressed with gzip", () -> compression = "gzip", "-z", "--gzip")
                        .inGroup("compression"),
                Opt.flag("transfer the WAL compressed with bzip2", () -> compression = "bzip2", "-j", "--bzip2")
                        .inGroup("compression"));
    }

    @Override
    List<Positional> positionals() {
        return List.of(new Positional("BARMAN_HOST", "the backup host, as ssh reaches it"),
                new Positional("SERVER_NAME", "the server's name in the backup host's Barman configuration"),
                new Positional("WAL_NAME", "the WAL file to fetch: restore_command's %f"),
                new Positional("WAL_DEST", "where to write it: restore_command's %p"));
    }

    @Override
    void positional(List<String> values) {
        host = values.get(0);
        server = values.get(1);
        walName = values.get(2);
        walDest = values.get(3);
    }

    public static void main(String[] args) {
        System.exit(new WalRestore(System.out, System.err).run(args));
    }

    @Override
    List<String> testCommand() {
        return ssh("dummy_wal_name", false);
    }

    @Override
    int execute() {
        // Before anything is touched: the name becomes a path in the spool and a word of the remote command.
        if (!WAL_NAME.matcher(walName).matches()) {
            return fail("WAL_NAME '" + walName + "' is not a WAL file name (a segment, .history, .backup or "
                    + ".partial file name)", 3, false);
        }
        Spool spool = null;
        if (parallel > 0) {
            try {
                spool = Spool.open(Path.of(spoolDir));
            } catch (Spool.RefusedException e) {
                return fail(e.getMessage(), 2, false);
            }
        }
        Path dest = Path.of(walDest);
        if (Files.isDirectory(dest)) {
            return fail("WAL_DEST cannot be a directory: " + walDest, 3, false);
        }
        try (OutputStream probe = Files.newOutputStream(dest)) {
            probe.flush();
        } catch (IOException e) {
            return fail("Cannot open '" + walDest + "' (WAL_DEST) for writing: " + e.getMessage(), 3, false);
        }
        List<String> prefetch = new ArrayList<>();
        if (spool != null) {
            try {
                if (spool.take(walName, dest)) {
                    return 0;
                }
            } catch (IOException e) {
                return fail("Failure copying " + spool.folder.resolve(walName) + " to " + walDest + ": "
                        + e.getMessage(), 2, false);
            }
            List<String> peeked = peek();
            if (peeked.isEmpty() || !peeked.get(0).equals(walName)) {
                return fail("The required file is not available: " + walName, 2, false);
            }
            prefetch = peeked.subList(1, peeked.size());
        }
        List<Process> spoolers = new ArrayList<>();
        List<String> spooled = new ArrayList<>();
        for (String name : prefetch) {
            try {
                spoolers.add(new ProcessBuilder(ssh(name, false)).redirectOutput(spool.temporary(name).toFile())
                        .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(devNull()).start());
                spooled.add(name);
            } catch (IOException e) {
                // A prefetch is an optimisation: PostgreSQL will ask for that file again.
            }
        }
        int code;
        try {
            code = fetch(walName, dest);
        } catch (IOException e) {
            code = -1;
            err.println("ERROR: Error executing \"ssh\": " + e.getMessage());
        }
        for (int i = 0; i < spoolers.size(); i++) {
            String name = spooled.get(i);
            try {
                if (spoolers.get(i).waitFor() == 0) {
                    spool.complete(name);
                } else {
                    Files.deleteIfExists(spool.temporary(name));
                }
            } catch (IOException | InterruptedException e) {
                spool.temporary(name).toFile().delete();
            }
        }
        if (code == 0) {
            return 0;
        }
        if (code == -1) {
            return sleepThen(2);
        }
        if (code == 255) {
            return fail("Connection problem with ssh", 2, true);
        }
        return fail("Remote 'barman get-wal' command has failed!", code, true);
    }

    /** Fetches one WAL file into {@code dest}, decompressing locally when the server compressed it for us. */
    private int fetch(String name, Path dest) throws IOException {
        if (compression == null) {
            Process p = new ProcessBuilder(ssh(name, false)).redirectOutput(dest.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).redirectInput(devNull()).start();
            return waitFor(p);
        }
        Process p = new ProcessBuilder(ssh(name, false)).redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(devNull()).start();
        try (InputStream raw = p.getInputStream(); OutputStream target = Files.newOutputStream(dest)) {
            if (compression.equals("gzip")) {
                new GZIPInputStream(raw, 1 << 16).transferTo(target);
            } else {
                Process bzip2 = new ProcessBuilder("bzip2", "-d").redirectOutput(dest.toFile())
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                try (OutputStream toBzip2 = bzip2.getOutputStream()) {
                    raw.transferTo(toBzip2);
                }
                if (waitFor(bzip2) != 0) {
                    throw new IOException("bzip2 -d failed");
                }
            }
        } catch (IOException e) {
            int code = waitFor(p);
            if (code != 0) {
                return code;
            }
            throw e;
        }
        return waitFor(p);
    }

    private List<String> peek() {
        List<String> names = new ArrayList<>();
        try {
            Process p = new ProcessBuilder(ssh(walName, true)).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectInput(devNull()).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (waitFor(p) == 0) {
                for (String line : text.split("\n")) {
                    // A name becomes a path in the spool: only WAL file names are taken.
                    if (WAL_NAME.matcher(line.strip()).matches()) {
                        names.add(line.strip());
                    }
                }
            }
        } catch (IOException e) {
            return names;
        }
        return names;
    }

    /** Barman's get-wal command line (its words are quoted for the remote shell by {@link Ssh}). */
    private List<String> ssh(String name, boolean peekFiles) {
        List<String> remote = new ArrayList<>(List.of("barman"));
        if (config != null) {
            remote.add("--config");
            remote.add(config);
        }
        remote.add("get-wal");
        if (test) {
            remote.add("--test");
        }
        if (peekFiles) {
            remote.add("--peek");
            remote.add(String.valueOf(parallel));
        }
        if (compression != null && !peekFiles) {
            remote.add("--" + compression);
        }
        if (partial) {
            remote.add("--partial");
        }
        remote.add(server);
        remote.add(name);
        return ssh(host, remote);
    }

    private int fail(String message, int code, boolean sleepFirst) {
        err.println("ERROR: " + message);
        return sleepFirst ? sleepThen(code) : code;
    }

    private int sleepThen(int code) {
        if (sleep > 0) {
            err.println("Sleeping for " + sleep + " seconds.");
            try {
                Thread.sleep(sleep * 1000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return code;
    }

    private static int waitFor(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroy();
            Thread.currentThread().interrupt();
            return 2;
        }
    }

    private static ProcessBuilder.Redirect devNull() {
        return ProcessBuilder.Redirect.from(new File("/dev/null"));
    }
}
