package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The 20 hook scripts around real operations on PostgreSQL 15: each records its Barman variables in a log that
 * the test reads (backup --wait, the archiver, recover, delete and the WAL files it removes), a retry script that
 * fails once runs again, and a pre_backup_retry_script that exits 63 stops a backup before it is in the catalog.
 */
class HooksIT {
    private static final String HOOKS = "backup archive recovery delete wal_delete";

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @Test
    void everyHookRunsWithBarmansVariables() throws Exception {
        String name = "it-hooks15";
        int port = 5815;
        BarmanHome home = new BarmanHome("hooks").tutorialServer("pg1-srv", port);
        Path log = home.root.resolve("hooks.log");
        Path record = home.root.resolve("record.sh");
        Files.writeString(record, """
                #!/bin/sh
                echo "$BARMAN_PHASE $BARMAN_HOOK retry=$BARMAN_RETRY id=$BARMAN_BACKUP_ID status=$BARMAN_STATUS \
                prev=$BARMAN_PREVIOUS_ID seg=$BARMAN_SEGMENT dest=$BARMAN_DESTINATION_DIRECTORY \
                server=$BARMAN_SERVER version=$BARMAN_VERSION" >> %s
                """.formatted(log));
        Proc.run("chmod", "755", record.toString()).ok();
        StringBuilder options = new StringBuilder("immediate_checkpoint = true\n");
        for (String hook : HOOKS.split(" ")) {
            for (String phase : List.of("pre", "post")) {
                options.append(phase).append('_').append(hook).append("_script = ").append(record).append('\n');
                if (!(phase.equals("pre") && hook.equals("backup"))) {
                    options.append(phase).append('_').append(hook).append("_retry_script = ").append(record)
                            .append('\n');
                }
            }
        }
        // Fails on its first run, succeeds on the second (3 seconds later).
        Path attempts = home.root.resolve("attempts");
        options.append("pre_backup_retry_script = echo x >> ").append(attempts).append("; ").append(record)
                .append("; [ $(wc -l < ").append(attempts).append(") -ge 2 ]\n");
        home.withOptions(options.toString()).ownedByBarman();
        Path restored = Path.of("/var/lib/barman/it-hooks-restore");
        try {
            Lab.lab("pg", "destroy", name);
            Lab.lab("pg", "start", name, "15", "pg1-srv", String.valueOf(port),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            String first = backup(home);
            assertEquals(2, Files.readAllLines(attempts).size(), "the retry script ran again after failing");
            Lab.psql(name, "CREATE TABLE t AS SELECT 1 AS x");
            String second = backup(home);
            Proc.run("rm", "-rf", restored.toString()).ok();
            home.barman("recover", "demo", second, restored.toString()).ok();
            home.barman("delete", "demo", first).ok();

            List<String> lines = Files.readAllLines(log);
            String all = String.join("\n", lines);
            for (String line : lines) {
                assertTrue(line.endsWith("server=demo version=3.4.0"), line);
            }
            assertTrue(lines.contains(line("pre backup_script retry=0 id=" + first + " status=EMPTY prev=")), all);
            assertTrue(lines.contains(line("pre backup_retry_script retry=1 id=" + first + " status=EMPTY prev=")),
                    all);
            assertTrue(lines.contains(line("post backup_retry_script retry=1 id=" + first + " status=DONE prev=")),
                    all);
            assertTrue(lines.contains(line("post backup_script retry=0 id=" + second + " status=DONE prev=" + first)),
                    all);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("pre archive_script retry=0 id= status= prev= seg="
                    + "0000000100000000000000")), all);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("post archive_retry_script retry=1 id= status= "
                    + "prev= seg=0000000100000000000000")), all);
            assertTrue(lines.contains(line("pre recovery_script retry=0 id=" + second + " status=DONE prev=" + first
                    + " seg= dest=" + restored)), all);
            assertTrue(lines.contains(line("post recovery_retry_script retry=1 id=" + second + " status=DONE prev="
                    + first + " seg= dest=" + restored)), all);
            assertTrue(lines.contains(line("pre delete_retry_script retry=1 id=" + first + " status=DONE prev=")),
                    all);
            assertTrue(lines.contains(line("post delete_script retry=0 id=" + first + " status=DONE prev=")), all);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("pre wal_delete_retry_script retry=1 id= status= "
                    + "prev= seg=0000000100000000000000")), all);
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("post wal_delete_script retry=0 id= status= prev= "
                    + "seg=0000000100000000000000")), all);

            // A pre_backup_retry_script that exits 63: no backup, nothing in the catalog.
            String before = listing(home);
            home.withOptions("pre_backup_retry_script = exit 63\n").ownedByBarman();
            Proc refused = home.barman("backup", "demo");
            assertEquals(1, refused.exit(), refused.out() + refused.err());
            assertTrue(refused.err().contains("ERROR: Backup of server demo not started: pre_backup_retry_script "
                    + "'exit 63' was aborted (got exit status 63, Barman requested to stop); nothing was written to "
                    + "the catalog"), refused.err());
            assertEquals(before, listing(home));
            assertEquals(before, home.barman34("list-backups", "demo").ok().out());
        } finally {
            Lab.lab("pg", "destroy", name);
            Proc.run("rm", "-rf", restored.toString()).ok();
            home.delete();
        }
    }

    private static String line(String prefix) {
        return prefix + (prefix.contains(" seg=") ? "" : " seg= dest=") + " server=demo version=3.4.0";
    }

    private static String backup(BarmanHome home) {
        home.barman("backup", "demo", "--wait").ok();
        return home.barman("list-backups", "--minimal", "demo").ok().out().lines().findFirst().orElseThrow();
    }

    private static String listing(BarmanHome home) throws Exception {
        try (Stream<Path> ids = Files.list(home.root.resolve("demo/base"))) {
            assertFalse(ids.count() == 0);
        }
        return home.barman("list-backups", "demo").ok().out();
    }
}
