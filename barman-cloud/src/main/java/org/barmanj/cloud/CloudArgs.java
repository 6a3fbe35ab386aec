package org.barmanj.cloud;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The command line of Barman 3.4's barman-cloud-* commands (argparse, as {@code cloud_cli.py} builds it): the
 * common options, the command's own, its positionals. A usage error prints usage and exits 3.
 */
final class CloudArgs {
    /** Options every command has; values given with a space or {@code =}. */
    private static final Set<String> COMMON_VALUED = Set.of("--cloud-provider", "--endpoint-url", "--profile",
            "--read-timeout", "--credential");

    final String prog;
    private final String usageTail;
    private final String help;
    private final Set<String> valued;
    private final Set<String> flags;
    private final Set<String> lists;
    private final Map<String, String> aliases;
    private final List<String> positionalNames;
    private final int requiredPositionals;

    // Parsed.
    int verbose;
    int quiet;
    boolean test;
    final Map<String, String> values = new LinkedHashMap<>();
    final Map<String, List<String[]>> tagLists = new LinkedHashMap<>();
    final Set<String> setFlags = new java.util.LinkedHashSet<>();
    final List<String> positionals = new ArrayList<>();

    CloudArgs(String prog, String usageTail, String help, Set<String> valued, Set<String> flags, Set<String> lists,
            Map<String, String> aliases, List<String> positionalNames, int requiredPositionals) {
        this.prog = prog;
        this.usageTail = usageTail;
        this.help = help;
        this.valued = valued;
        this.flags = flags;
        this.lists = lists;
        this.aliases = aliases;
        this.positionalNames = positionalNames;
        this.requiredPositionals = requiredPositionals;
    }

    String usage() {
        return "usage: " + prog + " [-V] [--help] [-v | -q] [-t] [--cloud-provider {aws-s3,azure-blob-storage,google-cloud-storage}]\n"
                + " ".repeat(8 + prog.length()) + "[--endpoint-url ENDPOINT_URL] [-P PROFILE] [--read-timeout READ_TIMEOUT]\n"
                + " ".repeat(8 + prog.length()) + usageTail;
    }

    /** Parses args; prints help or version and exits 0, or usage and exits 3. */
    CloudArgs parse(String[] args, PrintStream out, PrintStream err) {
        boolean onlyPositionals = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
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
                // -vv, -qq, -PNAME, -eAES256
                String first = a.substring(0, 2);
                String canonical = canonical(first);
                if (canonical.equals("--verbose") || canonical.equals("--quiet")) {
                    for (char c : a.substring(1).toCharArray()) {
                        if (c != a.charAt(1)) {
                            fail(err, "unrecognized arguments: " + a);
                        }
                    }
                    if (canonical.equals("--verbose")) verbose += a.length() - 1; else quiet += a.length() - 1;
                    continue;
                }
                name = first;
                inline = a.substring(2);
            }
            String c = canonical(name);
            switch (c) {
                case "--help" -> {
                    out.print(usage() + "\n\n" + help);
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
                    if (COMMON_VALUED.contains(c) || valued.contains(c)) {
                        String v = inline;
                        if (v == null) {
                            if (i + 1 >= args.length || (args[i + 1].startsWith("-") && args[i + 1].length() > 1)) {
                                fail(err, "argument " + name + ": expected one argument");
                            }
                            v = args[++i];
                        }
                        values.put(c, v);
                    } else if (flags.contains(c)) {
                        if (inline != null) {
                            fail(err, "argument " + name + ": ignored explicit argument '" + inline + "'");
                        }
                        setFlags.add(c);
                    } else if (lists.contains(c)) {
                        List<String[]> tags = new ArrayList<>();
                        if (inline != null) {
                            tags.add(parseTag(inline, err));
                        }
                        while (i + 1 < args.length && !(args[i + 1].startsWith("-") && args[i + 1].length() > 1)) {
                            tags.add(parseTag(args[++i], err));
                        }
                        tagLists.put(c, tags);
                    } else {
                        fail(err, "unrecognized arguments: " + a);
                    }
                }
            }
        }
        if (verbose > 0 && quiet > 0) {
            fail(err, "argument -q/--quiet: not allowed with argument -v/--verbose");
        }
        if (positionals.size() < requiredPositionals) {
            List<String> missing = positionalNames.subList(positionals.size(), requiredPositionals);
            fail(err, "the following arguments are required: " + String.join(", ", missing));
        }
        if (positionals.size() > positionalNames.size()) {
            fail(err, "unrecognized arguments: "
                    + String.join(" ", positionals.subList(positionalNames.size(), positionals.size())));
        }
        String provider = values.getOrDefault("--cloud-provider", "aws-s3");
        if (!Set.of("aws-s3", "azure-blob-storage", "google-cloud-storage").contains(provider)) {
            fail(err, "argument --cloud-provider: invalid choice: '" + provider
                    + "' (choose from 'aws-s3', 'azure-blob-storage', 'google-cloud-storage')");
        }
        if (values.containsKey("--read-timeout")) {
            try {
                Integer.parseInt(values.get("--read-timeout"));
            } catch (NumberFormatException e) {
                fail(err, "argument --read-timeout: invalid int value: '" + values.get("--read-timeout") + "'");
            }
        }
        return this;
    }

    private String canonical(String name) {
        String c = aliases.get(name);
        if (c != null) {
            return c;
        }
        return switch (name) {
            case "-V" -> "--version";
            case "-v" -> "--verbose";
            case "-q" -> "--quiet";
            case "-t" -> "--test";
            case "-P" -> "--profile";
            default -> name;
        };
    }

    /** A tag is one CSV row of two fields, {@code key,value}. */
    private String[] parseTag(String tag, PrintStream err) {
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
