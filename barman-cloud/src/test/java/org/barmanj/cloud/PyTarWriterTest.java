package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our tar stream against Python's own tarfile (PAX format) adding the same members: the same bytes. */
class PyTarWriterTest {
    @TempDir
    Path dir;

    @Test
    void sameBytesAsPythonTarfile() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data/base/1"));
        Files.write(data.resolve("1259"), new byte[8192 + 17]);
        Files.writeString(dir.resolve("data/PG_VERSION"), "15\n");
        Files.setPosixFilePermissions(dir.resolve("data/PG_VERSION"), PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(dir.resolve("data/link"), Path.of("/somewhere/else"));
        Path longName = Files.createDirectories(dir.resolve("data/" + "d".repeat(120)));
        Files.writeString(longName.resolve("f".repeat(60)), "long");
        // A modification time with a fraction, as every real file has, and one without.
        Files.setLastModifiedTime(data.resolve("1259"), FileTime.from(Instant.parse("2026-12-01T10:00:00.123456789Z")));
        Files.setLastModifiedTime(dir.resolve("data/PG_VERSION"), FileTime.from(Instant.parse("2026-12-01T10:00:00Z")));
        List<String> members = List.of("data", "data/PG_VERSION", "data/base", "data/base/1", "data/base/1/1259",
                "data/link", "data/" + "d".repeat(120), "data/" + "d".repeat(120) + "/" + "f".repeat(60));

        ByteArrayOutputStream ours = new ByteArrayOutputStream();
        PyTarWriter tar = new PyTarWriter(ours);
        for (String m : members) {
            tar.add(dir.resolve(m), m);
        }
        tar.addBytes("backup_label", "START WAL LOCATION: 0/2000028\n".getBytes(), 0644, 0, 0);
        tar.finish();

        Path script = dir.resolve("tar.py");
        Files.writeString(script, """
                import io, sys, tarfile
                buf = io.BytesIO()
                with tarfile.open(fileobj=buf, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    for m in sys.argv[2:]:
                        tar.add(sys.argv[1] + "/" + m, arcname=m, recursive=False)
                    label = b"START WAL LOCATION: 0/2000028\\n"
                    info = tarfile.TarInfo("backup_label")
                    info.size = len(label)
                    tar.addfile(info, io.BytesIO(label))
                sys.stdout.buffer.write(buf.getvalue())
                """);
        List<String> command = new java.util.ArrayList<>(List.of("python3", script.toString(), dir.toString()));
        command.addAll(members);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] python = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        assertEquals(python.length, ours.size());
        assertArrayEquals(python, ours.toByteArray());
    }
}
