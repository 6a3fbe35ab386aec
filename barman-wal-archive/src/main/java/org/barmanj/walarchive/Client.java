package org.barmanj.walarchive;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

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
    private boolean helpAsked;
    private boolean versionAsked;

    Client(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    abstract String program();

    /** What the client is for: the first line of {@code --help} and of its manual page's description. */
    abstract String summary();

    /**
     * One option: its names, the label of its value (null for a flag), its line in {@code --help}, the exclusive
     * group it belongs to in the usage line (null: none) and what it sets. The usage line, {@code --help}, the
     * parser and the manual page are all made from these.
     */
    record Opt(List<String> names, String label, String help, String group, Args.Spec spec) {
        static Opt flag(String help, Runnable set, String... names) {
            return new Opt(List.of(names), null, help, null, Args.Spec.flag(set));
        }

        static Opt value(String label, String help, Consumer<String> set, String... names) {
            return new Opt(List.of(names), label, help, null, Args.Spec.value(set));
        }

        Opt inGroup(String name) {
            return new Opt(names, label, help, name, spec);
        }

        /** As the usage line and {@code --help} show it: {@code -U USER} or {@code -z}. */
        String shortForm() {
            return label == null ? names.get(0) : names.get(0) + " " + label;
        }
    }

    /** A positional argument: its name and its line in {@code --help}. */
    record Positional(String name, String help) {
    }

    /** The client's own options, shown after the shared ssh ones and before the Barman-side ones. */
    abstract List<Opt> ownOptions();

    abstract List<Positional> positionals();

    abstract void positional(List<String> values);

    /** Every option, in the order of the usage line. */
    final List<Opt> options() {
        List<Opt> all = new ArrayList<>();
        all.add(Opt.flag("show this help message and exit", () -> helpAsked = true, "-h", "--help"));
        all.add(Opt.flag("show the version and exit", () -> versionAsked = true, "-V", "--version"));
        all.add(Opt.value("USER", "ssh user on the Barman host (default: barman)", v -> user = v, "-U", "--user"));
        all.add(Opt.value("PORT", "ssh port", v -> port = v, "--port"));
        all.addAll(ownOptions());
        all.add(Opt.value("CONFIG", "barman configuration file on the Barman host", v -> config = v,
                "-c", "--config"));
        all.add(Opt.flag("check the connection and the server configuration only", () -> test = true,
                "-t", "--test"));
        all.add(Opt.flag("open a new ssh connection for every call", () -> reuse = false, "--no-ssh-reuse"));
        all.add(Opt.value("SECONDS", "give up when the Barman host does not answer for this long (default: "
                + Ssh.DEFAULT_CONNECT_TIMEOUT + ")", v -> connectTimeout = seconds(v), "--connect-timeout"));
        return all;
    }

    /** argparse's usage line, without its {@code usage: } prefix: the options, a group as {@code [-z | -j]}. */
    final String synopsis() {
        StringBuilder line = new StringBuilder(program());
        List<Opt> all = options();
        for (int i = 0; i < all.size(); i++) {
            Opt o = all.get(i);
            line.append(" [").append(o.shortForm());
            while (o.group() != null && i + 1 < all.size() && o.group().equals(all.get(i + 1).group())) {
                line.append(" | ").append(all.get(++i).shortForm());
            }
            line.append(']');
        }
        for (Positional p : positionals()) {
            line.append(' ').append(p.name());
        }
        return line.toString();
    }

    final String usageLine() {
        return "usage: " + synopsis();
    }

    /** Parses the command line; returns an exit code when the process should stop (help, version, usage error). */
    final Integer parse(String[] args) {
        List<Opt> all = options();
        Map<String, Args.Spec> options = new LinkedHashMap<>();
        for (Opt o : all) {
            for (String name : o.names()) {
                options.put(name, o.spec());
            }
        }
        List<Positional> positionals = positionals();
        String[] names = new String[positionals.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = positionals.get(i).name();
        }
        List<String> values = null;
        try {
            values = Args.parse(args, options, names);
        } catch (Args.UsageException e) {
            if (!helpAsked && !versionAsked) {
                err.println(usageLine());
                err.println(program() + ": error: " + e.getMessage());
                return 2;
            }
        }
        if (helpAsked) {
            printHelp(all);
            return 0;
        }
        if (versionAsked) {
            out.println(Version.line(program()));
            return 0;
        }
        positional(values);
        return null;
    }

    /** argparse's layout: the usage line, the summary, then each argument with its help from column 24. */
    private void printHelp(List<Opt> all) {
        out.println(usageLine());
        out.println();
        out.println(summary());
        out.println();
        out.println("positional arguments:");
        for (Positional p : positionals()) {
            helpLine(p.name(), p.help());
        }
        out.println();
        out.println("options:");
        for (Opt o : all) {
            StringBuilder names = new StringBuilder();
            for (String n : o.names()) {
                names.append(names.isEmpty() ? "" : ", ").append(n).append(o.label() == null ? "" : " " + o.label());
            }
            helpLine(names.toString(), o.help());
        }
    }

    private void helpLine(String left, String help) {
        if (left.length() <= 20) {
            out.println("  " + left + " ".repeat(22 - left.length()) + help);
        } else {
            out.println("  " + left);
            out.println(" ".repeat(24) + help);
        }
    }

    /** A positive number of seconds. */
    private static int seconds(String value) {
        int seconds = Integer.parseInt(value);
        if (seconds <= 0) {
            throw new IllegalArgumentException("must be a positive number of seconds: '" + value + "'");
        }
        return seconds;
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
