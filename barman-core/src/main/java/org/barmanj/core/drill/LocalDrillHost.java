package org.barmanj.core.drill;

import org.barmanj.core.Events;
import org.barmanj.core.fs.FileTrees;
import org.barmanj.core.process.ChildProcesses;
import org.barmanj.core.recovery.Recovery;
import org.barmanj.core.remote.Shell;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A drill on this host: PostgreSQL started as {@code setpriv --pdeathsig KILL postgres ...} (not pg_ctl, which
 * daemonises) from the thread running the drill, which lives until it is stopped, and through
 * {@link ChildProcesses}, whose watchdog ends its process group if this process dies in any way.
 */
final class LocalDrillHost implements DrillHost {
    @Override
    public String remoteSshCommand() {
        return null;
    }

    @Override
    public void restore(Recovery recovery) {
        recovery.run();
    }

    @Override
    public String describe(Path path) {
        return path.toString();
    }

    @Override
    public Path defaultScratchRoot() {
        return null;
    }

    @Override
    public PostgresBinaries binaries(int major, String binPath, String pathPrefix, Map<String, String> env) {
        return PostgresBinaries.find(major, binPath, pathPrefix, env);
    }

    @Override
    public void removeStale(Path scratch, Events events) throws IOException {
        if (!Files.exists(scratch, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isSymbolicLink(scratch) || !Files.isDirectory(scratch, LinkOption.NOFOLLOW_LINKS)
                || !Files.isRegularFile(scratch.resolve(Drill.MARKER), LinkOption.NOFOLLOW_LINKS)) {
            throw Drill.notScratch(scratch);
        }
        Path pgdata = scratch.resolve("pgdata");
        Path pid = pgdata.resolve("postmaster.pid");
        if (Files.exists(pid)) {
            String first = Files.readAllLines(pid).stream().findFirst().orElse("").strip().replace("-", "");
            if (first.matches("\\d+")) {
                long n = Long.parseLong(first);
                ProcessHandle p = ProcessHandle.of(n).filter(h -> running(n)).orElse(null);
                if (p != null) {
                    // a process killed with the drill that left it may still be ending: a moment to go
                    for (int i = 0; i < 100 && running(n)
                            && !Drill.isDrillPostmaster(realCwd(n), pgdata.toRealPath(), cmdline(n)); i++) {
                        Drill.sleep(100);
                    }
                }
                if (p != null && running(n)) {
                    if (!Drill.isDrillPostmaster(realCwd(n), pgdata.toRealPath(), cmdline(n))) {
                        throw Drill.foreignProcess(scratch, n);
                    }
                    events.warning("Killing PostgreSQL (pid " + n + ") left running by an earlier drill in "
                            + pgdata);
                    kill("KILL", n);
                    try {
                        p.onExit().get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // checked below through the folder's removal
                    }
                }
            }
        }
        events.info("Removing the scratch folder of an earlier drill: " + scratch);
        FileTrees.delete(scratch);
    }

    @Override
    public void createScratch(Path scratch, String marker) throws IOException {
        Files.createDirectories(scratch.getParent());
        Files.createDirectory(scratch, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Files.writeString(scratch.resolve(Drill.MARKER), marker);
        Files.createDirectories(scratch.resolve("run"));
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(scratch.resolve("run"), PosixFilePermissions.fromString("rwx------"));
    }

    @Override
    public void write(Map<Path, String> files) throws IOException {
        for (Map.Entry<Path, String> f : files.entrySet()) {
            Files.writeString(f.getKey(), f.getValue());
        }
    }

    @Override
    public Map<Path, Long> files(Path folder) throws IOException {
        Map<Path, Long> sizes = new LinkedHashMap<>();
        try (Stream<Path> all = Files.walk(folder)) {
            all.filter(Files::isRegularFile).forEach(p -> sizes.put(folder.relativize(p), p.toFile().length()));
        }
        return sizes;
    }

    @Override
    public byte[] read(Path file, long offset, int max) throws IOException {
        if (!Files.exists(file)) {
            return new byte[0];
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            if (len <= offset) {
                return new byte[0];
            }
            f.seek(offset);
            byte[] bytes = new byte[(int) Math.min(len - offset, max)];
            f.readFully(bytes);
            return bytes;
        }
    }

    @Override
    public Shell.Result run(List<String> command) throws IOException, InterruptedException {
        return Shell.run(null, Shell.quoteAll(command));
    }

    @Override
    public Postmaster start(List<String> command, Path pgdata, Path log, Path socketFile) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL"));
        cmd.addAll(command);
        ProcessBuilder b = new ProcessBuilder(cmd).directory(pgdata.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        b.environment().keySet().removeIf(k -> k.startsWith("PG"));
        Process p = ChildProcesses.start(b);
        return new Postmaster() {
            @Override
            public boolean isAlive() {
                return p.isAlive();
            }

            @Override
            public void signal(String signal) {
                kill(signal, p.pid());
            }

            @Override
            public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
                return p.waitFor(timeout, unit);
            }

            @Override
            public int exitValue() {
                return p.exitValue();
            }
        };
    }

    @Override
    public Path checksSocket(Path socketFile) {
        return socketFile;
    }

    @Override
    public void delete(Path scratch) throws IOException {
        FileTrees.delete(scratch);
    }

    @Override
    public void close() {
    }

    private static void kill(String signal, long pid) {
        try {
            Shell.run(null, "kill -s " + signal + " " + pid);
        } catch (IOException e) {
            // nothing else to try
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a process exists and is not a zombie (whose cwd and cmdline can no longer be read). */
    private static boolean running(long pid) {
        try {
            return !Drill.isZombie(Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return false;
        }
    }

    private static Path realCwd(long pid) {
        try {
            return Path.of("/proc/" + pid + "/cwd").toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    private static List<String> cmdline(long pid) {
        try {
            String all = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
            return List.of(all.split("\0"));
        } catch (IOException e) {
            return List.of();
        }
    }
}
