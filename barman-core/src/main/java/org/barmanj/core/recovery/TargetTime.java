package org.barmanj.core.recovery;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --target-time} as Barman 3.4 reads it ({@code dateutil.parser.parse}; a time without a zone is in this
 * host's zone), for the forms PostgreSQL also reads as {@code recovery_target_time}, where Barman writes the text
 * as given: dates {@code YYYY-MM-DD} (or with {@code /} or {@code .}, months and days of one or two digits) or
 * {@code YYYYMMDD}; then, after {@code T} or spaces, {@code H:M[:S[.fraction]]} or {@code HHMM[SS[.fraction]]};
 * then a zone, {@code Z}, {@code UTC}, {@code GMT}, {@code ±H}, {@code ±HH}, {@code ±HHMM} or {@code ±HH:MM}.
 * What dateutil reads besides is refused: what PostgreSQL does not read ({@code 2030-01-01 10}, {@code 10am}, a
 * bare time or year completed from today's date, 12 or 14 digits in a row), what it may read otherwise
 * ({@code 01/02/2030} by its DateStyle; a zone name dateutil does not know, which it ignores), and, not read by
 * this version, month names.
 */
public final class TargetTime {
    private static final Pattern FORM = Pattern.compile(
            "(\\d{4})(?:([-/.])(\\d{1,2})\\2(\\d{1,2})|(\\d{2})(\\d{2}))"
                    + "(?:(?:[Tt]| +)(?:(\\d{1,2}):(\\d{1,2})(?::(\\d{1,2})(?:\\.(\\d+))?)?"
                    + "|(\\d{2})(\\d{2})(?:(\\d{2})(?:\\.(\\d+))?)?)"
                    + "(?: *(Z|UTC|GMT|([+-])(\\d{2})(?::?(\\d{2}))?|([+-])(\\d)))?)?");
    static final String FORMS = "expected YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][ ZONE] or YYYYMMDD[THHMMSS][ZONE], "
            + "ZONE being Z, UTC, GMT, +HH, +HHMM or +HH:MM (none: this host's time zone)";

    private TargetTime() {
    }

    /**
     * The time {@code text} names; without a zone, in {@code local}, as Barman (which uses this host's zone,
     * while PostgreSQL reads the text it is given in its own {@code TimeZone}). Fractions of a second finer than
     * microseconds are dropped, as by dateutil.
     *
     * @throws IllegalArgumentException saying why, in dateutil's words where it has them
     */
    public static OffsetDateTime parse(String text, ZoneId local) {
        Matcher m = FORM.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(FORMS);
        }
        int year = Integer.parseInt(m.group(1));
        int month = number(m, 3, 5);
        int day = number(m, 4, 6);
        if (year == 0) {
            throw new IllegalArgumentException("year 0 is out of range");
        }
        if (month < 1 || month > 12) {
            throw new IllegalArgumentException("month must be in 1..12");
        }
        LocalDate date;
        try {
            date = LocalDate.of(year, month, day);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("day is out of range for month");
        }
        LocalTime time = LocalTime.MIDNIGHT;
        if (m.group(7) != null || m.group(11) != null) {
            int hour = number(m, 7, 11);
            int minute = number(m, 8, 12);
            int second = m.group(9) != null || m.group(13) != null ? number(m, 9, 13) : 0;
            String fraction = m.group(10) != null ? m.group(10) : m.group(14);
            check("hour", hour, 23);
            check("minute", minute, 59);
            check("second", second, 59);
            int nanos = fraction == null ? 0 : Integer.parseInt((fraction + "000000").substring(0, 6)) * 1000;
            time = LocalTime.of(hour, minute, second, nanos);
        }
        LocalDateTime named = LocalDateTime.of(date, time);
        String zone = m.group(15);
        if (zone == null) {
            return named.atZone(local).toOffsetDateTime();
        }
        if (zone.equals("Z") || zone.equals("UTC") || zone.equals("GMT")) {
            return named.atOffset(ZoneOffset.UTC);
        }
        boolean negative = (m.group(16) != null ? m.group(16) : m.group(19)).equals("-");
        int hours = Integer.parseInt(m.group(17) != null ? m.group(17) : m.group(20));
        int minutes = m.group(18) == null ? 0 : Integer.parseInt(m.group(18));
        // PostgreSQL's limit for a zone offset (dateutil's is 24 hours).
        if (hours > 15 || minutes > 59) {
            throw new IllegalArgumentException("offset must be between -15:59 and +15:59");
        }
        int sign = negative ? -1 : 1;
        return named.atOffset(ZoneOffset.ofHoursMinutes(sign * hours, sign * minutes));
    }

    private static int number(Matcher m, int group, int alternative) {
        return Integer.parseInt(m.group(group) != null ? m.group(group) : m.group(alternative));
    }

    private static void check(String what, int value, int max) {
        if (value > max) {
            throw new IllegalArgumentException(what + " must be in 0.." + max);
        }
    }
}
