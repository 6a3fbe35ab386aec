package org.barmanj.walarchive;

import java.io.IOException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * barman-wal-restore's prefetch folder ({@code --spool-dir}), trusted only when it is private: a folder (not a
 * symbolic link) owned by the user running the client, which no group or other user can write (one they can read
 * is made 0700). Only that user
 * (and root) can then put a file there, so what the folder holds was prefetched by this client, running as
 * that user: each prefetch is written under a temporary name and renamed to the WAL's name once ssh has
 * succeeded, and only files of that name, regular and owned by the user, are served. A default
 * {@code /var/tmp/walrestore} that another local user created first is refused, not used. Also
 * barman-cloud-wal-restore's {@code --parallel} spool (public for it; this jar still depends on nothing).
 */
public final class Spool {
    /** Why the folder cannot be used; the message is the client's error line. */
    public static final class RefusedException extends Exception {
        RefusedException(String message) {
            super(message);
        }
    }

    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    public final Path folder;
    private final UserPrincipal user;

    private Spool(Path folder, UserPrincipal user) {
        this.folder = folder;
        this.user = user;
    }

    /** The spool folder, created mode 0700 when missing; refused unless it is private to the running user. */
    public static Spool open(Path folder) throws RefusedException {
        UserPrincipal user;
        try {
            user = folder.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(System.getProperty("user.name"));
        } catch (IOException e) {
            throw new RefusedException("Cannot check the spool directory '" + folder + "': the running user '"
                    + System.getProperty("user.name") + "' is unknown");
        }
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
            // Ours, and nobody else could write in it (Barman 3.4's client makes it 0755 with a umask of 022): what
            // it holds is ours, but the WAL in it is not for others to read.
            try {
                Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException e) {
                throw new RefusedException("Cannot make the spool directory '" + folder + "' private: " + reason(e));
            }
        }
        return new Spool(folder, user);
    }

    /**
     * Moves the prefetched {@code name} to {@code dest}; false when the spool does not hold it. Anything else
     * of that name (a link, a folder, a file of another owner) is not a prefetch of ours: false, and left alone.
     */
    public boolean take(String name, Path dest) throws IOException {
        Path file = folder.resolve(name);
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (!attributes.isRegularFile() || !attributes.owner().equals(user)) {
            return false;
        }
        Files.move(file, dest, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }

    /**
     * Where this process writes the prefetch of {@code name} until it is complete: a name of its own (the pid),
     * so that another restore sharing the folder never replaces a file this one has checked and is renaming.
     */
    public Path temporary(String name) {
        return folder.resolve("." + name + "." + ProcessHandle.current().pid() + ".tmp");
    }

    /** Makes a complete prefetch servable under its WAL name. */
    public void complete(String name) throws IOException {
        Files.move(temporary(name), folder.resolve(name), StandardCopyOption.ATOMIC_MOVE);
    }

    /** True when the spool holds a complete prefetch of {@code name}: a regular file of the user. */
    public boolean holds(String name) {
        try {
            PosixFileAttributes a = Files.readAttributes(folder.resolve(name), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() && a.owner().equals(user);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Removes every file of the folder (links too, never what they point to; folders are left) but the complete
     * prefetches named in {@code keep}; returns the names removed. For a client that knows what is stale:
     * barman-cloud-wal-restore, when a segment is asked for that the spool does not hold.
     */
    public List<String> clean(Set<String> keep) {
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

    /** What went wrong, as the operating system says it (Java's messages of these name only the file). */
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
