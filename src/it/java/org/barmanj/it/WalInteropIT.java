package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both directions with Debian's barman-cli and Barman 3.4: their barman-wal-archive and barman-wal-restore
 * against our put-wal and get-wal (backup-host user barman), ours against theirs (user barman34, whose ssh
 * sessions run Barman 3.4).
 */
class WalInteropIT {
    static final String WAL = "000000010000000000000042";
    static Path walDir;
    static byte[] content;

    @BeforeAll
    static void segment() throws IOException {
        Lab.startSshd();
        walDir = Files.createTempDirectory("interop-pg_wal");
        content = new byte[16 * 1024 * 1024];
        new Random(42).nextBytes(content);
        Files.write(walDir.resolve(WAL), content);
        Proc.run("chmod", "-R", "a+rwX", walDir.toString()).ok();
    }

    @AfterAll
    static void clean() {
        Proc.run("rm", "-rf", walDir.toString()).ok();
    }

    @Test
    void theirClientsAgainstOurServer() throws IOException {
        BarmanHome home = new BarmanHome("interop-ours").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            Proc.as("enterprisedb", "/usr/bin/barman-wal-archive", "-c", home.conf.toString(), "backup-srv", "demo",
                    walDir.resolve(WAL).toString()).ok();
            assertArrayEquals(content, Files.readAllBytes(home.root.resolve("demo/incoming/" + WAL)));
            home.barman("archive-wal", "demo").ok();
            Path restored = walDir.resolve("restored-by-3.4");
            Proc.as("enterprisedb", "/usr/bin/barman-wal-restore", "-c", home.conf.toString(), "backup-srv", "demo",
                    WAL, restored.toString()).ok();
            assertArrayEquals(content, Files.readAllBytes(restored));
            Proc missing = Proc.as("enterprisedb", "/usr/bin/barman-wal-restore", "-c", home.conf.toString(),
                    "backup-srv", "demo", "000000010000000000000099", walDir.resolve("none").toString());
            assertEquals(1, missing.exit(), "not in the archive: 'not there' for restore_command\n" + missing.err());
        } finally {
            home.delete();
        }
    }

    @Test
    void clientSideCompressionIsStoredAsSentAndServedDecompressed() throws IOException {
        for (String[] peer : new String[][] {{"barman", "-z", "gzip"}, {"barman34", "-j", "bzip2"}}) {
            BarmanHome home = new BarmanHome("compressed-" + peer[0], peer[0]).tutorialServer("pg1-srv", 1)
                    .ownedByBarman();
            try {
                Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-archive").toString(), peer[1], "-U", peer[0], "-c",
                        home.conf.toString(), "backup-srv", "demo", walDir.resolve(WAL).toString()).ok();
                (peer[0].equals("barman") ? home.barman("archive-wal", "demo") : home.barman34("archive-wal", "demo")).ok();
                String xlog = Files.readString(home.root.resolve("demo/wals/xlog.db"));
                assertTrue(xlog.startsWith(WAL + "\t") && xlog.strip().endsWith("\t" + peer[2]), peer[0] + ": " + xlog);
                Path restored = walDir.resolve("restored-" + peer[2]);
                Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-restore").toString(), "-U", peer[0], "-c",
                        home.conf.toString(), "backup-srv", "demo", WAL, restored.toString()).ok();
                assertArrayEquals(content, Files.readAllBytes(restored), peer[0] + " serves it decompressed");
            } finally {
                home.delete();
            }
        }
    }

    @Test
    void ourClientsAgainstBarman34() throws IOException {
        BarmanHome home = new BarmanHome("interop-34", "barman34").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            // By default our client sends SHA256SUMS, as Barman 3.12+'s; 3.4 refuses that, stores nothing, and the
            // client sends the file again with MD5SUMS, saying so.
            Path incoming = home.root.resolve("demo/incoming/" + WAL);
            Proc fallback = Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-archive").toString(), "-U", "barman34",
                    "-c", home.conf.toString(), "backup-srv", "demo", walDir.resolve(WAL).toString()).ok();
            assertTrue(fallback.err().contains("Missing checksum for file"), fallback.err());
            assertTrue(fallback.err().contains("WARNING: the Barman server does not accept SHA256SUMS (Barman before "
                    + "3.12): sending MD5SUMS instead; add --md5 to the archive_command"), fallback.err());
            assertArrayEquals(content, Files.readAllBytes(incoming));
            Files.delete(incoming);
            Proc md5 = Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-archive").toString(), "--md5", "-U",
                    "barman34", "-c", home.conf.toString(), "backup-srv", "demo", walDir.resolve(WAL).toString()).ok();
            assertTrue(!md5.err().contains("Missing checksum") && !md5.err().contains("WARNING"),
                    "with --md5: one stream, accepted at once\n" + md5.err());
            assertArrayEquals(content, Files.readAllBytes(incoming));
            Proc archived = home.barman34("archive-wal", "demo").ok();
            assertTrue(archived.out().contains("\t" + WAL), archived.out());
            Path restored = walDir.resolve("restored-from-3.4");
            Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-restore").toString(), "-U", "barman34", "-c",
                    home.conf.toString(), "backup-srv", "demo", WAL, restored.toString()).ok();
            assertArrayEquals(content, Files.readAllBytes(restored));
            Proc missing = Proc.as("enterprisedb", Lab.BIN.resolve("barman-wal-restore").toString(), "-U", "barman34",
                    "-c", home.conf.toString(), "backup-srv", "demo", "000000010000000000000099",
                    walDir.resolve("none").toString());
            assertEquals(1, missing.exit(), missing.err());
            assertTrue(missing.err().contains("ERROR: Remote 'barman get-wal' command has failed!"), missing.err());
        } finally {
            home.delete();
        }
    }
}
