package org.barmanj.walarchive;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * What barman-wal-restore does before it asks the backup host: the WAL name it accepts, and which files of the
 * spool it serves. The backup host is a {@link SilentHost}, which also tells whether the client connected.
 * Giving a file to another owner ({@code nobody}) needs root, which these tests run as (as the lab's).
 */
@Timeout(20)
class WalRestoreTest {
    static final String WAL = "000000010000000000000007";

    @TempDir
    Path dir;

    private Ran restore(SilentHost host, String... args) {
        List<String> all = new ArrayList<>(List.of("--connect-timeout", "1", "--no-ssh-reuse", "--port", host.port()));
        all.addAll(List.of(args));
        return Ran.restore(all.toArray(String[]::new));
    }

    /** Every path below {@code dir} with its content (folders as "/"), to show what a run changed. */
    private List<String> tree() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.map(p -> {
                try {
                    return dir.relativize(p) + (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "/"
                            : "=" + Files.readString(p));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).sorted().toList();
        }
    }

    @Test
    void namesThatAreNotWalFileNamesAreRefusedBeforeAnythingIsTouched() throws IOException {
        Path spool = Files.createDirectory(dir.resolve("spool"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Files.writeString(Files.createDirectory(dir.resolve("victimdir")).resolve("victim"), "secret");
        List<String> before = tree();
        try (SilentHost host = new SilentHost()) {
            for (String name : List.of("../victimdir/victim", "00000001000000000000000G", "0000000100000000000000070",
                    WAL + "/..", "../" + WAL, WAL + ".tmp", "00000001.history\n", "RECOVERYXLOG", "", "demo' ; id ; '")) {
                for (String parallel : List.of("0", "2")) {
                    Ran ran = restore(host, "--parallel", parallel, "--spool-dir", spool.toString(), SilentHost.ADDRESS,
                            "demo", name, dir.resolve("dest").toString());
                    assertEquals(3, ran.code(), name);
                    assertEquals("ERROR: WAL_NAME '" + name + "' is not a WAL file name (a segment, .history, .backup or "
                            + ".partial file name)\n", ran.err(), name);
                }
            }
            assertEquals(0, host.connections());
        }
        assertEquals(before, tree(), "nothing moved, nothing created");
    }

    @Test
    void walFileNamesAsBarmanAcceptsThemGoToTheBackupHost() throws IOException {
        try (SilentHost host = new SilentHost()) {
            List<String> names = List.of(WAL, "0000000100000000000000a7", WAL + ".partial", WAL + ".00000028.backup",
                    "00000002.history");
            for (String name : names) {
                Ran ran = restore(host, SilentHost.ADDRESS, "demo", name, dir.resolve("dest").toString());
                assertEquals("ERROR: Connection problem with ssh\n", ran.err(), name);
                assertEquals(2, ran.code(), name);
            }
            assertEquals(names.size(), host.connections());
        }
    }

    /** The default /var/tmp/walrestore is a path any local user can create first, and fill. */
    @Test
    void aSpoolOthersCanWriteIsRefusedAndNothingInItServed() throws IOException {
        Path spool = Files.createDirectory(dir.resolve("walrestore"));
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxrwxrwx"));
        UserPrincipal nobody = spool.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(spool, nobody);
        Files.setOwner(Files.writeString(spool.resolve(WAL), "forged"), nobody);
        List<String> before = tree();
        try (SilentHost host = new SilentHost()) {
            Ran ran = restore(host, "--parallel", "2", "--spool-dir", spool.toString(), SilentHost.ADDRESS, "demo", WAL,
                    dir.resolve("dest").toString());
            assertEquals("ERROR: The spool directory '" + spool + "' is not private (owner nobody, mode 0777): it must "
                    + "be a directory owned by " + System.getProperty("user.name") + " with mode 0700; fix it or choose "
                    + "another --spool-dir\n", ran.err());
            assertEquals(2, ran.code());
            assertEquals(0, host.connections());
        }
        assertEquals(before, tree(), "the forged file is where it was, no WAL_DEST written");
    }

    @Test
    void aSpoolOthersCanWriteIsRefusedAsIsALink() throws IOException {
        Path spool = Files.createDirectory(dir.resolve("walrestore"));
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxrwxr-x"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), Files.createDirectory(dir.resolve("private"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        Path file = Files.writeString(dir.resolve("file"), "");
        String user = System.getProperty("user.name");
        try (SilentHost host = new SilentHost()) {
            for (Object[] c : new Object[][] {{spool, "owner " + user + ", mode 0775"}, {link, "a symbolic link"},
                    {file, "not a directory"}}) {
                Ran ran = restore(host, "--parallel", "2", "--spool-dir", c[0].toString(), SilentHost.ADDRESS, "demo",
                        WAL, dir.resolve("dest").toString());
                assertEquals("ERROR: The spool directory '" + c[0] + "' is not private (" + c[1] + "): it must be a "
                        + "directory owned by " + user + " with mode 0700; fix it or choose another --spool-dir\n",
                        ran.err());
                assertEquals(2, ran.code());
            }
            assertEquals(0, host.connections());
        }
        assertFalse(Files.exists(dir.resolve("dest")));
    }

    @Test
    void aMissingSpoolIsCreatedPrivate() throws IOException {
        Path spool = dir.resolve("walrestore");
        try (SilentHost host = new SilentHost()) {
            Ran ran = restore(host, "--parallel", "2", "--spool-dir", spool.toString(), SilentHost.ADDRESS, "demo", WAL,
                    dir.resolve("dest").toString());
            // The peek found nothing: the silent host never answered.
            assertEquals("ERROR: The required file is not available: " + WAL + "\n", ran.err());
            assertEquals(2, ran.code());
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spool,
                LinkOption.NOFOLLOW_LINKS)));
        assertEquals(List.of(), Files.list(spool).toList());
    }

    /**
     * Barman 3.4's client creates the spool 0755 under a umask of 022: ours, and nobody else could write it, so it is
     * made 0700 and used.
     */
    @ParameterizedTest
    @ValueSource(strings = {"rwx------", "rwxr-xr-x"})
    void aPrefetchedFileIsServedFromThePrivateSpoolWithoutSsh(String mode) throws IOException {
        Path spool = Files.createDirectory(dir.resolve("walrestore"));
        Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString(mode));
        Files.writeString(spool.resolve(WAL), "prefetched");
        try (SilentHost host = new SilentHost()) {
            Ran ran = restore(host, "--parallel", "2", "--spool-dir", spool.toString(), SilentHost.ADDRESS, "demo", WAL,
                    dir.resolve("dest").toString());
            assertEquals("", ran.err());
            assertEquals(0, ran.code());
            assertEquals(0, host.connections());
        }
        assertEquals(List.of("dest=prefetched", "walrestore/"), tree().subList(1, tree().size()));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(spool)));
    }

    /** A file of another owner can only be in a spool that was not always private: it is not a prefetch. */
    @Test
    void inAPrivateSpoolOnlyFilesOfTheUserAreServed() throws IOException {
        Path spool = Files.createDirectory(dir.resolve("walrestore"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Files.setOwner(Files.writeString(spool.resolve(WAL), "forged"),
                spool.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        try (SilentHost host = new SilentHost()) {
            Ran ran = restore(host, "--parallel", "2", "--spool-dir", spool.toString(), SilentHost.ADDRESS, "demo", WAL,
                    dir.resolve("dest").toString());
            assertEquals("ERROR: The required file is not available: " + WAL + "\n", ran.err());
            assertEquals(2, ran.code());
            assertEquals(1, host.connections(), "asked the backup host instead");
        }
        assertEquals("forged", Files.readString(spool.resolve(WAL)));
        assertEquals("", Files.readString(dir.resolve("dest")));
    }

    /** Without --parallel nothing is prefetched, so the spool is not read at all. */
    @Test
    void withoutParallelTheSpoolIsNotRead() throws IOException {
        Path spool = Files.createDirectory(dir.resolve("walrestore"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Files.writeString(spool.resolve(WAL), "stale");
        try (SilentHost host = new SilentHost()) {
            Ran ran = restore(host, "--spool-dir", spool.toString(), SilentHost.ADDRESS, "demo", WAL,
                    dir.resolve("dest").toString());
            assertEquals("ERROR: Connection problem with ssh\n", ran.err());
            assertEquals(2, ran.code());
            assertEquals(1, host.connections());
        }
        assertEquals("stale", Files.readString(spool.resolve(WAL)));
        assertEquals("", Files.readString(dir.resolve("dest")));
    }
}
