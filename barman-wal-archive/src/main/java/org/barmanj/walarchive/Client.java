package org.barmanj.walarchive;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What barman-wal-archive and barman-wal-restore share: the ssh options and Barman's command-line conventions. */
abstract class Client {
    final PrintStream out;
    final PrintStream err;
    String user = "barman";
    String port;
    String config;
    boolean test;
    boolean reuse = true;
    int connectTimeout = Ssh.DEFAULT_CONNECT_TIMEOUT;

    Client(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    abstract String program();

    abstract String usageLine();

    /** The description and the option lines of {@code --help} that are the client's own. */
    abstract List<String> help();

    abstract void options(Map<String, Args.Spec> options);

    abstract List<String> positionalNames();

    abstract void positional(List<String> values);

    /** Parses the command line; returns an exit code when the process should stop (help, version, usage error). */
    final Integer parse(String[] args) {
        boolean[] help = new boolean[1];
        boolean[] version = new boolean[1];
        Map<String, Args.Spec> options = new LinkedHashMap<>();
        alias(options, Args.Spec.flag(() -> help[0] = true), "-h", "--help");
        alias(options, Args.Spec.flag(() -> version[0] = true), "-V", "--version");
        alias(options, Args.Spec.value(v -> user = v), "-U", "--user");
        alias(options, Args.Spec.value(v -> port = v), "--port");
        alias(options, Args.Spec.value(v -> config = v), "-c", "--config");
        alias(options, Args.Spec.flag(() -> test = true), "-t", "--test");
        alias(options, Args.Spec.flag(() -> reuse = false), "--no-ssh-reuse");
        alias(options, Args.Spec.value(v -> connectTimeout = seconds(v)), "--connect-timeout");
        options(options);
        List<String> values = null;
        try {
            values = Args.parse(args, options, positionalNames().toArray(String[]::new));
        } catch (Args.UsageException e) {
            if (!help[0] && !version[0]) {
                err.println(usageLine());
                err.println(program() + ": error: " + e.getMessage());
                return 2;
            }
        }
        if (help[0]) {
            out.println(usageLine());
            out.println();
            help().forEach(out::println);
            out.println("  -U, --user USER       ssh user on the Barman host (default: barman)");
            out.println("  --port PORT           ssh port");
            out.println("  -c, --config CONFIG   barman configuration file on the Barman host");
            out.println("  -t, --test            check the connection and the server configuration only");
            out.println("  --no-ssh-reuse        open a new ssh connection for every call");
            out.println("  --connect-timeout SECONDS  give up when the Barman host does not answer for this long "
                    + "(default: " + Ssh.DEFAULT_CONNECT_TIMEOUT + ")");
            out.println("  -V, --version         show the version and exit");
            return 0;
        }
        if (version[0]) {
            out.println(Version.line(program()));
            return 0;
        }
        positional(values);
        return null;
    }

    /** A positive number of seconds. */
    private static int seconds(String value) {
        int seconds = Integer.parseInt(value);
        if (seconds <= 0) {
            throw new IllegalArgumentException("must be a positive number of seconds: '" + value + "'");
        }
        return seconds;
    }

    static void alias(Map<String, Args.Spec> options, Args.Spec spec, String... names) {
        for (String name : names) {
            options.put(name, spec);
        }
    }

    /** The work once the command line is parsed (not called for {@code --test}). */
    abstract int execute();

    /** The ssh command of {@code --test}. */
    abstract List<String> testCommand();

    /** Parses the command line, then runs {@code --test} or the client's work; returns the exit code. */
    final int run(String[] args) {
        Integer stop = parse(args);
        if (stop != null) {
            return stop;
        }
        return test ? connectivityTest() : execute();
    }

    /** {@code --test}: the remote's answer, as Barman prints it (its output plus a newline), and its exit code. */
    private int connectivityTest() {
        try {
            Process p = new ProcessBuilder(testCommand()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] output = p.getInputStream().readAllBytes();
            int code = p.waitFor();
            out.println(new String(output, java.nio.charset.StandardCharsets.UTF_8));
            return code;
        } catch (java.io.IOException e) {
            err.println("ERROR: Error executing ssh: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            err.println("ERROR: SIGINT received! Terminating.");
            return 2;
        }
    }

    /** Barman's ssh command to the backup host, running {@code remote} (the remote's arguments, quoted there). */
    List<String> ssh(String host, List<String> remote) {
        return Ssh.command(user, host, port, reuse, connectTimeout, remote);
    }
}
