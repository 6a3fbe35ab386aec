package org.barmanj.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tutorial's "Configure archiving" and "Check the configuration" on PostgreSQL 13, 15 and 17: the primary's
 * archive_command is our barman-wal-archive, switch-wal --force --archive brings the closed segment into the
 * archive, byte-identical to PostgreSQL's (after decompression), listed in xlog.db, and check is all OK.
 */
class WalArchivingIT {
    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @ParameterizedTest(name = "PostgreSQL {0}, compression {1}")
    @CsvSource({"13, none", "15, gzip", "17, bzip2"})
    void tutorialArchiving(int major, String compression) throws IOException {
        String name = "it-wal" + major;
        BarmanHome home = new BarmanHome("wal" + major).tutorialServer("pg1-srv", 5600 + major)
                .withOptions(compression.equals("none") ? "" : "compression = " + compression + "\n").ownedByBarman();
        try {
            Lab.lab("pg", "destroy", name);
            String version = Lab.lab("pg", "start", name, String.valueOf(major), "pg1-srv", String.valueOf(5600 + major),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p").out().strip();
            System.out.println("WalArchivingIT: running against PostgreSQL " + version);

            Proc test = Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-archive").toString(), "-c",
                    home.conf.toString(), "backup-srv", "demo", "DUMMY", "--test").ok();
            assertEquals("Ready to accept WAL files for the server demo\n\n", test.out());

            Lab.psql(name, "CREATE TABLE t AS SELECT g FROM generate_series(1, 10000) g");
            Proc sw = home.barman("switch-wal", "--force", "--archive", "demo").ok();
            String[] lines = sw.out().split("\n");
            String closed = lines[0].replaceAll("^The WAL file (\\S+) has been closed on server 'demo'$", "$1");
            assertTrue(closed.matches("[0-9A-F]{24}"), sw.out());
            assertEquals("Waiting for the WAL file " + closed + " from server 'demo' (max: 30 seconds)", lines[1]);
            assertEquals("Processing xlog segments from file archival for demo", lines[2]);
            assertTrue(Arrays.asList(lines).contains("\t" + closed), sw.out());

            Path stored = home.root.resolve("demo/wals/" + closed.substring(0, 16) + "/" + closed);
            assertTrue(Files.isRegularFile(stored));
            Path original = Path.of("/var/lib/edb/" + name + "/data/pg_wal/" + closed);
            byte[] served = Proc.runBytes("runuser", "-u", "barman", "--", Lab.BARMAN.toString(), "-c",
                    home.conf.toString(), "get-wal", "demo", closed);
            assertArrayEquals(Files.readAllBytes(original), served, "the archived segment is what PostgreSQL wrote");
            String xlog = Files.readString(home.root.resolve("demo/wals/xlog.db"));
            assertTrue(xlog.lines().anyMatch(l -> l.startsWith(closed + "\t")
                    && l.endsWith("\t" + (compression.equals("none") ? "None" : compression))), xlog);
            if (!compression.equals("none")) {
                assertTrue(Files.size(stored) < Files.size(original), "stored compressed");
            }

            Proc check = home.barman("check", "demo");
            assertEquals(0, check.exit(), check.out());
            assertFalse(check.out().contains("FAILED"), check.out());
            assertTrue(check.out().contains("\tcontinuous archiving: OK\n"), check.out());
            assertEquals(home.barman34("check", "demo").out(), check.out(), "Barman 3.4 checks the same");
            assertEquals(home.barman34("check", "--nagios", "demo").out(), home.barman("check", "--nagios", "demo").out());
        } finally {
            Lab.lab("pg", "destroy", name);
            home.delete();
        }
    }
}
