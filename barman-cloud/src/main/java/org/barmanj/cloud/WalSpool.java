package org.barmanj.cloud;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * barman-cloud-wal-restore's prefetch folder ({@code --spool-dir}), with the rules of barman-wal-restore's spool
 * ({@code org.barmanj.walarchive.Spool}): trusted only when private, a folder (not a symbolic link) owned by
 * the running user that no group or other user can write (one they can only read is made 0700); every prefetch
 * written under a temporary name and renamed to its WAL name once complete and checked; only regular files of
 * that user served. One addition: the WAL files of one source (bucket URL and server name) live in a sub-folder
 * of their own, named from a hash of both, so that two restores sharing a spool folder never serve each other
 * a segment of the same name.
 */
final class WalSpool {
    /** Why the folder cannot be used; the message is the warning line. */
    static final class RefusedException extends Exception {
        RefusedException(String message) {
            super(message);
        }
    }

    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /** The source's own folder, inside the --spool-dir. */
    final Path folder;
    private final UserPrincipal user;

    private WalSpool(Path folder, UserPrincipal user) {
        this.folder = folder;
        this.user = user;
    }

    /** The sub-folder of one source: 16 hex digits of SHA-256 over the URL and the server name. */
    static String sourceKey(String sourceUrl, String server) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256")
                    .digest((sourceUrl + "\n" + server).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The spool of one source, folders created mode 0700 when missing; refused unless both are private. */
    static WalSpool open(Path spoolDir, String sourceUrl, String server) throws RefusedException {
        UserPrincipal user;
        try {
            user = spoolDir.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException e) {
            throw new RefusedException("Cannot check the spool directory '" + spoolDir + "': the running user '"
                    + System.getProperty("user.name") + "' is unknown");
        }
        privateFolder(spoolDir, user);
        Path folder = spoolDir.resolve(sourceKey(sourceUrl, server));
        privateFolder(folder, user);
        return new WalSpool(folder, user);
    }

    private static void privateFolder(Path folder, UserPrincipal user) throws RefusedException {
        try {
            Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            // Not a folder (a file, or a link to one): described below.
        } catch (IOException e) {
            throw new RefusedException("Cannot create '" + folder + "' directory: " + reason(e));
        }
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(folder, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new RefusedException("Cannot check the spool directory '" + folder + "': " + reason(e));
        }
        boolean othersWrite = attributes.permissions().contains(PosixFilePermission.GROUP_WRITE)
                || attributes.permissions().contains(PosixFilePermission.OTHERS_WRITE);
        if (!attributes.isDirectory() || !attributes.owner().equals(user) || othersWrite) {
            throw new RefusedException("The spool directory '" + folder + "' is not private (" + describe(attributes)
                    + "): it must be a directory owned by " + user.getName() + " with mode 0700; fix it or choose "
                    + "another --spool-dir");
        }
        if (attributes.permissions().stream().anyMatch(OTHERS::contains)) {
            try {
                Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException e) {
                throw new RefusedException("Cannot make the spool directory '" + folder + "' private: " + reason(e));
            }
        }
    }

    /** True when the spool holds a complete prefetch of {@code name} (a regular file of ours). */
    boolean holds(String name) {
        try {
            PosixFileAttributes a = Files.readAttributes(folder.resolve(name), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && a.owner().equals(user);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Moves the prefetched {@code name} to {@code dest} (a rename when both are on one file system, else a copy
     * to a temporary file beside {@code dest} renamed over it); false when the spool does not hold it.
     */
    boolean take(String name, Path dest) throws IOException {
        if (!WalNames.isSegment(name) || !holds(name)) {
            return false;
        }
        Path file = folder.resolve(name);
        try {
            Files.move(file, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (NoSuchFileException e) {
            return false; // taken meanwhile by another restore of the same source
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            Path parent = dest.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(parent, "." + name + ".", ".part");
            try {
                Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException gone) {
                return false;
            } finally {
                Files.deleteIfExists(tmp);
            }
            Files.deleteIfExists(file);
            return true;
        }
    }

    /** Where the prefetch of {@code name} is written until it is complete and checked. */
    Path temporary(String name) {
        return folder.resolve("." + name + ".tmp");
    }

    /** Makes a complete, checked prefetch servable under its WAL name. */
    void complete(String name) throws IOException {
        Files.move(temporary(name), folder.resolve(name), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Removes what PostgreSQL will not ask for: every file of the folder but the complete prefetches named in
     * {@code keep} (the segments that follow the one being fetched). Called when a segment was not in the
     * spool: PostgreSQL reads its segments in order, so what is left there is behind, on another timeline, or
     * an interrupted prefetch. Returns the names removed.
     */
    List<String> clean(Set<String> keep) {
        List<String> removed = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path p : entries) {
                String n = p.getFileName().toString();
                if (keep.contains(n) && holds(n)) {
                    continue;
                }
                try {
                    PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    if (!a.isDirectory() && Files.deleteIfExists(p)) {
                        removed.add(n);
                    }
                } catch (IOException e) {
                    // Gone meanwhile, or not ours to remove: left.
                }
            }
        } catch (IOException e) {
            return removed;
        }
        return removed;
    }

    private static String describe(PosixFileAttributes attributes) {
        if (attributes.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (!attributes.isDirectory()) {
            return "not a directory";
        }
        int mode = 0;
        for (PosixFilePermission p : attributes.permissions()) {
            mode |= 1 << (8 - p.ordinal());
        }
        return "owner " + attributes.owner().getName() + ", mode " + String.format("%04o", mode);
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException f) {
            return "Permission denied: " + f.getFile();
        }
        if (e instanceof NoSuchFileException f) {
            return "No such file or directory: " + f.getFile();
        }
        return e.getMessage();
    }
}
