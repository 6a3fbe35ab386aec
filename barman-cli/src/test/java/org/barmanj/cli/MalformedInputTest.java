package org.barmanj.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Malformed input from outside (a put-wal tar stream, a backup.info) is one {@code ERROR:} line naming the input
 * and what is wrong, or Barman's placeholder, never a Java exception; nothing else in barman_home changes.
 */
class MalformedInputTest {
    static final String WAL = "000000010000000000000003";
    static final String ID = "20261124T163325";
    static final String DONE = """
            begin_offset=40
            begin_time=2026-11-24 16:33:25.123456+00:00
            begin_wal=000000010000000000000002
            begin_xlog=0/2000028
            end_offset=312
            end_time=2026-11-24 16:33:27.654321+00:00
            end_wal=000000010000000000000002
            end_xlog=0/2000138
            pgdata=/var/lib/postgresql/data
            server_name=demo
            size=23456789
            status=DONE
            timeline=1
            version=150004
            xlog_segment_size=16777216
            """;

    @TempDir
    Path dir;
    Path conf;
    Path home;

    @BeforeEach
    void config() throws IOException {
        home = dir.resolve("home");
        conf = dir.resolve("barman.conf");
        Files.writeString(conf, "[barman]\nbarman_home = " + home + "\nbarman_user = " + System.getProperty("user.name")
                + "\n[demo]\nconninfo = host=127.0.0.1 port=1\nssh_command = false\narchiver = on\n"
                + "backup_options = concurrent_backup\n");
        Files.createDirectories(home.resolve("demo/wals"));
    }

    private CliRun barman(byte[] input, String... args) {
        String[] all = new String[args.length + 2];
        all[0] = "-c";
        all[1] = conf.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return CliRun.withInput(input, all);
    }

    private List<String> filesUnderHome() throws IOException {
        try (Stream<Path> files = Files.walk(home)) {
            return files.map(p -> home.relativize(p).toString()).sorted().toList();
        }
    }

    /** put-wal refuses the stream with one line, exit 1, and stores nothing. */
    private void refused(byte[] stream, String reason) throws IOException {
        List<String> before = filesUnderHome().stream().filter(f -> !f.equals("demo/incoming")).toList();
        CliRun run = barman(stream, "put-wal", "demo");
        assertEquals("ERROR: Cannot receive WAL files in put-wal for server 'demo': " + reason + "\n", run.err());
        assertEquals(1, run.exit());
        List<String> after = filesUnderHome().stream().filter(f -> !f.equals("demo/incoming")).toList();
        assertEquals(before, after, "nothing but an empty incoming/ is left");
    }

    @Test
    void nonNumericSize() throws IOException {
        byte[] member = header(WAL, "12x4", '0', "15301452534");
        refused(tar(member, new byte[512]),
                "corrupt tar header at byte 0: the size field '12x4' is not an octal number");
    }

    @Test
    void negativePaxSize() throws IOException {
        refused(tar(pax("size=-5"), header(WAL, "3", '0', "15301452534"), new byte[512]),
                "corrupt tar header at byte 1024: PAX size '-5' is not a number of bytes");
    }

    @Test
    void absurdMtime() throws IOException {
        refused(tar(pax("mtime=999999999999"), header(WAL, "3", '0', "15301452534"), new byte[512]),
                "corrupt tar header at byte 1024: mtime 999999999999 is after the year 9999");
        refused(tar(pax("mtime=1e9"), header(WAL, "3", '0', "15301452534"), new byte[512]),
                "corrupt tar header at byte 1024: PAX mtime '1e9' is not a time (seconds since 1970)");
    }

    @Test
    void shortPaxRecord() throws IOException {
        byte[] data = Arrays.copyOf("5 a=b\n".getBytes(StandardCharsets.US_ASCII), 512);
        refused(tar(header("./PaxHeaders/x", "6", 'x', "0"), data, header(WAL, "3", '0', "0"), new byte[512]),
                "corrupt tar header at byte 512: a PAX record of length 5 that does not fit its data");
    }

    @Test
    void oversizedExtendedHeader() throws IOException {
        refused(tar(header("./PaxHeaders/x", "77777777777", 'x', "0"), new byte[512]),
                "corrupt tar header at byte 0: an extended header of 8589934591 bytes (at most 1048576 allowed)");
    }

    /** An exception whose message is only a path (FileAlreadyExistsException) is shown with its reason. */
    @Test
    void incomingThatIsAFile() throws IOException {
        Files.writeString(home.resolve("demo/incoming"), "");
        CliRun run = barman(tar(header(WAL, "3", '0', "0"), new byte[512]), "put-wal", "demo");
        assertEquals("ERROR: Cannot receive WAL files in put-wal for server 'demo': " + home.resolve("demo/incoming")
                + ": File exists\n", run.err());
        assertEquals(1, run.exit());
    }

    private Path backupInfo(String text) throws IOException {
        Path file = home.resolve("demo/base/" + ID + "/backup.info");
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    @Test
    void doneBackupWithoutBeginWalIsACorruptFile() throws IOException {
        Path file = backupInfo(DONE.replace("begin_wal=000000010000000000000002", "begin_wal=None"));
        String error = "corrupt backup.info " + file + ": begin_wal is None, and a DONE backup must have it";
        List<String> before = filesUnderHome();
        CliRun list = barman(new byte[0], "list-backups", "demo");
        assertEquals("", list.out());
        assertEquals("ERROR: " + error + "\n", list.err());
        assertEquals(1, list.exit());
        CliRun show = barman(new byte[0], "show-backup", "demo", ID);
        assertEquals("ERROR: " + error + "\n", show.err());
        assertEquals(1, show.exit());
        assertEquals(before, filesUnderHome());
        CliRun check = barman(new byte[0], "check", "demo");
        assertTrue(check.out().contains("\tbackup catalog: FAILED (" + error + ")\n"), check.out());
        assertTrue(check.out().contains("\tfailed backups: OK (there are 0 failed backups)\n"), check.out());
        assertEquals("", check.err());
        assertEquals(1, check.exit());
    }

    /** Barman 3.4 shows a missing begin_time, LSN or version as None in show-backup; so do we. */
    @Test
    void missingValuesShownAsBarmanShowsThem() throws IOException {
        backupInfo(DONE.replace("begin_time=2026-11-24 16:33:25.123456+00:00", "begin_time=None")
                .replace("begin_xlog=0/2000028", "begin_xlog=None").replace("version=150004\n", ""));
        CliRun show = barman(new byte[0], "show-backup", "demo", ID);
        assertEquals("", show.err());
        assertEquals(0, show.exit());
        assertTrue(show.out().contains("  PostgreSQL Version     : None\n"), show.out());
        assertTrue(show.out().contains("    Begin time           : None\n"), show.out());
        assertTrue(show.out().contains("    End time             : 2026-11-24 16:33:27.654321+00:00\n"), show.out());
        assertTrue(show.out().contains("    Begin LSN            : None\n"), show.out());
        CliRun json = barman(new byte[0], "-f", "json", "show-backup", "demo", ID);
        assertEquals(0, json.exit());
        assertTrue(json.out().contains("\"begin_time\": null, \"begin_time_timestamp\": null, "), json.out());
    }

    /** Without server_name, the backup belongs to the server whose catalog holds it (Barman's default). */
    @Test
    void serverNameDefaultsToTheCatalogsServer() throws IOException {
        backupInfo(DONE.replace("server_name=demo\n", ""));
        CliRun list = barman(new byte[0], "list-backups", "demo");
        assertEquals("demo " + ID + " - Tue Nov 24 16:33:27 2026 - Size: 22.4 MiB - WAL Size: 0 B\n", list.out());
        assertEquals(0, list.exit());
        CliRun show = barman(new byte[0], "show-backup", "demo", ID);
        assertTrue(show.out().contains("  Server Name            : demo\n"), show.out());
    }

    /** A backup.info that is a folder is reported (the backup no longer vanishes from the listing). */
    @Test
    void backupInfoThatIsAFolder() throws IOException {
        Path file = home.resolve("demo/base/" + ID + "/backup.info");
        Files.createDirectories(file);
        CliRun list = barman(new byte[0], "list-backups", "demo");
        assertEquals("ERROR: cannot read " + file + ": Is a directory\n", list.err());
        assertEquals(1, list.exit());
        CliRun check = barman(new byte[0], "check", "demo");
        assertTrue(check.out().contains("\tbackup catalog: FAILED (cannot read " + file + ": Is a directory)\n"),
                check.out());
    }

    /** The blocks, then the two zero blocks that end an archive. */
    private static byte[] tar(byte[]... blocks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] b : blocks) {
            out.writeBytes(b);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    /** A PAX header ({@code x}) with one record ({@code "<length> <record>\n"}), and its data block. */
    private static byte[] pax(String record) {
        String body = " " + record + "\n";
        int length = body.length() + 1;
        while (String.valueOf(length).length() + body.length() != length) {
            length++;
        }
        byte[] both = Arrays.copyOf(header("./PaxHeaders/x", Integer.toOctalString(length), 'x', "0"), 1024);
        byte[] data = (length + body).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(data, 0, both, 512, data.length);
        return both;
    }

    /** A ustar header with the given (raw) size and mtime fields and a correct checksum. */
    private static byte[] header(String name, String size, char type, String mtime) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000600");
        put(h, 124, size);
        put(h, 136, mtime);
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        return h;
    }

    private static void put(byte[] h, int offset, String text) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, offset, b.length);
    }
}
