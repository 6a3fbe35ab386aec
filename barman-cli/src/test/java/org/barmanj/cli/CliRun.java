package org.barmanj.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** One in-process run of the barman command line: exit code, stdout and stderr. */
public record CliRun(int exit, String out, String err) {
    /** {@code barman -c CONF ARGS...}. */
    public static CliRun withConfig(java.nio.file.Path conf, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-c";
        all[1] = conf.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return of(all);
    }

    public static CliRun of(String... args) {
        return withInput(new byte[0], args);
    }

    /** The same with {@code input} on standard input (put-wal's tar stream). */
    public static CliRun withInput(byte[] input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BarmanCli.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(input), Map.of(), null,
                args);
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
