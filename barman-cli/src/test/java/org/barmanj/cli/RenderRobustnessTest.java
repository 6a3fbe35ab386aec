package org.barmanj.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every field of a DONE backup.info, absent or set to each value below, through list-backups and show-backup
 * (console and JSON): the backup is shown, or refused with one {@code ERROR:} line naming its backup.info; never
 * a Java exception. The parsers' own robustness tests are in barman-core ({@code *RobustnessTest}).
 */
class RenderRobustnessTest {
    static final List<String> VALUES = List.of("None", "", "abc", "-1", "0", "99999999999999999999", "1.5", "[",
            "{'copy_time': 'x'}", "{'copy_time': 0, 'analysis_time': None}",
            "{'copy_time': -1.5, 'number_of_workers': 'x'}", "[('t', 1, '/t')]", "[]", "2026-13-45 00:00:00",
            "2026-11-24 16:33:25", "0/ZZ", "0/0", "ZZZZZZZZZZZZZZZZZZZZZZZZ", "000000010000000000000001",
            "FFFFFFFFFFFFFFFFFFFFFFFF", "DONE", "WAITING_FOR_WALS", "FAILED", "STARTED", "ARCHIVED");

    @TempDir
    Path dir;

    @Test
    void everyFieldWithEveryValue() throws IOException {
        Path home = dir.resolve("home");
        Path conf = dir.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + home + "\nbarman_user = " + System.getProperty("user.name")
                + "\n[demo]\nconninfo = host=127.0.0.1 port=1\nssh_command = false\nbackup_options = concurrent_backup"
                + "\narchiver = on\nretention_policy = REDUNDANCY 1\n");
        Path file = home.resolve("demo/base/" + MalformedInputTest.ID + "/backup.info");
        Files.createDirectories(file.getParent());
        Files.createDirectories(home.resolve("demo/wals"));
        Files.writeString(home.resolve("demo/wals/xlog.db"), "000000010000000000000002\t16777216\t1795537000.5\tNone\n"
                + "000000010000000000000003\t16777216\t1795537001.5\tNone\n");
        List<String> lines = MalformedInputTest.DONE.lines().toList();
        List<String> fields = new ArrayList<>();
        lines.forEach(l -> fields.add(l.substring(0, l.indexOf('='))));
        fields.addAll(List.of("backup_name", "copy_stats", "deduplicated_size", "tablespaces", "backup_label"));
        for (String field : fields) {
            List<String> values = new ArrayList<>(VALUES);
            values.add(null);
            for (String value : values) {
                StringBuilder text = new StringBuilder();
                for (String l : lines) {
                    if (!l.startsWith(field + "=")) {
                        text.append(l).append('\n');
                    }
                }
                if (value != null) {
                    text.append(field).append('=').append(value).append('\n');
                }
                Files.writeString(file, text);
                String input = value == null ? "without " + field : field + "=" + value;
                for (String[] command : new String[][] {{"list-backups", "demo"}, {"show-backup", "demo", "latest"},
                        {"-f", "json", "show-backup", "demo", MalformedInputTest.ID}}) {
                    CliRun run = CliRun.withConfig(conf, command);
                    String where = input + ", " + String.join(" ", command) + ": ";
                    assertTrue(!run.out().contains("EXCEPTION") && !run.err().contains("EXCEPTION"),
                            where + run.out() + run.err());
                    if (run.exit() != 0) {
                        assertEquals(1, run.exit(), where + run.err());
                        String shown = command[0].equals("-f") ? run.out() : run.err();
                        assertTrue(shown.contains(file.toString()) || shown.contains("Unknown backup 'latest'"),
                                where + shown);
                        assertEquals(1, shown.lines().count(), where + shown);
                    }
                }
            }
        }
    }
}
