package org.barmanj.walarchive;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** The small argparse-like command line of both clients: flags, options with a value, fixed positionals. */
final class Args {
    /**
     * An option: a flag ({@code value} receives null) or an option taking one value; {@code apply} refuses a
     * value with an {@link IllegalArgumentException} whose message says what is allowed.
     */
    record Spec(boolean takesValue, Consumer<String> apply) {
        static Spec flag(Runnable set) {
            return new Spec(false, v -> set.run());
        }

        static Spec value(Consumer<String> set) {
            return new Spec(true, set);
        }
    }

    /** A command-line mistake, with argparse's wording. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    private Args() {
    }

    /** Applies the options and returns the positional arguments, exactly as many as {@code names}. */
    static List<String> parse(String[] args, Map<String, Spec> options, String... names) throws UsageException {
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            int eq = a.indexOf('=');
            String name = a.startsWith("--") && eq > 0 ? a.substring(0, eq) : a;
            Spec spec = options.get(name);
            if (spec == null) {
                if (a.startsWith("-") && a.length() > 1) {
                    throw new UsageException("unrecognized arguments: " + a);
                }
                positional.add(a);
                continue;
            }
            String value = null;
            if (spec.takesValue()) {
                if (name.length() < a.length()) {
                    value = a.substring(eq + 1);
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException("argument " + a + ": expected one argument");
                }
            }
            try {
                spec.apply().accept(value);
            } catch (NumberFormatException e) {
                throw new UsageException("argument " + name + ": invalid int value: '" + value + "'");
            } catch (IllegalArgumentException e) {
                throw new UsageException("argument " + name + ": " + e.getMessage());
            }
        }
        if (positional.size() < names.length) {
            throw new UsageException("the following arguments are required: "
                    + String.join(", ", List.of(names).subList(positional.size(), names.length)));
        }
        if (positional.size() > names.length) {
            throw new UsageException("unrecognized arguments: "
                    + String.join(" ", positional.subList(names.length, positional.size())));
        }
        return positional;
    }
}
