package org.barmanj.core.compat;

import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading and writing the timestamps of {@code backup.info} the way Python's {@code datetime} prints them. */
public final class PyDateTime {
    private static final Pattern FORMAT = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})[ T](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?"
                    + "\\s*(Z|[+-]\\d{2}(?::?\\d{2}(?::?\\d{2})?)?)?");

    private PyDateTime() {
    }

    /**
     * Parses the formats Barman writes ({@code 2026-11-24 16:33:25.659801+00:00}) and the ISO variants;
     * a time without offset is taken in the local zone of this host, as Barman does.
     */
    public static OffsetDateTime parse(String text) {
        Matcher m = FORMAT.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a date and time: '" + text + "'");
        }
        try {
            return of(m);
        } catch (java.time.DateTimeException e) {
            // A field out of range: month 13, hour 25, an offset beyond 18 hours.
            throw new IllegalArgumentException("not a date and time: '" + text + "' (" + e.getMessage() + ")");
        }
    }

    private static OffsetDateTime of(Matcher m) {
        int nanos = 0;
        if (m.group(7) != null) {
            nanos = Integer.parseInt((m.group(7) + "000000000").substring(0, 9));
        }
        LocalDateTime local = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                m.group(6) == null ? 0 : Integer.parseInt(m.group(6)), nanos);
        String zone = m.group(8);
        if (zone == null) {
            return local.atZone(ZoneId.systemDefault()).toOffsetDateTime();
        }
        if (zone.equals("Z")) {
            return local.atOffset(ZoneOffset.UTC);
        }
        String digits = zone.replace(":", "");
        int sign = digits.charAt(0) == '-' ? -1 : 1;
        int hours = Integer.parseInt(digits.substring(1, 3));
        int minutes = digits.length() >= 5 ? Integer.parseInt(digits.substring(3, 5)) : 0;
        int seconds = digits.length() >= 7 ? Integer.parseInt(digits.substring(5, 7)) : 0;
        return local.atOffset(ZoneOffset.ofHoursMinutesSeconds(sign * hours, sign * minutes, sign * seconds));
    }

    /** Python's {@code str(datetime)}: microseconds only when non-zero, offset as {@code +HH:MM}. */
    public static String format(OffsetDateTime t) {
        StringBuilder out = new StringBuilder(String.format("%04d-%02d-%02d %02d:%02d:%02d", t.getYear(),
                t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond()));
        int micros = t.getNano() / 1000;
        if (micros != 0) {
            out.append(String.format(".%06d", micros));
        }
        return out.append(offset(t.getOffset())).toString();
    }

    private static String offset(ZoneOffset offset) {
        int total = offset.getTotalSeconds();
        char sign = total < 0 ? '-' : '+';
        total = Math.abs(total);
        String s = String.format("%c%02d:%02d", sign, total / 3600, (total / 60) % 60);
        return total % 60 == 0 ? s : s + String.format(":%02d", total % 60);
    }

    /** Python's {@code datetime.ctime()}: {@code Tue Nov 24 16:33:30 2026}, day padded with a space. */
    public static String ctime(OffsetDateTime t) {
        return String.format("%s %s %2d %02d:%02d:%02d %d",
                t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH),
                t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH),
                t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(), t.getYear());
    }
}
