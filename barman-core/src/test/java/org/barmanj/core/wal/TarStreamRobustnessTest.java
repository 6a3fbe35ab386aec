package org.barmanj.core.wal;

import org.barmanj.core.Fuzz;
import org.barmanj.core.TestServer;
import org.barmanj.core.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.barmanj.core.Fuzz.nasty;

/** Parser robustness (see {@link Fuzz}): mutated and random put-wal tar streams. */
class TarStreamRobustnessTest {
    @TempDir
    Path home;

    @Test
    void putWalTarStream() throws IOException {
        byte[] original = PutWalTest.barman34Stream();
        List<Integer> headers = headerOffsets(original);
        ServerConfig server = TestServer.create(home, "");
        Fuzz.run("put-wal tar stream", 1000, m -> m.contains("put-wal for server 'demo'"), random -> {
            byte[] stream = random.nextInt(10) == 0 ? Fuzz.randomBytes(random, random.nextInt(3000))
                    : mutateTar(random, original, headers);
            PutWal.receive(server, new ByteArrayInputStream(stream), "");
        });
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
                default -> b = Fuzz.mutateBytes(random, b);
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

}
