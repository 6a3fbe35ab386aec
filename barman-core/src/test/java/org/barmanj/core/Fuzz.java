package org.barmanj.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The harness of the parser robustness tests: random and mutated inputs, each either accepted or refused with a
 * {@link BarmanException} whose one-line message names the input; any other exception is a bug. The same inputs
 * on every run, so that CI stays deterministic; {@code -Dfuzz.seed=N} runs other ones, {@code -Dfuzz.seed=random}
 * a new seed each time (a failure prints the seed that reproduces it).
 */
public final class Fuzz {
    public static final long SEED = seed(System.getProperty("fuzz.seed", "20261202"));
    /** Values that break naive parsers: signs, overflow, exponents, unclosed literals, deep nesting, NUL. */
    public static final List<String> NASTY = List.of("None", "", "''", "abc", "-1", "0", "-0", "+5",
            "99999999999999999999", "1e400", "NaN", "Infinity", "[", "[[[[[[[[[[", "[".repeat(5000), "{'a': ",
            "'unterminated", "\"",
            "('x', 1, '/t')", "[('x', 'y', 'z')]", "[('t', 99999999999999999999, '/t')]", "{'copy_time': 'x'}",
            "2026-13-45 99:99:99", "9999-12-31 23:59:59+00:00", "0/ZZ", "/", "0/", "FFFFFFFF/FFFFFFFF",
            "000000010000000000000002", "00000001", "ZZZZZZZZZZZZZZZZZZZZZZZZ", "DONE", "WAITING_FOR_WALS", "FAILED",
            "%", "%(", "%(x)s", "%%", "%(barman_home)s", "on", "off", "1 DAYS", "RECOVERY WINDOW OF 99999999999 DAYS",
            "REDUNDANCY -1", "REDUNDANCY 99999999999", "\0", "\t", "é\u2028", "\\", "\\n", "..", "a=b=c", "[demo]",
            "[barman]", "2147483648", "-2147483649", "1 GB", "0x10");

    private static long seed(String property) {
        return property.equals("random") ? new Random().nextLong() : Long.parseLong(property);
    }

    private Fuzz() {
    }

    public interface Case {
        void run(Random random) throws Exception;
    }

    /**
     * Runs {@code cases} inputs; a BarmanException must satisfy {@code namesInput}, anything else fails the test
     * with the seeds that reproduce it.
     */
    public static void run(String what, int cases, Predicate<String> namesInput, Case body) {
        for (int i = 0; i < cases; i++) {
            Random random = new Random(SEED + i);
            try {
                body.run(random);
            } catch (BarmanException e) {
                String m = e.getMessage();
                if (m == null || !namesInput.test(m) || m.lines().count() != 1) {
                    fail(what + " case " + i + " (-Dfuzz.seed=" + SEED + "): a message that does not name the input "
                            + "on one line: " + m, e);
                }
            } catch (Throwable t) {
                fail(what + " case " + i + " (-Dfuzz.seed=" + SEED + "): " + t, t);
            }
        }
    }

    /** Line-level mutations (values replaced, lines dropped, doubled or cut), then sometimes byte-level ones. */
    public static String mutateLines(Random random, String text) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        for (int n = 1 + random.nextInt(4); n > 0 && !lines.isEmpty(); n--) {
            int i = random.nextInt(lines.size());
            String line = lines.get(i);
            int sep = Math.max(line.indexOf('='), line.indexOf('\t'));
            switch (random.nextInt(6)) {
                case 0, 1 -> lines.set(i, sep < 0 ? nasty(random) : line.substring(0, sep + 1) + nasty(random));
                case 2 -> lines.remove(i);
                case 3 -> lines.add(i, line);
                case 4 -> lines.set(i, line.substring(0, random.nextInt(line.length() + 1)));
                default -> lines.add(i, nasty(random) + (random.nextBoolean() ? "=" + nasty(random) : ""));
            }
        }
        String result = String.join("\n", lines);
        return random.nextInt(4) == 0
                ? new String(mutateBytes(random, result.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)
                : result;
    }

    public static String nasty(Random random) {
        return NASTY.get(random.nextInt(NASTY.size()));
    }

    public static String pick(Random random, List<String> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** Bytes flipped, set to structure characters, inserted, deleted or the input cut short. */
    public static byte[] mutateBytes(Random random, byte[] input) {
        byte[] b = input.clone();
        byte[] special = {0, ' ', '\n', '=', '-', '0', '7', '9', '[', '\'', '%', (byte) 0xff, (byte) 0x80};
        for (int n = 1 + random.nextInt(8); n > 0 && b.length > 0; n--) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = special[random.nextInt(special.length)];
                case 2 -> b = Arrays.copyOf(b, at);
                case 3 -> {
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
                default -> {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter;
                }
            }
        }
        return b;
    }

    public static byte[] randomBytes(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }
}
