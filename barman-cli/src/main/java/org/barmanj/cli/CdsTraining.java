package org.barmanj.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Run at build time with {@code -XX:ArchiveClassesAtExit}: exercises the read-only commands on a small
 * catalog so that the class-data-sharing archive holds the classes they load, which halves start-up time. The
 * unknown server's error is logged, so that the log file's classes (Logback's) are in the archive too.
 */
final class CdsTraining {
    private CdsTraining() {
    }

    public static void main(String[] args) throws IOException {
        Path home = Files.createTempDirectory("barman-cds");
        try {
            Path conf = home.resolve("barman.conf");
            Files.writeString(conf, "[barman]\nbarman_home = " + home + "\nbarman_user = "
                    + System.getProperty("user.name") + "\nlog_file = " + home.resolve("barman.log") + "\n\n[demo]\ndescription = \"training\"\n"
                    + "conninfo = host=127.0.0.1 port=1 user=barman dbname=postgres connect_timeout=1\n"
                    + "ssh_command = ssh nobody@localhost\narchiver = on\n");
            Path backup = home.resolve("demo/base/20260101T000000");
            Files.createDirectories(backup);
            Files.createDirectories(home.resolve("demo/wals"));
            Files.writeString(backup.resolve("backup.info"), String.join("\n",
                    "backup_label='START WAL LOCATION: 0/3000028 (file 000000010000000000000003)\\n'",
                    "begin_offset=40", "begin_time=2026-01-01 00:00:00.5+00:00", "begin_wal=000000010000000000000003",
                    "begin_xlog=0/3000028", "copy_stats={'copy_time': 1.5, 'analysis_time': 0.5, 'number_of_workers': 1}",
                    "deduplicated_size=1000", "end_offset=256", "end_time=2026-01-01 00:00:02+00:00",
                    "end_wal=000000010000000000000003", "end_xlog=0/3000100", "mode=rsync-concurrent",
                    "server_name=demo", "size=1000", "status=DONE", "systemid=1", "tablespaces=None", "timeline=1",
                    "version=150000", "xlog_segment_size=16777216", ""));
            Files.writeString(home.resolve("demo/wals/xlog.db"),
                    "000000010000000000000003\t16777216\t1767225600.5\tNone\n");
            PrintStream sink = new PrintStream(new ByteArrayOutputStream());
            Map<String, String> env = Map.of();
            String c = conf.toString();
            BarmanCli.run(sink, sink, env, null, "--version");
            BarmanCli.run(sink, sink, env, null, "-c", c, "list-servers");
            BarmanCli.run(sink, sink, env, null, "-c", c, "show-servers", "demo");
            for (String format : new String[] {"console", "json"}) {
                BarmanCli.run(sink, sink, env, null, "-c", c, "-f", format, "list-backups", "demo");
                BarmanCli.run(sink, sink, env, null, "-c", c, "-f", format, "show-backup", "demo", "latest");
            }
            BarmanCli.run(sink, sink, env, null, "-c", c, "list-backups", "nosuch");
        } finally {
            try (var walk = Files.walk(home)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
