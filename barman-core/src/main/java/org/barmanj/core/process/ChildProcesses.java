package org.barmanj.core.process;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the core starts every child process (rsync, ssh, sh, flock, compressors, dd), so that none outlives this
 * one, however it ends, {@code kill -9} included. Each child is started through util-linux's {@code setsid}, so
 * that it leads a process group of its own with everything it starts (rsync's receiver and its ssh). One
 * watchdog per JVM, a shell reading a pipe from this process, is told each group as it starts and ends: when a
 * child ends, the watchdog kills what is left of its group; when this process ends, its end of the pipe closes
 * (the kernel does that even for {@code kill -9}, as {@code LockFile}'s holder relies on) and the watchdog ends
 * every group still running. {@code prctl(PR_SET_PDEATHSIG)} ({@code setpriv --pdeathsig}) would not do: it
 * fires when the thread that started the child ends rather than the process, and reaches only the child, not
 * what the child forked. A child in its own session has no controlling terminal: Ctrl-C reaches this process,
 * which ends its children itself (a backup's abort) or through the watchdog.
 */
public final class ChildProcesses {
    /**
     * The watchdog: {@code +N} adds process group N, {@code -N} kills what is left of it and forgets it (its
     * leader has ended, so N may be reused once the group is empty); at the end of its input, every group left gets
     * SIGTERM, then SIGKILL a second later (the TERM lets ssh's shared master remove its socket).
     */
    private static final String WATCHDOG = """
            groups=' '
            while read -r line; do
                n=${line#?}
                case $line in
                    +*) groups="$groups$n " ;;
                    -*) kill -s KILL -- "-$n" 2>/dev/null
                        case $groups in *" $n "*) groups="${groups%% $n *} ${groups#* $n }" ;; esac ;;
                esac
            done
            if [ "$groups" != ' ' ]; then
                for n in $groups; do kill -s TERM -- "-$n" 2>/dev/null; done
                sleep 1
                for n in $groups; do kill -s KILL -- "-$n" 2>/dev/null; done
            fi
            """;

    private static OutputStream watchdog;

    private ChildProcesses() {
    }

    /**
     * Starts {@code builder}'s command (its redirections, environment and folder as set) as the leader of a new
     * process group that ends with this process. Its command is prefixed with {@code setsid} here; a program that
     * does not exist then makes the child exit with code 127 and {@code setsid: failed to execute ...} on its
     * stderr, rather than this throwing.
     */
    public static Process start(ProcessBuilder builder) throws IOException {
        List<String> command = new ArrayList<>(List.of("setsid"));
        command.addAll(builder.command());
        builder.command(command);
        synchronized (ChildProcesses.class) {
            if (watchdog == null) {
                watchdog = new ProcessBuilder("setsid", "sh", "-c", WATCHDOG)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start().getOutputStream();
            }
            Process child = builder.start();
            // setsid does not fork here (a child of the JVM is not a group leader): the group's id is this pid.
            // A kill -9 between the start and this line leaves that one child to run on: a window of microseconds.
            tell("+" + child.pid());
            child.onExit().thenRun(() -> tell("-" + child.pid()));
            return child;
        }
    }

    private static synchronized void tell(String line) {
        try {
            watchdog.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            watchdog.flush();
        } catch (IOException e) {
            // The watchdog is gone (killed by someone): the children then end only as this process ends them.
        }
    }
}
