package org.barmanj.cloud;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Barman's WAL file names (segments, .partial, .backup labels, .history) and the bucket directory of each. */
final class WalNames {
    private static final Pattern XLOG = Pattern.compile(
            "^([0-9A-Fa-f]{8})(?:([0-9A-Fa-f]{8})([0-9A-Fa-f]{8})(?:\\.[0-9A-Fa-f]{8}\\.backup|\\.partial)?|\\.history)$");

    private WalNames() {}

    static String basename(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? path : path.substring(slash + 1);
    }

    static boolean isAnyXlog(String path) {
        return XLOG.matcher(basename(path)).matches();
    }

    static boolean isHistory(String path) {
        return isAnyXlog(path) && basename(path).endsWith(".history");
    }

    static boolean isBackupLabel(String path) {
        return isAnyXlog(path) && basename(path).endsWith(".backup");
    }

    static long timeline(String name) {
        Matcher m = XLOG.matcher(basename(name));
        if (!m.matches()) {
            throw new IllegalArgumentException(basename(name) + " is not a WAL file name");
        }
        return Long.parseLong(m.group(1), 16);
    }

    /** The folder under {@code wals/}: {@code TTTTTTTTXXXXXXXX} in upper case, or "" for a history file. */
    static String hashDir(String path) {
        Matcher m = XLOG.matcher(basename(path));
        if (!m.matches()) {
            throw new IllegalArgumentException(basename(path) + " is not a WAL file name");
        }
        if (m.group(2) == null) {
            return "";
        }
        return String.format(Locale.ROOT, "%08X%08X", Long.parseLong(m.group(1), 16), Long.parseLong(m.group(2), 16));
    }

    /** os.path.join of Barman: empty parts add nothing, a part never gets a second slash. */
    static String join(String... parts) {
        StringBuilder b = new StringBuilder();
        for (String p : parts) {
            if (p.isEmpty()) {
                if (b.length() > 0 && b.charAt(b.length() - 1) != '/') {
                    b.append('/');
                }
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != '/') {
                b.append('/');
            }
            b.append(p);
        }
        return b.toString();
    }
}
