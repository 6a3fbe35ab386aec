package org.barmanj.walarchive;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;

/** One run of a client in this JVM (the ssh it starts is the real one): exit code, stdout, stderr, seconds. */
record Ran(int code, String out, String err, double seconds) {
    static Ran archive(String... args) {
        return run(WalArchive::new, args);
    }

    static Ran restore(String... args) {
        return run(WalRestore::new, args);
    }

    private static Ran run(BiFunction<PrintStream, PrintStream, Client> client, String[] args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int code = client.apply(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
        return new Ran(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                (System.nanoTime() - start) / 1e9);
    }
}
