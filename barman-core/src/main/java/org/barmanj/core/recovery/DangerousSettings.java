package org.barmanj.core.recovery;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Barman's pass over a restored {@code postgresql.conf} / {@code postgresql.auto.conf}: a restored server must not
 * archive into the backup's catalog nor stop at a recovery target left in its settings, so {@code archive_command}
 * becomes {@code false} and the {@code recovery_target*} settings are commented out ({@code #BARMAN#}); settings
 * naming files and sockets of the original host are only reported for review. Line numbers are 0-based, as
 * Barman prints them.
 */
public final class DangerousSettings {
    private static final Pattern SETTING = Pattern.compile("^\\s*([^\\s=]+)\\s*=?\\s*(.*)$");
    private static final Set<String> RECOVERY_TARGETS = Set.of("recovery_target", "recovery_target_name",
            "recovery_target_time", "recovery_target_xid", "recovery_target_lsn", "recovery_target_inclusive",
            "recovery_target_timeline", "recovery_target_action");
    private static final Set<String> TO_REVIEW = Set.of("data_directory", "config_file", "hba_file", "ident_file",
            "external_pid_file", "ssl_cert_file", "ssl_key_file", "ssl_ca_file", "ssl_crl_file",
            "unix_socket_directory", "unix_socket_directories", "include", "include_dir", "include_if_exists");

    /** One reported line: {@code <file> line <n>: <key> = <value>}. */
    public record Setting(String file, int line, String key, String value) {
        public String text() {
            return file + " line " + line + ": " + key + " = " + value;
        }
    }

    /** The rewritten file, what was changed and what is to review. */
    public record Result(List<String> lines, List<Setting> changed, List<Setting> toReview) {
    }

    private DangerousSettings() {
    }

    public static Result examine(String fileName, List<String> lines) {
        List<String> out = new ArrayList<>();
        List<Setting> changed = new ArrayList<>();
        List<Setting> review = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher m = SETTING.matcher(line);
            String key = m.matches() ? m.group(1) : null;
            if ("archive_command".equals(key)) {
                out.add("#BARMAN#" + line);
                out.add("archive_command = false");
                changed.add(new Setting(fileName, i, key, "false"));
            } else if (key != null && RECOVERY_TARGETS.contains(key)) {
                out.add("#BARMAN#" + line);
                changed.add(new Setting(fileName, i, key, "None"));
            } else {
                if (key != null && TO_REVIEW.contains(key)) {
                    review.add(new Setting(fileName, i, key, m.group(2)));
                }
                out.add(line);
            }
        }
        return new Result(out, changed, review);
    }
}
