package org.barmanj.cloud;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of Barman 3.4's barman-cloud-* commands (argparse, as {@code cloud_cli.py} builds it): the
 * common options, the command's own, its positionals, each declared once as a {@link CloudOption} from which
 * parsing, usage and help come. A usage error prints usage and exits 3.
 */
final class CloudArgs {
    private static final int WIDTH = 110;
    private static final int HELP_COLUMN = 24;

    /** Positional argument: its name and help. */
    record Positional(String name, String help) {}

    /** The url argument, as cloud_cli.py words it for a source or a destination. */
    static Positional url(String sourceOrDestination) {
        return new Positional(sourceOrDestination + "_url", "URL of the cloud " + sourceOrDestination
                + ", such as a bucket in AWS S3. For example: `s3://bucket/path/to/folder`.");
    }

    static final Positional SERVER_NAME = new Positional("server_name",
            "the name of the server as configured in Barman.");

    private static final List<CloudOption> COMMON_BEFORE = List.of(
            CloudOption.flag("show program's version number and exit", "-V", "--version"),
            CloudOption.flag("show this help message and exit", "--help"),
            CloudOption.count("increase output verbosity (e.g., -vv is more than -v)", "-v", "--verbose")
                    .exclusiveIn("verbosity"),
            CloudOption.count("decrease output verbosity (e.g., -qq is less than -q)", "-q", "--quiet")
                    .exclusiveIn("verbosity"),
            CloudOption.flag("Test cloud connectivity and exit", "-t", "--test"),
            CloudOption.value(null, "The cloud provider to use as a storage backend (barmanj: aws-s3 only)",
                    "--cloud-provider").choices("aws-s3", "azure-blob-storage", "google-cloud-storage"),
            CloudOption.value("ENDPOINT_URL", "Override default S3 endpoint URL with the given one",
                    "--endpoint-url").forAws(),
            CloudOption.value("PROFILE", "profile name (e.g. INI section in AWS credentials file)",
                    "-P", "--profile").forAws(),
            CloudOption.integer("READ_TIMEOUT", "the time in seconds until a timeout is raised when waiting to"
                    + " read from a connection (defaults to 60 seconds)", "--read-timeout").forAws());

    /** -e, for the commands that upload. */
    static final CloudOption ENCRYPTION = CloudOption.value("ENCRYPTION", "The encryption algorithm used when"
            + " storing the uploaded data in S3. Allowed values: 'AES256'|'aws:kms'.", "-e", "--encryption")
            .choices("AES256", "aws:kms").forAws();

    final String prog;
    private final String description;
    private final List<Positional> positionalSpecs;
    private final int requiredPositionals;
    private final List<CloudOption> options = new ArrayList<>();
    /** Exclusive groups of which one option must be given (argparse's required mutually exclusive group). */
    private final Set<String> requiredGroups = new LinkedHashSet<>();

    // Parsed.
    int verbose;
    int quiet;
    boolean test;
    final Map<String, String> values = new LinkedHashMap<>();
    final Map<String, List<String[]>> tagLists = new LinkedHashMap<>();
    /** The values of the repeatable options, in order. */
    final Map<String, List<String>> multiValues = new LinkedHashMap<>();
    final Set<String> setFlags = new LinkedHashSet<>();
    final List<String> positionals = new ArrayList<>();

    /**
     * @param positionals in order; the first {@code requiredPositionals} of them are required
     * @param own the command's options, in help order (the aws-s3 ones marked {@link CloudOption#forAws()})
     */
    CloudArgs(String prog, String description, List<Positional> positionals, int requiredPositionals,
            List<CloudOption> own) {
        this.prog = prog;
        this.description = description;
        this.positionalSpecs = positionals;
        this.requiredPositionals = requiredPositionals;
        options.addAll(COMMON_BEFORE);
        options.addAll(own);
    }

    /** One option of the exclusive group must be given: {@code (-b ID | -r POLICY)} in usage, else exit 3. */
    CloudArgs requireOneOf(String group) {
        requiredGroups.add(group);
        return this;
    }

    String usage() {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            CloudOption o = options.get(i);
            if (o.exclusive() == null) {
                tokens.add("[" + o.usageToken() + "]");
                continue;
            }
            List<String> group = new ArrayList<>();
            while (i < options.size() && o.exclusive().equals(options.get(i).exclusive())) {
                group.add(options.get(i++).usageToken());
            }
            i--;
            boolean required = requiredGroups.contains(o.exclusive());
            tokens.add((required ? "(" : "[") + String.join(" | ", group) + (required ? ")" : "]"));
        }
        for (int i = 0; i < positionalSpecs.size(); i++) {
            String name = positionalSpecs.get(i).name();
            tokens.add(i < requiredPositionals ? name : "[" + name + "]");
        }
        String indent = " ".repeat("usage: ".length() + prog.length() + 1);
        StringBuilder b = new StringBuilder("usage: " + prog);
        int col = b.length();
        for (String t : tokens) {
            if (col + 1 + t.length() > WIDTH && col > indent.length()) {
                b.append('\n').append(indent).append(t);
                col = indent.length() + t.length();
            } else {
                b.append(' ').append(t);
                col += 1 + t.length();
            }
        }
        return b.toString();
    }

    String help() {
        StringBuilder b = new StringBuilder(usage()).append("\n\n");
        wrap(b, "", description, WIDTH);
        b.append("\npositional arguments:\n");
        for (Positional p : positionalSpecs) {
            entry(b, p.name(), p.help());
        }
        b.append("\noptions:\n");
        options.stream().filter(o -> !o.aws()).forEach(o -> entry(b, o.invocation(), o.help()));
        b.append("\nExtra options for the aws-s3 cloud provider:\n");
        options.stream().filter(CloudOption::aws).forEach(o -> entry(b, o.invocation(), o.help()));
        return b.toString();
    }

    private static void entry(StringBuilder b, String left, String help) {
        String pad = " ".repeat(HELP_COLUMN);
        if (2 + left.length() <= HELP_COLUMN - 2) {
            StringBuilder first = new StringBuilder();
            wrap(first, pad, help, WIDTH);
            b.append("  ").append(left).append(first.substring(2 + left.length()));
        } else {
            b.append("  ").append(left).append('\n');
            wrap(b, pad, help, WIDTH);
        }
    }

    /** Words of text wrapped at width, each line starting with indent. */
    private static void wrap(StringBuilder b, String indent, String text, int width) {
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" +")) {
            if (line.length() > indent.length() && line.length() + 1 + word.length() > width) {
                b.append(line).append('\n');
                line = new StringBuilder(indent);
            }
            if (line.length() > indent.length()) {
                line.append(' ');
            }
            line.append(word);
        }
        b.append(line).append('\n');
    }

    private CloudOption option(String name) {
        for (CloudOption o : options) {
            if (o.names().contains(name)) {
                return o;
            }
        }
        return null;
    }

    /** Parses args; prints help or version and exits 0, or usage and exits 3. */
    CloudArgs parse(String[] argv, PrintStream out, PrintStream err) {
        List<String> args = new ArrayList<>(List.of(argv));
        boolean onlyPositionals = false;
        Map<String, String> exclusiveSeen = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (onlyPositionals || !a.startsWith("-") || a.equals("-")) {
                positionals.add(a);
                continue;
            }
            if (a.equals("--")) {
                onlyPositionals = true;
                continue;
            }
            String name = a;
            String inline = null;
            if (a.startsWith("--")) {
                int eq = a.indexOf('=');
                if (eq > 0) {
                    name = a.substring(0, eq);
                    inline = a.substring(eq + 1);
                }
            } else if (a.length() > 2) {
                // -PNAME, -eAES256; short flags together (-vv, -vq, -zt) are one after the other, as argparse
                name = a.substring(0, 2);
                CloudOption first = option(name);
                if (first != null && (first.kind() == CloudOption.Kind.FLAG || first.kind() == CloudOption.Kind.COUNT)) {
                    args.add(i + 1, "-" + a.substring(2));
                } else {
                    inline = a.substring(2);
                }
            }
            CloudOption o = option(name);
            if (o == null) {
                fail(err, "unrecognized arguments: " + a);
            }
            String c = o.canonical();
            if (o.exclusive() != null) {
                String other = exclusiveSeen.putIfAbsent(o.exclusive(), c);
                if (other != null && !other.equals(c)) {
                    fail(err, "argument " + String.join("/", o.names()) + ": not allowed with argument "
                            + String.join("/", option(other).names()));
                }
            }
            switch (c) {
                case "--help" -> {
                    out.print(help());
                    out.flush();
                    throw new CloudExit(CloudExit.OK);
                }
                case "--version" -> {
                    out.println(prog + " " + CloudVersion.BARMAN);
                    out.flush();
                    throw new CloudExit(CloudExit.OK);
                }
                case "--verbose" -> verbose++;
                case "--quiet" -> quiet++;
                case "--test" -> test = true;
                default -> {
                    switch (o.kind()) {
                        case APPEND -> {
                            String v = inline;
                            if (v == null) {
                                if (i + 1 >= args.size() || (args.get(i + 1).startsWith("-") && args.get(i + 1).length() > 1)) {
                                    fail(err, "argument " + String.join("/", o.names()) + ": expected one argument");
                                }
                                v = args.get(++i);
                            }
                            multiValues.computeIfAbsent(c, k -> new ArrayList<>()).add(v);
                        }
                        case VALUE, INT -> {
                            String v = inline;
                            if (v == null) {
                                if (i + 1 >= args.size() || (args.get(i + 1).startsWith("-") && args.get(i + 1).length() > 1)) {
                                    fail(err, "argument " + String.join("/", o.names()) + ": expected one argument");
                                }
                                v = args.get(++i);
                            }
                            if (!o.choices().isEmpty() && !o.choices().contains(v)) {
                                fail(err, "argument " + String.join("/", o.names()) + ": invalid choice: '" + v
                                        + "' (choose from '" + String.join("', '", o.choices()) + "')");
                            }
                            if (o.kind() == CloudOption.Kind.INT) {
                                try {
                                    Integer.parseInt(v);
                                } catch (NumberFormatException e) {
                                    fail(err, "argument " + String.join("/", o.names()) + ": invalid int value: '"
                                            + v + "'");
                                }
                            }
                            values.put(c, v);
                        }
                        case FLAG, COUNT -> {
                            if (inline != null) {
                                fail(err, "argument " + name + ": ignored explicit argument '" + inline + "'");
                            }
                            setFlags.add(c);
                        }
                        case TAGS -> {
                            List<String[]> tags = new ArrayList<>();
                            if (inline != null) {
                                tags.add(parseTag(inline));
                            }
                            while (i + 1 < args.size() && !(args.get(i + 1).startsWith("-") && args.get(i + 1).length() > 1)) {
                                tags.add(parseTag(args.get(++i)));
                            }
                            tagLists.put(c, tags);
                        }
                    }
                }
            }
        }
        if (positionals.size() < requiredPositionals) {
            List<String> missing = positionalSpecs.subList(positionals.size(), requiredPositionals).stream()
                    .map(Positional::name).toList();
            fail(err, "the following arguments are required: " + String.join(", ", missing));
        }
        for (String group : requiredGroups) {
            if (!exclusiveSeen.containsKey(group)) {
                List<String> names = options.stream().filter(o -> group.equals(o.exclusive()))
                        .map(o -> String.join("/", o.names())).toList();
                fail(err, "one of the arguments " + String.join(" ", names) + " is required");
            }
        }
        if (positionals.size() > positionalSpecs.size()) {
            fail(err, "unrecognized arguments: "
                    + String.join(" ", positionals.subList(positionalSpecs.size(), positionals.size())));
        }
        return this;
    }

    /** A tag is one CSV row of two fields, {@code key,value}. */
    private static String[] parseTag(String tag) {
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < tag.length(); i++) {
            char ch = tag.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < tag.length() && tag.charAt(i + 1) == '"') {
                    f.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    f.append(ch);
                }
            } else if (ch == '"' && f.length() == 0) {
                quoted = true;
            } else if (ch == ',') {
                fields.add(f.toString());
                f.setLength(0);
            } else {
                f.append(ch);
            }
        }
        fields.add(f.toString());
        if (fields.size() != 2) {
            CloudLog.error("Invalid tag format: " + tag);
            throw new CloudExit(CloudExit.USAGE);
        }
        return fields.toArray(new String[0]);
    }

    void fail(PrintStream err, String message) {
        err.println(usage());
        err.println(prog + ": error: " + message);
        err.flush();
        throw new CloudExit(CloudExit.USAGE);
    }

    String value(String name) {
        return values.get(name);
    }
}
