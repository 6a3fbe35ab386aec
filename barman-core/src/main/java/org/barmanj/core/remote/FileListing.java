package org.barmanj.core.remote;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of {@code rsync --list-only -r} output, read with {@code TZ=UTC} so the times need no zone guess:
 * {@code -rw------- 8,192 2026/11/25 10:00:00 base/1/112}. Names are relative to the listed folder; rsync
 * escapes unusual bytes as {@code \#ooo} (octal), which are decoded.
 */
public record FileListing(String path, boolean directory, long size, long mtimeSeconds) {
    private static final Pattern LINE = Pattern.compile(
            "^([-dlcbps])\\S{9}\\s+([\\d,]+)\\s+(\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2})\\s(.+)$");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss");
    private static final Pattern ESCAPE = Pattern.compile("\\\\#([0-7]{3})");

    /** Parses a line; null for lines that are not entries, for the top folder itself ({@code .}) and special files. */
    public static FileListing parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return null;
        }
        char type = m.group(1).charAt(0);
        String name = decode(m.group(4));
        if (name.equals(".") || (type != '-' && type != 'd')) {
            return null;
        }
        long size = Long.parseLong(m.group(2).replace(",", ""));
        long mtime = LocalDateTime.parse(m.group(3), TIME).toEpochSecond(ZoneOffset.UTC);
        return new FileListing(name, type == 'd', size, mtime);
    }

    static String decode(String name) {
        if (name.indexOf("\\#") < 0) {
            return name;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Matcher m = ESCAPE.matcher(name);
        int at = 0;
        while (m.find()) {
            bytes.writeBytes(name.substring(at, m.start()).getBytes(StandardCharsets.UTF_8));
            bytes.write(Integer.parseInt(m.group(1), 8));
            at = m.end();
        }
        bytes.writeBytes(name.substring(at).getBytes(StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
