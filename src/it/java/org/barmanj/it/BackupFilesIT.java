package org.barmanj.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code list-files}, {@code check-backup} and {@code diagnose} on real backups (PostgreSQL 15 with a tablespace,
 * two backups taken by us, WAL archived by barman-wal-archive), against Debian's Barman 3.4 live on the same
 * catalog: list-files' stdout and exit code for every target of both backups, the same statuses after both
 * tools' check-backup, and diagnose's tree of keys with PostgreSQL and the ssh host reachable (so the server's
 * {@code system_info} and the connected status are there), no password shown.
 */
class BackupFilesIT {
    /** Every path of keys of a JSON document, one a line, by Python's json module (the one Barman writes with). */
    private static final String KEY_TREE = """
            import json, sys
            def paths(o, p=''):
                if isinstance(o, dict):
                    for k, v in o.items():
                        yield p + '/' + k
                        yield from paths(v, p + '/' + k)
            print('\\n'.join(sorted(paths(json.load(open(sys.argv[1]))))))
            """;

    @Test
    void sameAsBarman34OnRealBackups() throws IOException {
        Lab.startSshd();
        String name = "it-files15";
        int port = 5861;
        BarmanHome home = new BarmanHome("files").tutorialServer("pg1-srv", port)
                .withOptions("immediate_checkpoint = true\n").ownedByBarman();
        Path demo = home.root.resolve("barman.d/demo.conf");
        Files.writeString(demo, Files.readString(demo).replace("port=" + port, "port=" + port
                + " password=it-files-secret"));
        Path tablespace = Path.of("/var/lib/edb/" + name + "-tbs");
        try {
            Lab.lab("pg", "destroy", name);
            Proc.run("rm", "-rf", tablespace.toString()).ok();
            Proc.as("enterprisedb", "mkdir", "-p", tablespace.toString()).ok();
            System.out.println("BackupFilesIT: running against PostgreSQL " + Lab.lab("pg", "start", name, "15",
                    "pg1-srv", String.valueOf(port), "barman-wal-archive -c " + home.conf + " backup-srv demo %p")
                    .out().strip());
            Lab.psql(name, "CREATE TABLESPACE tbs LOCATION '" + tablespace + "'");
            Lab.psql(name, "CREATE TABLE t (id int, v text) TABLESPACE tbs");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            Lab.psql(name, "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 10000) g");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            home.barman("switch-wal", "--force", "--archive", "demo").ok();

            List<String> differences = new ArrayList<>();
            for (String backup : List.of("oldest", "latest")) {
                for (String target : List.of("data", "standalone", "wal", "full")) {
                    String[] args = {"list-files", "--target", target, "demo", backup};
                    Proc ours = home.barman(args);
                    Proc theirs = home.barman34(args);
                    if (ours.exit() != theirs.exit() || !ours.out().equals(theirs.out())) {
                        differences.add(String.join(" ", args) + "\n--- ours (exit " + ours.exit() + ")\n"
                                + ours.out() + ours.err() + "--- Barman 3.4 (exit " + theirs.exit() + ")\n"
                                + theirs.out());
                    }
                }
            }
            assertEquals("", String.join("\n", differences));
            assertTrue(home.barman("list-files", "--target", "data", "demo", "latest").out().lines().count() > 500,
                    "a real backup's files");

            String before = home.barman34("list-backups", "demo").ok().out();
            home.barman("check-backup", "demo", "latest").ok();
            home.barman34("check-backup", "demo", "oldest").ok();
            assertEquals(before, home.barman34("list-backups", "demo").ok().out(), "DONE backups stay DONE");

            Proc ours = home.barman("diagnose").ok();
            Proc theirs = home.barman34("diagnose").ok();
            assertFalse(ours.out().contains("it-files-secret"), "the password is shown");
            assertEquals(keyTree(theirs.out()), keyTree(ours.out()));
            assertTrue(keyTree(ours.out()).contains("/servers/demo/system_info/kernel_ver\n"),
                    "the PostgreSQL host's system information, through ssh");
        } finally {
            Lab.lab("pg", "destroy", name);
            Proc.run("rm", "-rf", tablespace.toString()).ok();
            home.delete();
        }
    }

    private static String keyTree(String json) throws IOException {
        Path file = Files.createTempFile("diagnose", ".json");
        try {
            Files.writeString(file, json);
            return Proc.run("python3", "-c", KEY_TREE, file.toString()).ok().out();
        } finally {
            Files.delete(file);
        }
    }
}
