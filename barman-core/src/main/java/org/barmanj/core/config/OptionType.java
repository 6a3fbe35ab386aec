package org.barmanj.core.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How the text of an option becomes a typed value; {@link #parse} throws with what is allowed. */
public abstract class OptionType {
    private static final Pattern TRUE = Pattern.compile("(?i)true|t|yes|1|on");
    private static final Pattern FALSE = Pattern.compile("(?i)false|f|no|0|off");
    private static final Pattern INTERVAL = Pattern.compile("(?i)\\s*(\\d+)\\s+(day|month|week|hour)s?\\s*");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(k|Ki|M|Mi|G|Gi|T|Ti)?\\s*");
    private static final Pattern SLOT = Pattern.compile("[0-9a-z_]+");
    private static final Pattern INTEGER = Pattern.compile("\\s*[+-]?\\d+\\s*");

    private final String description;

    private OptionType(String description) {
        this.description = description;
    }

    /** What a value of this type is, in words (the manual page's type column). */
    public String describe() {
        return description;
    }

    /**
     * Parses the text; throws IllegalArgumentException naming what is allowed. Returns null when the text
     * means "not set here" (an empty interval or size), so that the global value or the default applies.
     */
    public abstract Object parse(String text);

    /**
     * True when an unparsable value is kept (Barman 3.4 stores it and fails {@code check}); false when it is
     * ignored and the option falls back to the global value or the default.
     */
    public boolean keepsInvalidText() {
        return false;
    }

    public static final OptionType STRING = new OptionType("text") {
        @Override
        public Object parse(String text) {
            return text;
        }
    };

    public static final OptionType BOOLEAN = new OptionType(
            "boolean: true, false (also on/off, yes/no, t/f, 1/0)") {
        @Override
        public Object parse(String text) {
            if (TRUE.matcher(text).matches()) {
                return Boolean.TRUE;
            }
            if (FALSE.matcher(text).matches()) {
                return Boolean.FALSE;
            }
            throw new IllegalArgumentException("allowed: true, false (also on/off, yes/no, t/f, 1/0)");
        }
    };

    public static final OptionType INTEGER_TYPE = new OptionType("integer") {
        @Override
        public Object parse(String text) {
            if (!INTEGER.matcher(text).matches()) {
                throw new IllegalArgumentException("allowed: an integer");
            }
            return Integer.valueOf(text.strip().replace("+", ""));
        }
    };

    /** Barman's {@code N day|week|month|hour[s]} (a month is 31 days). */
    public static final OptionType INTERVAL_TYPE = new OptionType(
            "interval: N {hour|day|week|month}[s], e.g. 1 week (a month is 31 days)") {
        @Override
        public Object parse(String text) {
            if (text.isEmpty()) {
                return null;
            }
            Matcher m = INTERVAL.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("allowed: N {hour|day|week|month}[s], e.g. '1 week'");
            }
            long n = Long.parseLong(m.group(1));
            return switch (Character.toLowerCase(m.group(2).charAt(0))) {
                case 'd' -> Duration.ofDays(n);
                case 'w' -> Duration.ofDays(7 * n);
                case 'm' -> Duration.ofDays(31 * n);
                default -> Duration.ofHours(n);
            };
        }
    };

    /** An integer with an optional SI or IEC suffix ({@code k Ki M Mi G Gi T Ti}). */
    public static final OptionType SIZE_TYPE = new OptionType(
            "size: an integer with an optional k, Ki, M, Mi, G, Gi, T or Ti suffix") {
        @Override
        public Object parse(String text) {
            if (text.isEmpty()) {
                return null;
            }
            Matcher m = SIZE.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("allowed: an integer with an optional k, Ki, M, Mi, G, Gi, T or Ti suffix");
            }
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2);
            long factor = unit == null ? 1 : switch (unit) {
                case "k" -> 1000L;
                case "Ki" -> 1024L;
                case "M" -> 1000_000L;
                case "Mi" -> 1L << 20;
                case "G" -> 1000_000_000L;
                case "Gi" -> 1L << 30;
                case "T" -> 1000_000_000_000L;
                default -> 1L << 40;
            };
            return n * factor;
        }
    };

    public static final OptionType SLOT_NAME = new OptionType(
            "replication slot name: lower-case letters, digits and underscores") {
        @Override
        public Object parse(String text) {
            String v = text.toLowerCase(Locale.ROOT);
            if (!SLOT.matcher(v).matches()) {
                throw new IllegalArgumentException("allowed: lower-case letters, digits and underscores");
            }
            return v;
        }
    };

    public static final OptionType ABSOLUTE_PATH = new OptionType("absolute path") {
        @Override
        public Object parse(String text) {
            if (!text.startsWith("/")) {
                throw new IllegalArgumentException("allowed: an absolute path");
            }
            return text;
        }
    };

    /** {@code name:kbps name:kbps ...}, for tablespace_bandwidth_limit; kept as written once checked. */
    public static final OptionType TABLESPACE_LIMITS = new OptionType(
            "space-separated NAME:KBPS pairs, e.g. tbs1:1000") {
        @Override
        public Object parse(String text) {
            for (String rule : text.trim().split("\\s+")) {
                int colon = rule.lastIndexOf(':');
                if (!rule.isEmpty() && (colon <= 0 || !rule.substring(colon + 1).matches("\\d+"))) {
                    throw new IllegalArgumentException("allowed: space-separated NAME:KBPS pairs, e.g. 'tbs1:1000'");
                }
            }
            return text;
        }
    };

    public static final OptionType RETENTION = new OptionType(
            "retention policy: REDUNDANCY N, or RECOVERY WINDOW OF N {DAYS|WEEKS|MONTHS}") {
        @Override
        public Object parse(String text) {
            return text.isBlank() ? "" : RetentionPolicy.parse(text);
        }

        @Override
        public boolean keepsInvalidText() {
            return true;
        }
    };

    /** One of a fixed set of words, compared case-insensitively. */
    public static OptionType oneOf(String... allowed) {
        return new Choice(List.of(allowed), false);
    }

    /** Like {@link #oneOf} but an unknown word is kept and reported by {@code check}, as Barman does. */
    public static OptionType oneOfCheckedLater(String... allowed) {
        return new Choice(List.of(allowed), true);
    }

    /** A comma-separated set of words from {@code allowed}; each pair in {@code conflicts} is exclusive. */
    public static OptionType csv(List<String> allowed, String... conflicts) {
        return new Csv(allowed, Arrays.asList(conflicts));
    }

    static String quotedList(List<String> words) {
        return "'" + String.join("', '", words) + "'";
    }

    private static final class Choice extends OptionType {
        private final List<String> allowed;
        private final boolean keep;

        Choice(List<String> allowed, boolean keep) {
            super("one of: " + String.join(", ", allowed));
            this.allowed = allowed;
            this.keep = keep;
        }

        @Override
        public Object parse(String text) {
            String v = text.toLowerCase(Locale.ROOT);
            if (!allowed.contains(v)) {
                throw new IllegalArgumentException("allowed: " + quotedList(allowed));
            }
            return v;
        }

        @Override
        public boolean keepsInvalidText() {
            return keep;
        }
    }

    private static final class Csv extends OptionType {
        private final List<String> allowed;
        private final List<String> conflicts;

        Csv(List<String> allowed, List<String> conflicts) {
            super("comma-separated list of: " + String.join(", ", allowed));
            this.allowed = allowed;
            this.conflicts = conflicts;
        }

        @Override
        public Object parse(String text) {
            Set<String> values = new LinkedHashSet<>();
            if (text.isEmpty()) {
                return Set.of();
            }
            List<String> sorted = new ArrayList<>(Arrays.asList(text.split(",")));
            sorted.sort(null);
            for (String raw : sorted) {
                String v = raw.strip().toLowerCase(Locale.ROOT);
                if (!allowed.contains(v)) {
                    throw new IllegalArgumentException("'" + v + "' is not one of " + quotedList(allowed));
                }
                values.add(v);
            }
            for (int i = 0; i + 1 < conflicts.size(); i += 2) {
                if (values.contains(conflicts.get(i)) && values.contains(conflicts.get(i + 1))) {
                    throw new IllegalArgumentException("cannot contain both '" + conflicts.get(i) + "' and '"
                            + conflicts.get(i + 1) + "'");
                }
            }
            return Set.copyOf(values);
        }
    }
}
