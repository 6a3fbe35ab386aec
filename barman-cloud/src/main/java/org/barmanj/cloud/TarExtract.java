package org.barmanj.cloud;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Extracts one tar stream into a directory, as Python's {@code tarfile.extractall} does for Barman's backup tars
 * (regular files, directories, symbolic and hard links; modes and modification times as the tar says), but
 * refusing a member whose name is absolute, has a {@code ..} component, or would be written through a symbolic
 * link. Run as root, owners are set as the tar says (by user and group name where this host knows it, else by
 * number), as tarfile does; otherwise files belong to the user running it. Directories' modes and times are applied by {@link #finish()}, after every tar into the same directory
 * (the split parts of one tar may fill a directory another part declared).
 */
final class TarExtract {
    private final Path root;
    /** Directory to its mode and modification time, applied last. */
    private final Map<Path, long[]> directories = new ConcurrentHashMap<>();
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    TarExtract(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** Extracts every member of the (already decompressed) tar stream; returns the bytes of file data written. */
    long extract(InputStream tarStream, String source) throws IOException {
        long bytes = 0;
        byte[] buf = new byte[1 << 16];
        Files.createDirectories(root);
        TarArchiveInputStream tar = new TarArchiveInputStream(tarStream);
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            Path target = safeTarget(e.getName(), source);
            if (target.equals(root)) {
                if (e.isDirectory()) {
                    directories.put(target, new long[] {e.getMode(), e.getModTime().getTime()});
                }
                continue;
            }
            checkNoLinkBetween(target.getParent(), e.getName(), source);
            Files.createDirectories(target.getParent());
            if (e.isDirectory()) {
                if (Files.isSymbolicLink(target)) {
                    throw refused(e.getName(), source, "a symbolic link is in the way of a directory");
                }
                Files.createDirectories(target);
                chown(target, e);
                directories.put(target, new long[] {e.getMode(), e.getModTime().getTime()});
            } else if (e.isSymbolicLink()) {
                removeExisting(target);
                Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                chown(target, e);
            } else if (e.isLink()) {
                Path existing = safeTarget(e.getLinkName(), source);
                checkNoLinkBetween(existing.getParent(), e.getLinkName(), source);
                removeExisting(target);
                Files.createLink(target, existing);
            } else if (e.isFile()) {
                removeExisting(target);
                try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    int n;
                    while ((n = tar.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        bytes += n;
                    }
                }
                chown(target, e);
                Files.setPosixFilePermissions(target, permissions(e.getMode()));
                Files.setLastModifiedTime(target, FileTime.fromMillis(e.getModTime().getTime()));
            } else {
                CloudLog.warning("Skipping " + e.getName() + " of " + source + ": not a file, directory or link");
            }
        }
        return bytes;
    }

    /** Applies the directories' modes and times, deepest first (a read-only parent does not stop its children). */
    void finish() throws IOException {
        var sorted = directories.keySet().stream().sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList();
        for (Path d : sorted) {
            long[] m = directories.get(d);
            Files.setPosixFilePermissions(d, permissions((int) m[0]));
            Files.setLastModifiedTime(d, FileTime.fromMillis(m[1]));
        }
    }

    /** As tarfile's chown, only as root: the names if known here, else the numbers; a link itself, not its target. */
    private static void chown(Path target, TarArchiveEntry e) throws IOException {
        if (!ROOT) {
            return;
        }
        var lookup = target.getFileSystem().getUserPrincipalLookupService();
        PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        try {
            view.setOwner(lookup.lookupPrincipalByName(e.getUserName()));
        } catch (IOException | RuntimeException unknown) {
            Files.setAttribute(target, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
        }
        try {
            view.setGroup(lookup.lookupPrincipalByGroupName(e.getGroupName()));
        } catch (IOException | RuntimeException unknown) {
            Files.setAttribute(target, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    private Path safeTarget(String name, String source) throws IOException {
        if (name.startsWith("/")) {
            throw refused(name, source, "an absolute path");
        }
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw refused(name, source, "a '..' component");
            }
        }
        Path target = root.resolve(name).normalize();
        if (!target.startsWith(root)) {
            throw refused(name, source, "outside the destination");
        }
        return target;
    }

    /** No component from the root (excluded) down to dir is a symbolic link: nothing is written through one. */
    private void checkNoLinkBetween(Path dir, String name, String source) throws IOException {
        for (Path p = dir; p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw refused(name, source, "it would be written through the symbolic link " + p);
            }
        }
    }

    private static void removeExisting(Path target) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "a directory is in the way");
        }
        Files.deleteIfExists(target);
    }

    private static IOException refused(String name, String source, String why) {
        return new IOException("Refusing tar member '" + name + "' of " + source + ": " + why);
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> p = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                p.add(bits[i]);
            }
        }
        return p;
    }
}
