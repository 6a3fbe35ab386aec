package org.barmanj.core.compat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Barman's human-readable sizes, durations and percentages, with Python's rounding. */
public final class Formats {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};

    private Formats() {
    }

    /** {@code pretty_size}: {@code 0 B}, {@code 1023 B}, {@code 1.0 KiB}, {@code 22.0 MiB}. */
    public static String size(double bytes) {
        double v = bytes;
        for (int i = 0; i < UNITS.length; i++) {
            if (Math.abs(v) < 1024 || i == UNITS.length - 1) {
                return i == 0 ? (long) v + " B" : fixed(v, 1) + " " + UNITS[i];
            }
            v /= 1024;
        }
        throw new AssertionError();
    }

    /** Python's {@code "%.Nf" % v}: the exact binary value rounded half-even. */
    public static String fixed(double v, int decimals) {
        return new BigDecimal(v).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
    }

    /** Python's {@code "{:.2%}".format(ratio)}. */
    public static String percent(double ratio) {
        return fixed(ratio * 100, 2) + "%";
    }

    /** {@code human_readable_timedelta}: {@code 1 hour, 1 minute, 1 second}, or {@code less than one second}. */
    public static String duration(Duration d) {
        Duration delta = d.abs();
        long days = delta.toDays();
        long seconds = delta.minusDays(days).getSeconds();
        List<String> parts = new ArrayList<>();
        unit(parts, days, "day");
        unit(parts, seconds / 3600, "hour");
        unit(parts, (seconds / 60) % 60, "minute");
        unit(parts, seconds % 60, "second");
        String text = parts.isEmpty() ? "less than one second" : String.join(", ", parts);
        return d.isNegative() ? text + " ago" : text;
    }

    /** A duration given in (fractional) seconds, as Barman's {@code timedelta(seconds=x)}. */
    public static String duration(double seconds) {
        long micros = Math.round(seconds * 1_000_000);
        return duration(Duration.ofNanos(micros * 1000));
    }

    private static void unit(List<String> parts, long n, String name) {
        if (n > 0) {
            parts.add(n + " " + name + (n == 1 ? "" : "s"));
        }
    }
}
