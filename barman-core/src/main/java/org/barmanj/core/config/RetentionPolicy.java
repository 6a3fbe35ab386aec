package org.barmanj.core.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Barman's {@code retention_policy}: {@code REDUNDANCY n} or {@code RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS}. */
public record RetentionPolicy(Kind kind, int value, char unit) {
    public enum Kind { REDUNDANCY, RECOVERY_WINDOW }

    private static final Pattern REDUNDANCY = Pattern.compile("(?i)\\s*redundancy\\s+(\\d+)\\s*");
    private static final Pattern WINDOW = Pattern.compile(
            "(?i)\\s*recovery\\s+window\\s+of\\s+(\\d+)\\s+(day|month|week)s?\\s*");

    public static RetentionPolicy parse(String text) {
        Matcher m = REDUNDANCY.matcher(text);
        if (m.matches()) {
            return new RetentionPolicy(Kind.REDUNDANCY, Integer.parseInt(m.group(1)), ' ');
        }
        m = WINDOW.matcher(text);
        if (m.matches()) {
            return new RetentionPolicy(Kind.RECOVERY_WINDOW, Integer.parseInt(m.group(1)),
                    Character.toLowerCase(m.group(2).charAt(0)));
        }
        throw new IllegalArgumentException(
                "allowed: 'REDUNDANCY <n>' or 'RECOVERY WINDOW OF <n> {DAYS|WEEKS|MONTHS}'");
    }

    /** The length of a recovery window (a month counts 31 days). */
    public Duration window() {
        return switch (unit) {
            case 'd' -> Duration.ofDays(value);
            case 'w' -> Duration.ofDays(7L * value);
            default -> Duration.ofDays(31L * value);
        };
    }

    @Override
    public String toString() {
        if (kind == Kind.REDUNDANCY) {
            return "REDUNDANCY " + value;
        }
        String word = switch (unit) {
            case 'd' -> "DAYS";
            case 'w' -> "WEEKS";
            default -> "MONTHS";
        };
        return "RECOVERY WINDOW OF " + value + " " + word;
    }
}
