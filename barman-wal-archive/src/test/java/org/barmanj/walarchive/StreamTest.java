package org.barmanj.walarchive;

import org.barmanj.core.BarmanException;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.wal.PutWal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our client's tar stream, received by our put-wal; names put-wal must refuse. */
class StreamTest {
    @TempDir
    Path home;
    ServerConfig server;

    @BeforeEach
    void server() throws IOException {
        Path conf = home.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + home + "\n[demo]\nconninfo = host=x\nssh_command = ssh x@y\n"
                + "archiver = on\n");
        server = BarmanConfig.load(conf.toString(), Map.of(), home.toString()).server("demo");
    }

    private static byte[] stream(String algorithm, String... namesAndContents) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter tar = new TarWriter(out, algorithm);
        for (int i = 0; i < namesAndContents.length; i += 2) {
            byte[] content = content(namesAndContents[i], namesAndContents[i + 1]);
            tar.add(namesAndContents[i], content.length, 0600, new BigDecimal("1795538010.5566733"),
                    new ByteArrayInputStream(content));
        }
        tar.finish();
        return out.toByteArray();
    }

    /** {@code text} as the file's content; a segment's padded with zeros to 1 MiB, the smallest a segment can be. */
    private static byte[] content(String name, String text) {
        byte[] bytes = text.getBytes();
        return name.matches("[0-9A-F]{24}") ? java.util.Arrays.copyOf(bytes, 1 << 20) : bytes;
    }

    @Test
    void severalFilesInOneStream() throws IOException {
        for (String algorithm : List.of("SHA-256", "MD5")) {
            byte[] bytes = stream(algorithm, "000000010000000000000005", "five", "000000010000000000000006", "six",
                    "00000002.history", "1\t0/5000000\tno recovery target specified\n");
            assertEquals(0, bytes.length % 10240, "padded to whole tar records like Python's tarfile");
            String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
            assertEquals(algorithm.equals("MD5"), text.contains("MD5SUMS"), algorithm);
            assertEquals(algorithm.equals("MD5"), !text.contains("SHA256SUMS"), algorithm);
            assertEquals(algorithm.equals("MD5"), !text.contains("BARMANJ.checksum=SHA-256"), algorithm);
            PutWal.Result r = PutWal.receive(server, new ByteArrayInputStream(bytes), "");
            assertEquals(List.of("000000010000000000000005", "000000010000000000000006", "00000002.history"),
                    r.stored(), algorithm);
            assertArrayEquals(content("000000010000000000000006", "six"),
                    Files.readAllBytes(home.resolve("demo/incoming/000000010000000000000006")));
            assertEquals(1795538010L, Files.getLastModifiedTime(home.resolve("demo/incoming/000000010000000000000005"))
                    .toInstant().getEpochSecond());
            PutWal.Result again = PutWal.receive(server, new ByteArrayInputStream(bytes), "");
            assertEquals(3, again.alreadyThere().size(), "the same files again are accepted once: " + algorithm);
            for (Path f : Files.list(home.resolve("demo/incoming")).toList()) {
                Files.delete(f);
            }
        }
    }

    /** The SHA-256 digest computed while the file streams in is the one checked: a changed byte is refused. */
    @Test
    void aChangedByteFailsTheSha256Check() throws IOException {
        byte[] bytes = stream("SHA-256", "000000010000000000000005", "five");
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        bytes[text.indexOf("five")] = 'F';
        BarmanException e = assertThrows(BarmanException.class,
                () -> PutWal.receive(server, new ByteArrayInputStream(bytes), ""));
        assertTrue(e.getMessage().startsWith("Bad file checksum '"), e.getMessage());
        assertEquals(0, Files.list(home.resolve("demo/incoming")).count());
    }

    @Test
    void namesThatAreNotWalFilesOrEscapeTheFolderAreRefused() throws IOException {
        for (String name : List.of("../000000010000000000000005", "postgresql.conf", "/etc/passwd",
                "000000010000000000000005/x")) {
            byte[] bytes = stream("SHA-256", name, "x");
            BarmanException e = assertThrows(BarmanException.class,
                    () -> PutWal.receive(server, new ByteArrayInputStream(bytes), ""), name);
            assertTrue(e.getMessage().startsWith("Unsupported filename '"), e.getMessage());
        }
        assertTrue(!Files.exists(home.resolve("demo/incoming")) || Files.list(home.resolve("demo/incoming")).count() == 0);
    }

    @Test
    void versionLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = new WalArchive(new java.io.PrintStream(out), System.err).run(new String[] {"--version"});
        assertEquals(0, code);
        assertTrue(out.toString().matches("barman-wal-archive 3\\.4\\.0 \\(barmanj .+\\)\\n"), out.toString());
    }

    @Test
    void missingArgumentsAreAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new WalArchive(System.out, new java.io.PrintStream(err)).run(new String[] {"backup-srv", "demo"});
        assertEquals(2, code);
        assertTrue(err.toString().contains("the following arguments are required"), err.toString());
    }
}
