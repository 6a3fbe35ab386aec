package org.barmanj.core;

import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.BackupInfoTest;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.XlogDb;
import org.barmanj.core.check.ServerCheck;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.OptionType;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.wal.PutWal;
import org.barmanj.core.wal.PutWalTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random and mutated inputs for every parser of what users and other tools write: the tar stream of put-wal,
 * backup.info, xlog.db and the configuration. Each input is either accepted or refused with a
 * {@link BarmanException} whose one-line message names the input; any other exception is a bug. Reproducible:
 * a failure prints the seed; {@code -Dfuzz.seed=N} runs the same inputs again.
 */
class ParserRobustnessTest {
    static final long SEED = Long.getLong("fuzz.seed", new Random().nextLong());
    /** Values that break naive parsers: signs, overflow, exponents, unclosed literals, deep nesting, NUL. */
    static final List<String> NASTY = List.of("None", "", "''", "abc", "-1", "0", "-0", "+5", "99999999999999999999",
            "1e400", "NaN", "Infinity", "[", "[[[[[[[[[[", "[".repeat(5000), "{'a': ", "'unterminated", "\"",
            "('x', 1, '/t')", "[('x', 'y', 'z')]", "[('t', 99999999999999999999, '/t')]", "{'copy_time': 'x'}",
            "2026-13-45 99:99:99", "9999-12-31 23:59:59+00:00", "0/ZZ", "/", "0/", "FFFFFFFF/FFFFFFFF",
            "000000010000000000000002", "00000001", "ZZZZZZZZZZZZZZZZZZZZZZZZ", "DONE", "WAITING_FOR_WALS", "FAILED",
            "%", "%(", "%(x)s", "%%", "%(barman_home)s", "on", "off", "1 DAYS", "RECOVERY WINDOW OF 99999999999 DAYS",
            "REDUNDANCY -1", "REDUNDANCY 99999999999", "\0", "\t", "é\u2028", "\\", "\\n", "..", "a=b=c", "[demo]",
            "[barman]", "2147483648", "-2147483649", "1 GB", "0x10");

    @TempDir
    Path home;
    ServerConfig server;
    CatalogLayout layout;

    @BeforeEach
    void server() throws IOException {
        server = TestServer.create(home, "retention_policy = RECOVERY WINDOW OF 1 DAYS\nminimum_redundancy = 1\n"
                + "last_backup_maximum_age = 1 day\nlast_wal_maximum_age = 1 hour\n");
        layout = new CatalogLayout(server);
    }

    interface Case {
        void run(Random random) throws Exception;
    }

    /**
     * Runs {@code cases} inputs; a BarmanException must satisfy {@code namesInput}, anything else fails the test
     * with the seeds that reproduce it.
     */
    private static void fuzz(String what, int cases, Predicate<String> namesInput, Case body) {
        for (int i = 0; i < cases; i++) {
            Random random = new Random(SEED + i);
            try {
                body.run(random);
            } catch (BarmanException e) {
                String m = e.getMessage();
                if (m == null || !namesInput.test(m) || m.lines().count() != 1) {
                    fail(what + " case " + i + " (-Dfuzz.seed=" + SEED + "): a message that does not name the input "
                            + "on one line: " + m, e);
                }
            } catch (Throwable t) {
                fail(what + " case " + i + " (-Dfuzz.seed=" + SEED + "): " + t, t);
            }
        }
    }

    @Test
    void putWalTarStream() throws IOException {
        byte[] original = PutWalTest.barman34Stream();
        List<Integer> headers = headerOffsets(original);
        fuzz("put-wal tar stream", 1000, m -> m.contains("put-wal for server 'demo'"), random -> {
            byte[] stream = random.nextInt(10) == 0 ? randomBytes(random, random.nextInt(3000))
                    : mutateTar(random, original, headers);
            PutWal.receive(server, new ByteArrayInputStream(stream), "");
        });
    }

    @Test
    void backupInfo() {
        String original = BackupInfoTest.BARMAN34;
        Path file = layout.backupInfoFile("20261124T163325");
        fuzz("backup.info", 1000, m -> m.contains(file.toString()) || m.contains("'demo'"), random -> {
            Files.createDirectories(file.getParent());
            Files.write(file, mutateLines(random, original).getBytes(StandardCharsets.UTF_8));
            useCatalog();
        });
    }

    @Test
    void xlogDb() throws IOException {
        String original = """
                000000010000000000000002\t16777216\t1795537000.5\tNone
                000000010000000000000003\t16777216\t1795537001.25\tgzip
                000000010000000000000003.00000028.backup\t345\t1795537002.0\tNone
                00000002.history\t42\t1795537003.0\tNone
                000000020000000000000004\t16777216\t1795537004\tNone
                """;
        Path db = home.resolve("demo/wals/xlog.db");
        Path info = layout.backupInfoFile("20261124T163325");
        Files.createDirectories(info.getParent());
        Files.writeString(info, BackupInfoTest.BARMAN34);
        fuzz("xlog.db", 1000, m -> m.contains(db.toString()), random -> {
            String text = mutateLines(random, original);
            try {
                XlogDb.parse(text, db.toString());
            } catch (BarmanException e) {
                // Also refused when read from disk, below.
            }
            Files.createDirectories(db.getParent());
            Files.writeString(db, text);
            useCatalog();
        });
    }

    @Test
    void configuration() throws IOException {
        Path conf = home.resolve("barman.conf");
        Path serverConf = home.resolve("barman.d/demo.conf");
        Files.createDirectories(serverConf.getParent());
        String main = "[barman]\nbarman_home = " + home + "\nbarman_user = " + System.getProperty("user.name")
                + "\nconfiguration_files_directory = " + serverConf.getParent() + "\nlog_level = INFO\n"
                + "compression = gzip\n";
        StringBuilder demo = new StringBuilder("[demo]\ndescription = \"demo\"\nconninfo = host=127.0.0.1 port=1\n"
                + "ssh_command = ssh x@y\nbackup_directory = %(barman_home)s/demo\n  continued\n");
        List<String> keys = new ArrayList<>();
        for (Option o : Option.values()) {
            keys.add(o.key());
        }
        fuzz("configuration", 1000, m -> m.contains(conf.toString()) || m.contains(serverConf.toString())
                || m.contains(home.toString()), random -> {
            StringBuilder text = new StringBuilder(demo);
            for (int i = random.nextInt(8); i > 0; i--) {
                text.append(pick(random, keys)).append(random.nextBoolean() ? " = " : ": ").append(nasty(random))
                        .append('\n');
            }
            boolean mainToo = random.nextInt(4) == 0;
            Files.writeString(conf, mainToo ? mutateLines(random, main) : main);
            Files.writeString(serverConf, mutateLines(random, text.toString()));
            BarmanConfig config = BarmanConfig.load(conf.toString(), Map.of(), home.toString());
            for (ServerConfig s : config.servers().values()) {
                for (Option o : Option.values()) {
                    s.values();
                    if (o.type() == OptionType.ABSOLUTE_PATH || o.key().endsWith("_directory")) {
                        s.path(o);
                    }
                }
                s.retentionPolicy();
            }
        });
    }

    /** What the commands read of a catalog: every backup's fields, WAL statistics, retention, aliases, check. */
    private void useCatalog() {
        BackupCatalog catalog = BackupCatalog.load(server);
        for (BackupInfo b : catalog.all()) {
            b.status();
            b.statusText();
            b.serverName();
            b.backupName();
            b.beginTime();
            b.endTime();
            b.size();
            b.deduplicatedSize();
            b.timeline();
            b.xlogSegmentSize();
            b.error();
            b.backupLabel();
            b.copyStats();
            b.tablespaces();
            for (String key : b.keys()) {
                b.shown(key);
            }
            if (b.copyDone()) {
                catalog.walInfo(b);
                catalog.childTimelines(b);
                catalog.previous(b);
                catalog.next(b);
            }
            b.render();
        }
        catalog.retentionReport(OffsetDateTime.now());
        for (String alias : new String[] {"latest", "oldest", "last-failed", "20261124T163325", "name"}) {
            try {
                catalog.find(alias);
            } catch (BarmanException e) {
                assertTrue(e.getMessage().contains("'demo'") || e.getMessage().contains("backup.info"),
                        e.getMessage());
            }
        }
        new ServerCheck(server).run(Map::of, null);
    }

    /** The offsets of the tar headers of a well-formed stream (ustar sizes, octal). */
    private static List<Integer> headerOffsets(byte[] tar) {
        List<Integer> offsets = new ArrayList<>();
        int at = 0;
        while (at + 512 <= tar.length && tar[at] != 0) {
            offsets.add(at);
            long size = Long.parseLong(new String(tar, at + 124, 11, StandardCharsets.US_ASCII).trim(), 8);
            at += 512 + (int) ((size + 511) / 512 * 512);
        }
        return offsets;
    }

    /** Header fields rewritten (checksum fixed, mostly, so that the field itself is what is tested) or bytes. */
    private static byte[] mutateTar(Random random, byte[] original, List<Integer> headers) {
        byte[] b = original.clone();
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            int header = headers.get(random.nextInt(headers.size()));
            if (header + 1024 > b.length) {
                continue;
            }
            switch (random.nextInt(6)) {
                case 0 -> field(b, header, 124, 12, random); // size
                case 1 -> field(b, header, 136, 12, random); // mtime
                case 2 -> b[header + 156] = (byte) "0x gL5\0".charAt(random.nextInt(7)); // type flag
                case 3 -> field(b, header, 0, 100, random); // name
                case 4 -> pax(b, header, random);
                default -> b = mutateBytes(random, b);
            }
            if (random.nextInt(5) != 0) {
                checksum(b, header);
            }
        }
        return b;
    }

    private static void field(byte[] b, int header, int offset, int length, Random random) {
        if (header + offset + length > b.length) {
            return;
        }
        String[] values = {"12x4", "-5", "77777777777", "777777777777", "", " ", "\0\0\0", "0000000001", "\u0080abc",
                "00000001000", "01777777777"};
        byte[] v = (random.nextBoolean() ? values[random.nextInt(values.length)] : nasty(random))
                .getBytes(StandardCharsets.UTF_8);
        Arrays.fill(b, header + offset, header + offset + length, (byte) 0);
        System.arraycopy(v, 0, b, header + offset, Math.min(v.length, length));
    }

    /** Rewrites the data block after a header as PAX records of any length and value. */
    private static void pax(byte[] b, int header, Random random) {
        if (header + 1024 > b.length) {
            return;
        }
        StringBuilder records = new StringBuilder();
        String[] keys = {"size", "mtime", "path", "BARMANJ.checksum", "", "linkpath"};
        for (int n = random.nextInt(4); n > 0; n--) {
            String body = " " + keys[random.nextInt(keys.length)] + "=" + nasty(random) + "\n";
            int length = body.length() + String.valueOf(body.length() + 2).length();
            if (random.nextInt(4) == 0) {
                length += random.nextInt(41) - 20;
            }
            records.append(length).append(body);
        }
        byte[] data = records.toString().getBytes(StandardCharsets.UTF_8);
        if (data.length > 512) {
            return;
        }
        Arrays.fill(b, header + 512, header + 1024, (byte) 0);
        System.arraycopy(data, 0, b, header + 512, data.length);
        b[header + 156] = 'x';
        byte[] size = String.format("%011o", data.length).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(size, 0, b, header + 124, 11);
    }

    private static void checksum(byte[] b, int header) {
        if (header + 512 > b.length) {
            return;
        }
        Arrays.fill(b, header + 148, header + 156, (byte) ' ');
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += b[header + i] & 0xff;
        }
        byte[] text = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, b, header + 148, 8);
    }

    /** Line-level mutations (values replaced, lines dropped, doubled or cut), then sometimes byte-level ones. */
    static String mutateLines(Random random, String text) {
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        for (int n = 1 + random.nextInt(4); n > 0 && !lines.isEmpty(); n--) {
            int i = random.nextInt(lines.size());
            String line = lines.get(i);
            int sep = Math.max(line.indexOf('='), line.indexOf('\t'));
            switch (random.nextInt(6)) {
                case 0, 1 -> lines.set(i, sep < 0 ? nasty(random) : line.substring(0, sep + 1) + nasty(random));
                case 2 -> lines.remove(i);
                case 3 -> lines.add(i, line);
                case 4 -> lines.set(i, line.substring(0, random.nextInt(line.length() + 1)));
                default -> lines.add(i, nasty(random) + (random.nextBoolean() ? "=" + nasty(random) : ""));
            }
        }
        String result = String.join("\n", lines);
        return random.nextInt(4) == 0
                ? new String(mutateBytes(random, result.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8)
                : result;
    }

    static String nasty(Random random) {
        return NASTY.get(random.nextInt(NASTY.size()));
    }

    private static String pick(Random random, List<String> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** Bytes flipped, set to structure characters, inserted, deleted or the input cut short. */
    static byte[] mutateBytes(Random random, byte[] input) {
        byte[] b = input.clone();
        byte[] special = {0, ' ', '\n', '=', '-', '0', '7', '9', '[', '\'', '%', (byte) 0xff, (byte) 0x80};
        for (int n = 1 + random.nextInt(8); n > 0 && b.length > 0; n--) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = special[random.nextInt(special.length)];
                case 2 -> b = Arrays.copyOf(b, at);
                case 3 -> {
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = (byte) random.nextInt(256);
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
                default -> {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter;
                }
            }
        }
        return b;
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }
}
