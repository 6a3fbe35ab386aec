package org.barmanj.core.server;

import org.barmanj.core.process.ChildProcesses;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Another barman command run in a process of its own (Barman's {@code BarmanSubProcess}): {@code cron} runs each
 * server's archiver so, as {@code <launcher> -c <configuration file> -q archive-wal <server>}.
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
}
