package org.barmanj.core.server;

import org.barmanj.core.process.ChildProcesses;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Another barman command run in a process of its own (Barman's {@code BarmanSubProcess}): {@code cron} runs each
 * server's archiver so, as {@code <launcher> -c <configuration file> -q archive-wal <server>}, and its WAL
 * receiver ({@code receive-wal <server>}) and its scheduled drills ({@code drill <server> <id>}), detached.
 */
public record BarmanCommand(String launcher, Path configFile) {
    /** Starts {@code args}; its output goes nowhere unless {@code keepDescriptors}. */
    public Process start(boolean keepDescriptors, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(launcher, "-c", configFile.toString(), "-q"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        ProcessBuilder.Redirect output = keepDescriptors ? ProcessBuilder.Redirect.INHERIT
                : ProcessBuilder.Redirect.DISCARD;
        builder.redirectOutput(output).redirectError(output);
        Process process = ChildProcesses.start(builder);
        process.getOutputStream().close();
        return process;
    }

    /**
     * Starts {@code args} detached, as Barman's {@code BarmanSubProcess} starts receive-wal: in a session of its
     * own ({@code setsid}), stdin from /dev/null and its output going nowhere unless {@code keepDescriptors}, not
     * waited for. Not through {@link ChildProcesses}, whose watchdog ends its children with this process: this one
     * must outlive it. {@code wrapper} is put between {@code setsid} and the launcher (e.g. {@code nice -n 19}).
     */
    public Process startDetached(List<String> wrapper, boolean keepDescriptors, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("setsid"));
        command.addAll(wrapper);
        command.addAll(List.of(launcher, "-c", configFile.toString(), "-q"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        ProcessBuilder.Redirect output = keepDescriptors ? ProcessBuilder.Redirect.INHERIT
                : ProcessBuilder.Redirect.DISCARD;
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(output).redirectError(output);
        return builder.start();
    }
}
