package org.barmanj.core.remote;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.process.ChildProcesses;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * rsync as Barman runs it: over the server's {@code ssh_command} (through the system ssh, so the user's ssh
 * configuration, keys and known_hosts apply; host keys stay checked), with {@code -rLKpts --inplace}, optional
 * {@code -z} and {@code --bwlimit}. Exit codes 0 and 24 (files vanished) are success, and 23 when every error is
 * a vanished file, as in Barman: PostgreSQL deletes files while they are copied and WAL replay makes up for it.
 */
public final class Rsync {
    private static final Set<Integer> SUCCESS = Set.of(0, 24);
    private static final Pattern VANISHED = Pattern.compile("^(file has vanished: .*"
            + "|rsync: (\\[\\w+\\] )?(link_stat|send_files failed to open|readlink_stat|readdir|opendir) .*"
            + "No such file or directory \\(2\\).*"
            + "|rsync error: some files/attrs were not transferred.*"
            + "|rsync warning: some files vanished before they could be transferred.*|\\s*)$");
    private static final int STDERR_LINES = 20;

    private final SharedConnection connection;
    private final boolean compress;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();

    /** A connection opened for no ssh command copies locally ({@code local-rsync}). */
    public Rsync(SharedConnection connection, boolean compress) {
        this.connection = connection;
        this.compress = compress;
    }

    /** How a path on the other host is written on rsync's command line: {@code :path}, the host being in the ssh command. */
    public String remote(String path) {
        return connection.ownSshCommand() == null ? path : ":" + path;
    }

    /** The common start of an rsync command line for a small transfer or a listing: over the shared connection. */
    public List<String> command(Integer bwlimit) {
        return start(connection.sshCommand(), bwlimit);
    }

    /**
     * The same for a bulk copy: on a connection of its own. Over the shared master, the encryption of every
     * parallel job would run in that one ssh process, on one core; for a single job the handshake it saves
     * made no measurable difference (1 GB: 2.75 s alone, 2.67 s shared, medians of 5 alternating runs).
     */
    public List<String> bulkCommand(Integer bwlimit) {
        return start(connection.ownSshCommand(), bwlimit);
    }

    private List<String> start(String sshCommand, Integer bwlimit) {
        List<String> cmd = new ArrayList<>(List.of("rsync"));
        if (sshCommand != null) {
            cmd.add("-e");
            cmd.add(sshCommand);
        }
        if (compress) {
            cmd.add("-z");
        }
        if (bwlimit != null && bwlimit > 0) {
            cmd.add("--bwlimit=" + bwlimit);
        }
        return cmd;
    }

    /**
     * Runs one rsync and waits for it. Every line it prints on stdout goes to {@code stdoutLine} as it comes
     * (the {@code --out-format} names, for instance). {@code env} adds environment variables. A failure is a
     * {@link BarmanException} {@link ErrorCode#RSYNC} whose message is rsync's exit code and first error line.
     */
    public void run(List<String> cmd, Map<String, String> env, Consumer<String> stdoutLine)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = ChildProcesses.start(pb);
        running.add(p);
        try {
            List<String> errors = Collections.synchronizedList(new ArrayList<>());
            Thread stderr = new Thread(() -> drain(p, errors), "rsync-stderr");
            stderr.start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    stdoutLine.accept(line);
                }
            }
            int code = p.waitFor();
            stderr.join();
            if (SUCCESS.contains(code) || (code == 23 && errors.stream().allMatch(l -> VANISHED.matcher(l).matches()))) {
                return;
            }
            String first = errors.stream().filter(l -> !l.isBlank()).findFirst().orElse("no error message");
            throw new BarmanException(ErrorCode.RSYNC, "rsync exited with code " + code + ": " + first);
        } finally {
            running.remove(p);
            p.destroy();
        }
    }

    private static void drain(Process p, List<String> errors) {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = err.readLine()) != null; ) {
                if (errors.size() < STDERR_LINES) {
                    errors.add(line);
                }
            }
        } catch (IOException e) {
            errors.add(e.getMessage());
        }
    }

    /**
     * Ends every rsync this object started and that is still running (a backup being aborted); what each started
     * (its receiver, its ssh) ends with it, as its process group ({@link ChildProcesses}).
     */
    public void killAll() {
        running.forEach(Process::destroyForcibly);
    }

    /** A file list for {@code --files-from --from0}. */
    public static byte[] fileList(List<String> paths) {
        StringBuilder out = new StringBuilder();
        for (String p : paths) {
            out.append(p).append('\0');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Where rsync writes a copy: {@code dest/} with the trailing slash rsync needs to copy into it. */
    public static String into(Path dest) {
        return dest.toString() + "/";
    }
}
