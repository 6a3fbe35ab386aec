package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our barman-wal-archive and barman-wal-restore through the lab's sshd: every word of the remote command is
 * quoted, so a server name or configuration path holding {@code ;} or {@code '} reaches barman as written
 * (and is refused there, with barman's own exit code) instead of running commands on the backup host; a
 * configuration path with a space and a quote works.
 */
class WalClientQuotingIT {
    static final String WAL = "000000010000000000000011";
    static Path walDir;
    static Path markers;
    static byte[] content;

    @BeforeAll
    static void segment() throws IOException {
        Lab.startSshd();
        walDir = Files.createTempDirectory("quoting-pg_wal");
        content = new byte[16 * 1024 * 1024];
        new Random(11).nextBytes(content);
        Files.write(walDir.resolve(WAL), content);
        // Where an injected command would leave its mark: writable by the backup host's barman users.
        markers = Files.createTempDirectory("quoting-markers");
        Proc.run("chmod", "-R", "a+rwX", walDir.toString(), markers.toString()).ok();
    }

    @AfterAll
    static void clean() {
        Proc.run("rm", "-rf", walDir.toString(), markers.toString()).ok();
    }

    private static Proc archive(String... args) {
        return Proc.as("enterprisedb", BarmanHome.cat(new String[] {Lab.BIN.resolve("barman-wal-archive").toString()},
                args));
    }

    private static Proc restore(String... args) {
        return Proc.as("enterprisedb", BarmanHome.cat(new String[] {Lab.BIN.resolve("barman-wal-restore").toString()},
                args));
    }

    @Test
    void injectionThroughTheServerNameRunsNothingOnTheBackupHost() throws IOException {
        for (String peer : List.of("barman", "barman34")) {
            BarmanHome home = new BarmanHome("quoting-" + peer, peer).tutorialServer("pg1-srv", 1).ownedByBarman();
            try {
                Path marker = markers.resolve(peer + "-archive");
                // Before quoting: put-wal demo stored the file, then touch ran, and its exit 0 was the client's.
                String server = "demo;touch " + marker;
                Proc archived = archive("-U", peer, "-c", home.conf.toString(), "backup-srv", server,
                        walDir.resolve(WAL).toString());
                assertEquals(1, archived.exit(), peer + "\n" + archived.err());
                assertTrue(archived.err().contains("Unknown server '" + server + "'"), archived.err());
                assertTrue(archived.err().endsWith("ERROR: Remote 'barman put-wal' command has failed!\n"),
                        archived.err());
                assertFalse(Files.exists(marker), peer);
                assertEquals(List.of(), list(home.root.resolve("demo/incoming")), peer + ": nothing stored");

                marker = markers.resolve(peer + "-restore");
                server = "demo' ; touch " + marker + " ; echo '";
                for (String parallel : List.of("0", "2")) {
                    Path dest = walDir.resolve("dest-" + peer + parallel);
                    Proc restored = restore("-U", peer, "-c", home.conf.toString(), "--parallel", parallel,
                            "--spool-dir", walDir.resolve("spool-" + peer).toString(), "backup-srv", server, WAL,
                            dest.toString());
                    if (parallel.equals("0")) {
                        assertEquals(1, restored.exit(), peer + "\n" + restored.err());
                        assertTrue(restored.err().contains("Unknown server '" + server + "'"), restored.err());
                        assertTrue(restored.err().endsWith("ERROR: Remote 'barman get-wal' command has failed!\n"),
                                restored.err());
                    } else {
                        // The peek is refused first.
                        assertEquals(2, restored.exit(), peer + "\n" + restored.err());
                        assertTrue(restored.err().contains("Unknown server '" + server + "'"), restored.err());
                        assertTrue(restored.err().endsWith("ERROR: The required file is not available: " + WAL + "\n"),
                                restored.err());
                    }
                    assertFalse(Files.exists(marker), peer + " --parallel " + parallel);
                    assertEquals(0, Files.size(dest));
                }
                assertEquals(List.of(), list(markers));
            } finally {
                home.delete();
            }
        }
    }

    @Test
    void aConfigurationPathWithASpaceAndAQuoteReachesBarmanAsWritten() throws IOException {
        BarmanHome home = new BarmanHome("quoting-config").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            Path conf = home.root.resolve("it's a barman.conf");
            Files.copy(home.conf, conf);
            Proc.run("chown", "barman:", conf.toString()).ok();
            archive("-c", conf.toString(), "backup-srv", "demo", walDir.resolve(WAL).toString()).ok();
            assertArrayEquals(content, Files.readAllBytes(home.root.resolve("demo/incoming/" + WAL)));
            home.barman("archive-wal", "demo").ok();
            Path dest = walDir.resolve("dest-config");
            restore("-c", conf.toString(), "--parallel", "2", "--spool-dir", walDir.resolve("spool-config").toString(),
                    "backup-srv", "demo", WAL, dest.toString()).ok();
            assertArrayEquals(content, Files.readAllBytes(dest));
            String injected = home.conf + ";touch " + markers.resolve("config");
            Proc refused = archive("-c", injected, "backup-srv", "demo", walDir.resolve(WAL).toString());
            assertEquals(1, refused.exit(), refused.err());
            assertTrue(refused.err().endsWith("ERROR: Remote 'barman put-wal' command has failed!\n"), refused.err());
            assertEquals(List.of(), list(markers));
        } finally {
            home.delete();
        }
    }

    private static List<String> list(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
