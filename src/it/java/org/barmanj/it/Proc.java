package org.barmanj.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a real process to completion and keeps its exit code, stdout and stderr. */
public record Proc(int exit, String out, String err) {
    public static Proc run(List<String> command) {
        try {
            Path out = Files.createTempFile("it-out", ".txt");
            Path err = Files.createTempFile("it-err", ".txt");
            try {
                Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("timed out: " + command);
                }
                return new Proc(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command and returns its stdout as bytes (it must exit 0). */
    public static byte[] runBytes(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new AssertionError("exit " + p.exitValue() + ": " + List.of(command));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + List.of(command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Proc run(String... command) {
        return run(List.of(command));
    }

    /** Runs a command as another OS user (runuser; the tests run as root). */
    public static Proc as(String user, String... command) {
        List<String> all = new ArrayList<>(List.of("runuser", "-u", user, "--"));
        all.addAll(List.of(command));
        return run(all);
    }

    /** Fails with the whole output unless the exit code is 0. */
    public Proc ok() {
        if (exit != 0) {
            throw new AssertionError("exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err);
        }
        return this;
    }

    /**
     * True for a JVM process: its executable is java and its parent's is not (a child the JVM forks to start a
     * process is a copy of it, named java, until it execs).
     */
    static boolean isJvm(ProcessHandle h) {
        return h.info().command().orElse("").endsWith("/java")
                && !h.parent().flatMap(p -> p.info().command()).orElse("").endsWith("/java");
    }

    /** The one JVM among the descendants of {@code launched} (barman's launcher started through runuser). */
    static ProcessHandle jvmOf(Process launched) {
        List<ProcessHandle> javas = launched.descendants().filter(Proc::isJvm).toList();
        if (javas.size() != 1) {
            throw new AssertionError("barman's JVM: expected one, found " + javas.size() + " " + javas);
        }
        return javas.get(0);
    }
}
