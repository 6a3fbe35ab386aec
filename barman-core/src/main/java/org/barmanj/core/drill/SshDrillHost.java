package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.fs.FileTrees;
import org.barmanj.core.process.ChildProcesses;
import org.barmanj.core.recovery.Recovery;
import org.barmanj.core.remote.SharedConnection;
import org.barmanj.core.remote.Shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A drill on another host, over {@code --remote-ssh-command} (OpenSSH's ssh: host keys checked, {@code BatchMode}).
 * Every short command rides one shared connection ({@link SharedConnection}, a master ssh that ends with this
 * process); the restore is {@code recover}'s remote one on that connection (its bulk copy on a connection of its
 * own). PostgreSQL runs there under a shell started by one ssh session that waits for it and reads that session's
 * input: when the input ends (the session closed, the connection lost, this process killed and its ssh with it),
 * the shell kills PostgreSQL ({@code SIGKILL}); PostgreSQL is also started with {@code setpriv --pdeathsig KILL},
 * against the shell's own end. The checks connect through an ssh forward from a Unix socket in a private
 * temporary folder here (0700) to PostgreSQL's socket there: no TCP port is opened on either host.
 */
final class SshDrillHost implements DrillHost {
    private static final int READ_TIMEOUT_SECONDS = 60;
    /** The remote shell around PostgreSQL: its pid first, then it waits; the end of its input kills PostgreSQL. */
    private static final String SUPERVISOR = """
            exec 3<&0
            for v in $(env | sed -n 's/^\\(PG[A-Za-z0-9_]*\\)=.*/\\1/p'); do unset "$v"; done
            cd %s || exit 1
            setpriv --pdeathsig KILL %s >%s 2>&1 </dev/null &
            pid=$!
            echo "pid $pid"
            { while read -r _; do :; done; kill -s KILL "$pid" 2>/dev/null; } <&3 >/dev/null 2>&1 &
            w=$!
            exec 3<&-
            wait "$pid"
            rc=$?
            kill "$w" 2>/dev/null
            exit $rc
            """;
    /**
     * A folder a drill left: refused (3) unless a folder, not a link, with the marker file; a live process named by
     * {@code postmaster.pid} is killed only when it runs in that pgdata with the drill's cluster_name, else
     * refused (4); as {@link LocalDrillHost#removeStale}.
     */
    private static final String REMOVE_STALE = """
            s=%s
            [ -e "$s" ] || [ -L "$s" ] || exit 0
            if [ -L "$s" ] || [ ! -d "$s" ] || [ -L "$s/%s" ] || [ ! -f "$s/%s" ]; then exit 3; fi
            p="$s/pgdata"
            alive() { case "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)" in Z*|X*|'') return 1;; esac; }
            ours() { [ "$(readlink -f "/proc/$1/cwd" 2>/dev/null)" = "$(readlink -f "$p")" ] \\
                && tr '\\0' '\\n' <"/proc/$1/cmdline" 2>/dev/null | grep -qx %s; }
            if [ -f "$p/postmaster.pid" ]; then
                pid=$(head -n 1 "$p/postmaster.pid" | tr -d ' -')
                case "$pid" in ''|*[!0-9]*) ;; *)
                    i=0
                    while [ $i -lt 100 ] && alive "$pid" && ! ours "$pid"; do sleep 0.1; i=$((i+1)); done
                    if alive "$pid"; then
                        ours "$pid" || { echo "foreign $pid"; exit 4; }
                        echo "killing $pid"
                        kill -s KILL "$pid"
                        i=0
                        while [ $i -lt 300 ] && alive "$pid"; do sleep 0.1; i=$((i+1)); done
                    fi;;
                esac
            fi
            echo removing
            rm -rf "$s"
            """;

    private final String sshCommand;
    private final SharedConnection connection;
    /** Where the forwarded sockets are, here. */
    private final Path forwards;
    private final Set<Process> sessions = ConcurrentHashMap.newKeySet();
    private String home;

    private SshDrillHost(String sshCommand, SharedConnection connection, Path forwards) {
        this.sshCommand = sshCommand;
        this.connection = connection;
        this.forwards = forwards;
    }

    /** The host {@code sshCommand} reaches; refused unless its program is OpenSSH's ssh (its forwards are used). */
    static SshDrillHost open(String sshCommand) {
        String program = sshCommand.strip().split("\\s+")[0];
        if (!program.equals("ssh") && !program.endsWith("/ssh")) {
            throw new BarmanException(ErrorCode.DRILL_REFUSED, "Invalid --remote-ssh-command '" + sshCommand
                    + "' for a drill: allowed: an OpenSSH ssh command (ssh [options] user@host)");
        }
        Path forwards;
        try {
            forwards = Files.createTempDirectory("barman-drill-");  // 0700
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot create a temporary folder for the drill: " + e.getMessage(),
                    e);
        }
        SharedConnection connection = SharedConnection.of(sshCommand);
        connection.open();
        return new SshDrillHost(sshCommand, connection, forwards);
    }

    @Override
    public String remoteSshCommand() {
        return sshCommand;
    }

    @Override
    public void restore(Recovery recovery) {
        recovery.run(connection);
    }

    @Override
    public String describe(Path path) {
        return path + " (over " + sshCommand + ")";
    }

    @Override
    public Path defaultScratchRoot() {
        if (home == null) {
            home = script("printf '%s\\n' \"$HOME\"").out().strip();
        }
        if (!home.startsWith("/")) {
            throw new BarmanException(ErrorCode.DRILL_REFUSED, "The home folder of the drill host's user is '" + home
                    + "' (over " + sshCommand + "): set drill_path in the server's .drill section");
        }
        return Path.of(home, "barman-drill");
    }

    @Override
    public PostgresBinaries binaries(int major, String binPath, String pathPrefix, Map<String, String> env) {
        List<String> dirs = PostgresBinaries.candidates(major, binPath, pathPrefix);
        StringBuilder s = new StringBuilder("printf 'home\\t%s\\n' \"$HOME\"\ndirs=")
                .append(Shell.quote(String.join(":", dirs))).append('\n');
        if (binPath == null) {
            s.append("dirs=\"$dirs:$PATH\"\n");
        }
        s.append("IFS=:\nfor d in $dirs; do\n    [ -n \"$d\" ] && [ -x \"$d/postgres\" ] || continue\n")
                .append("    v=$(\"$d/postgres\" --version 2>/dev/null | head -n 1)\n    t=\n")
                .append("    for x in ").append(String.join(" ", PostgresBinaries.TOOLS))
                .append("; do [ -x \"$d/$x\" ] && t=\"$t $x\"; done\n")
                .append("    printf 'bin\\t%s\\t%s\\t%s\\n' \"$d\" \"$v\" \"$t\"\ndone\n");
        Shell.Result r = script(s.toString());
        List<String> bins = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            if (line.startsWith("home\t")) {
                home = line.substring("home\t".length());
            } else if (line.startsWith("bin\t")) {
                bins.add(line.substring("bin\t".length()));
            }
        }
        return PostgresBinaries.pick(major, bins, " on the drill host (over " + sshCommand + ")",
                String.join(", ", dirs) + (binPath == null ? " and its PATH" : ""));
    }

    @Override
    public void removeStale(Path scratch, Events events) throws IOException {
        String q = Shell.quote(scratch.toString());
        Shell.Result r = script(REMOVE_STALE.formatted(q, Drill.MARKER, Drill.MARKER,
                Shell.quote(Drill.CLUSTER_NAME_SETTING)));
        for (String line : r.out().lines().toList()) {
            if (line.startsWith("killing ")) {
                events.warning("Killing PostgreSQL (pid " + line.substring(8) + ") left running by an earlier drill in "
                        + describe(scratch.resolve("pgdata")));
            } else if (line.equals("removing")) {
                events.info("Removing the scratch folder of an earlier drill: " + describe(scratch));
            }
        }
        if (r.exit() == 3) {
            throw Drill.notScratch(scratch);
        }
        if (r.exit() == 4) {
            String pid = r.out().lines().filter(l -> l.startsWith("foreign ")).findFirst().orElse("foreign ?");
            throw Drill.foreignProcess(scratch, Long.parseLong(pid.substring(8).strip()));
        }
        check(r, "remove " + scratch);
    }

    @Override
    public void createScratch(Path scratch, String marker) throws IOException {
        String q = Shell.quote(scratch.toString());
        check(script("set -e\nmkdir -p " + Shell.quote(scratch.getParent().toString()) + "\nmkdir -m 700 " + q
                + "\nprintf '%s' " + Shell.quote(marker) + " >" + Shell.quote(scratch.resolve(Drill.MARKER).toString())
                + "\nmkdir -m 700 " + Shell.quote(scratch.resolve("run").toString()) + "\n"), "create " + scratch);
    }

    @Override
    public void write(Map<Path, String> files) throws IOException {
        StringBuilder s = new StringBuilder("set -e\n");
        files.forEach((path, text) -> s.append("printf '%s' ").append(Shell.quote(text)).append(" >")
                .append(Shell.quote(path.toString())).append('\n'));
        check(script(s.toString()), "write " + String.join(", ", files.keySet().stream().map(Path::toString).toList()));
    }

    @Override
    public Map<Path, Long> files(Path folder) throws IOException {
        Shell.Result r = script("cd " + Shell.quote(folder.toString()) + " && find . -type f -printf '%s %P\\n'");
        check(r, "list " + folder);
        Map<Path, Long> sizes = new LinkedHashMap<>();
        for (String line : r.out().lines().toList()) {
            int space = line.indexOf(' ');
            if (space > 0) {
                sizes.put(Path.of(line.substring(space + 1)), Long.parseLong(line.substring(0, space)));
            }
        }
        return sizes;
    }

    @Override
    public byte[] read(Path file, long offset, int max) throws IOException {
        String command = connection.sshCommand() + " " + Shell.quote("tail -c +" + (offset + 1) + " "
                + Shell.quote(file.toString()) + " 2>/dev/null | head -c " + max);
        Process p = ChildProcesses.start(new ProcessBuilder("sh", "-c", command)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.DISCARD));
        try (InputStream in = p.getInputStream()) {
            byte[] bytes = in.readAllBytes();
            if (!p.waitFor(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return bytes;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public Shell.Result run(List<String> command) throws IOException, InterruptedException {
        return Shell.run(connection.sshCommand(), Shell.quoteAll(command));
    }

    @Override
    public Postmaster start(List<String> command, Path pgdata, Path log, Path socketFile) throws IOException {
        String script = SUPERVISOR.formatted(Shell.quote(pgdata.toString()), Shell.quoteAll(command),
                Shell.quote(log.toString()));
        String forward = checksSocket(socketFile) + ":" + socketFile;
        Process p = ChildProcesses.start(new ProcessBuilder("sh", "-c", "exec " + connection.sshCommand()
                + " -o ExitOnForwardFailure=yes -L " + Shell.quote(forward) + " " + Shell.quote(script))
                .redirectErrorStream(true));
        sessions.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        List<String> said = new ArrayList<>();
        long pid = -1;
        for (String line; pid < 0 && (line = out.readLine()) != null; ) {
            if (line.matches("pid \\d+")) {
                pid = Long.parseLong(line.substring(4));
            } else {
                said.add(line);  // ssh's own warnings, or why the session failed
            }
        }
        if (pid < 0) {
            p.destroyForcibly();
            throw new IOException("cannot start PostgreSQL on the drill host (over " + sshCommand + "): "
                    + (said.isEmpty() ? "the ssh session ended" : String.join(" / ", said)));
        }
        long postmaster = pid;
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // nothing more is expected; read so that the session never blocks on its output
                }
            } catch (IOException e) {
                // the session ended
            }
        }, "drill-ssh-session");
        drain.setDaemon(true);
        drain.start();
        return new Postmaster() {
            @Override
            public boolean isAlive() {
                return p.isAlive();
            }

            @Override
            public void signal(String signal) {
                if (!p.isAlive()) {
                    return;
                }
                try {
                    Shell.run(connection.sshCommand(), "kill -s " + signal + " " + postmaster);
                } catch (IOException e) {
                    // the session's end kills it all the same
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (signal.equals("KILL")) {
                    p.destroyForcibly();
                }
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
        return forwards.resolve(socketFile.getFileName());
    }

    @Override
    public void delete(Path scratch) throws IOException {
        check(script("rm -rf " + Shell.quote(scratch.toString())), "remove " + scratch);
    }

    /** Ends what is left of the sessions (their end kills PostgreSQL there), the shared connection, the forwards. */
    @Override
    public void close() {
        sessions.forEach(Process::destroyForcibly);
        connection.close();
        try {
            FileTrees.delete(forwards);
        } catch (IOException e) {
            // a private temporary folder left behind
        }
    }

    /** A script on the host; its connection failing (ssh's 255) is refused, with ssh's message. */
    private Shell.Result script(String script) {
        try {
            Shell.Result r = Shell.run(connection.sshCommand(), script);
            if (r.exit() == 255) {
                throw new BarmanException(ErrorCode.DRILL_REFUSED, "Unable to connect to the drill host using the "
                        + "command '" + sshCommand + "'" + (r.err().isBlank() ? "" : ": "
                        + r.err().strip().lines().reduce((a, b) -> b).orElse("")));
            }
            return r;
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot run ssh (" + sshCommand + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BarmanException(ErrorCode.IO, "Drill interrupted", e);
        }
    }

    private void check(Shell.Result r, String what) throws IOException {
        if (r.exit() != 0) {
            throw new IOException("cannot " + what + " on the drill host (over " + sshCommand + "): "
                    + (r.err().isBlank() ? "exit code " + r.exit() : r.err().strip().lines().findFirst().orElse("")));
        }
    }
}
