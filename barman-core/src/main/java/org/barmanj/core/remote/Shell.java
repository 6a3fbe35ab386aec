package org.barmanj.core.remote;

import org.barmanj.core.process.ChildProcesses;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A shell script run on this host, or on another one through an ssh command (one connection). */
public final class Shell {
    /** What the script did. */
    public record Result(int exit, String out, String err) {
    }

    private Shell() {
    }

    /**
     * {@code sshCommand} (one of {@link SharedConnection}'s) null runs the script here; otherwise
     * {@code <sshCommand> '<script>'}, as Barman does.
     */
    public static Result run(String sshCommand, String script) throws IOException, InterruptedException {
        return run(sshCommand, script, null);
    }

    /** As {@link #run(String, String)}, in the environment {@code env} (null: this process's). */
    public static Result run(String sshCommand, String script, Map<String, String> env)
            throws IOException, InterruptedException {
        String command = sshCommand == null ? script : sshCommand + " " + quote(script);
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (env != null) {
            builder.environment().clear();
            builder.environment().putAll(env);
        }
        Process p = ChildProcesses.start(builder);
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        return new Result(code, out, new String(err.join(), StandardCharsets.UTF_8));
    }

    /** A command line of single-quoted words. */
    public static String quoteAll(List<String> words) {
        return String.join(" ", words.stream().map(Shell::quote).toList());
    }

    /** Single-quoted for a POSIX shell. */
    public static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
