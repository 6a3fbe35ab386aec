package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Date;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarExtractTest {
    @TempDir
    Path tmp;

    /** A member: name, type ('d', 'f', 'l' symlink, 'h' hard link), mode, content or link target. */
    record M(String name, char type, int mode, String body) {}

    static byte[] tar(List<M> members) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (M m : members) {
                TarArchiveEntry e = switch (m.type()) {
                    // Absolute names kept as given: a hostile tar is not written by a well-behaved tool.
                    case 'd' -> new TarArchiveEntry(m.name() + "/", true);
                    case 'l' -> new TarArchiveEntry(m.name(), TarConstants.LF_SYMLINK, true);
                    case 'h' -> new TarArchiveEntry(m.name(), TarConstants.LF_LINK, true);
                    default -> new TarArchiveEntry(m.name(), true);
                };
                e.setMode(m.mode());
                e.setIds(4711, 4712);
                e.setUserName("no-such-user-4711");
                e.setGroupName(m.name().equals("PG_VERSION") ? "root" : "no-such-group-4712");
                e.setModTime(new Date(1_600_000_000_000L));
                byte[] data = m.type() == 'f' ? m.body().getBytes(StandardCharsets.UTF_8) : new byte[0];
                if (m.type() == 'l' || m.type() == 'h') {
                    e.setLinkName(m.body());
                }
                e.setSize(data.length);
                t.putArchiveEntry(e);
                t.write(data);
                t.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }

    @Test
    void extractsFilesDirectoriesLinksWithTheirModesAndTimes() throws IOException {
        Path root = tmp.resolve("pgdata");
        TarExtract x = new TarExtract(root);
        x.extract(new ByteArrayInputStream(tar(List.of(new M("base", 'd', 0700, null),
                new M("base/1/1259", 'f', 0600, "relation"), new M("PG_VERSION", 'f', 0640, "15\n"),
                new M("link", 'l', 0777, "base/1/1259"), new M("hard", 'h', 0600, "PG_VERSION"),
                new M("ro", 'd', 0500, null), new M("ro/inside", 'f', 0400, "r")))), "data.tar");
        x.finish();
        assertEquals("relation", Files.readString(root.resolve("base/1/1259")));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("base/1/1259"))));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("PG_VERSION"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("base"))));
        assertEquals("r-x------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("ro"))));
        assertEquals("r", Files.readString(root.resolve("ro/inside")));
        assertEquals(1_600_000_000_000L, Files.getLastModifiedTime(root.resolve("base")).toMillis());
        assertEquals(1_600_000_000_000L, Files.getLastModifiedTime(root.resolve("PG_VERSION")).toMillis());
        assertEquals(Path.of("base/1/1259"), Files.readSymbolicLink(root.resolve("link")));
        assertEquals("15\n", Files.readString(root.resolve("hard")));
        assertTrue(Files.isSameFile(root.resolve("hard"), root.resolve("PG_VERSION")));
        // Owners as the tar says when extracting as root (by name if known here, else by number), else ours.
        boolean root0 = "root".equals(System.getProperty("user.name"));
        Object me = Files.getAttribute(tmp, "unix:uid");
        assertEquals(root0 ? 4711 : me, Files.getAttribute(root.resolve("base/1/1259"), "unix:uid"));
        assertEquals(root0 ? 4712 : Files.getAttribute(tmp, "unix:gid"),
                Files.getAttribute(root.resolve("base/1/1259"), "unix:gid"));
        assertEquals(root0 ? 0 : Files.getAttribute(tmp, "unix:gid"), Files.getAttribute(root.resolve("PG_VERSION"),
                "unix:gid"));
        assertEquals(root0 ? 4711 : me, Files.getAttribute(root.resolve("link"), "unix:uid",
                java.nio.file.LinkOption.NOFOLLOW_LINKS));
        Files.setPosixFilePermissions(root.resolve("ro"), PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void refusesParentComponentsAbsoluteNamesAndWritingThroughALink() throws IOException {
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        List<List<M>> evil = List.of(
                List.of(new M("../outside/evil", 'f', 0600, "x")),
                List.of(new M("a/../../outside/evil", 'f', 0600, "x")),
                List.of(new M(outside.resolve("evil").toString(), 'f', 0600, "x")),
                List.of(new M("l", 'l', 0777, outside.toString()), new M("l/evil", 'f', 0600, "x")),
                List.of(new M("h", 'h', 0600, "../outside/secret")));
        Files.writeString(outside.resolve("secret"), "s");
        int i = 0;
        for (List<M> members : evil) {
            Path root = tmp.resolve("root" + i++);
            IOException e = assertThrows(IOException.class,
                    () -> new TarExtract(root).extract(new ByteArrayInputStream(tar(members)), "evil.tar"));
            assertTrue(e.getMessage().startsWith("Refusing tar member"), e.getMessage());
            assertFalse(Files.exists(outside.resolve("evil")), members.toString());
        }
    }

    @Test
    void tablespaceRulesAndTheRepeatableOption() {
        assertEquals(java.util.Map.of("ts1", "/new:odd", "ts2", "/b"),
                CloudRestore.tablespaceMap(List.of("ts1:/a", "ts2:/b", "ts1:/new:odd")));
        CloudExit e = assertThrows(CloudExit.class, () -> CloudRestore.tablespaceMap(List.of("nocolon")));
        assertEquals(CloudExit.USAGE, e.code);
        CloudArgs a = new CloudArgs("p", "d", List.of(CloudArgs.url("source")), 1,
                List.of(CloudOption.multi("NAME:LOCATION", "tablespace relocation rule", "--tablespace")))
                .parse(new String[] {"--tablespace", "a:/x", "s3://b/p", "--tablespace=b:/y"}, System.out, System.err);
        assertEquals(List.of("a:/x", "b:/y"), a.multiValues.get("--tablespace"));
        assertTrue(a.usage().contains("[--tablespace NAME:LOCATION]"), a.usage());
    }
}
