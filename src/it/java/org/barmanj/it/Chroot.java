package org.barmanj.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Debian 12 tree (the lab's {@code lab chroot}): unpacked fresh from the minbase tree debootstrap made once for
 * this test run, and removed on {@link #close}. Commands run in it as root, in a mount namespace of their own
 * holding its /proc and /dev/pts, which go with their last process; the tree shares the host's network, so the
 * lab's PostgreSQL servers and sshd are reachable under their host names (the lab's /etc/hosts is copied in).
 */
final class Chroot implements AutoCloseable {
    static final Path ROOTS = Path.of("/var/tmp/barmanj-lab/chroots");
    /** {@code -Dchroot.reuse=true} keeps a pristine tree left by an earlier run (to iterate on a test). */
    private static final boolean REUSE = Boolean.getBoolean("chroot.reuse");
    private static boolean pristine;

    final Path dir;

    private Chroot(Path dir) {
        this.dir = dir;
    }

    /** A fresh tree named {@code name}; the pristine one is made first if this run has not made it yet. */
    static Chroot fresh(String name, Steps steps) throws Exception {
        synchronized (Chroot.class) {
            if (!pristine) {
                steps.time("debootstrap --variant=minbase bookworm, apt-get update (once per run)",
                        () -> REUSE ? Lab.lab("chroot", "pristine", "--if-missing") : Lab.lab("chroot", "pristine"));
                pristine = true;
            }
        }
        Path dir = ROOTS.resolve(name);
        steps.time("unpack a fresh tree into " + dir, () -> Lab.lab("chroot", "create", dir.toString()));
        return new Chroot(dir);
    }

    /** Runs a command in the tree as root. */
    Proc run(String... command) {
        List<String> all = new ArrayList<>(List.of(Lab.SCRIPT.toString(), "chroot", "run", dir.toString()));
        all.addAll(List.of(command));
        return Proc.run(all);
    }

    /** Runs a shell script in the tree as root (in /). */
    Proc sh(String script) {
        return run("/bin/sh", "-c", "cd / && " + script);
    }

    /** Runs a shell script in the tree as {@code user}, with that user's HOME. */
    Proc as(String user, String script) {
        return run("/bin/sh", "-c", "cd / && exec runuser -u " + user + " -- env HOME=\"$(getent passwd " + user
                + " | cut -d: -f6)\" /bin/sh -c \"$0\"", script);
    }

    /** The host's path of a path in the tree. */
    Path path(String inTree) {
        return dir.resolve(inTree.replaceFirst("^/+", ""));
    }

    /** Copies a host file into the tree (readable by everyone, as a downloaded file). */
    Path copyIn(Path file, String inTreeDir) throws IOException {
        Path target = path(inTreeDir).resolve(file.getFileName().toString());
        Files.createDirectories(target.getParent());
        Files.copy(file, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Proc.run("chmod", "755", target.getParent().toString()).ok();
        Proc.run("chmod", "644", target.toString()).ok();
        return target;
    }

    /** dpkg's status of a package in the tree ({@code ii}, {@code rc}, ...), or "" when dpkg does not know it. */
    String status(String pkg) {
        Proc p = run("dpkg-query", "-W", "-f", "${db:Status-Abbrev}", pkg);
        return p.exit() == 0 ? p.out().strip() : "";
    }

    /** The mounts the host sees under the tree (none: they live in the commands' own namespaces). */
    List<String> hostMounts() throws IOException {
        String prefix = dir.toString();
        return Files.readAllLines(Path.of("/proc/mounts")).stream().map(l -> l.split(" ")[1])
                .filter(m -> m.equals(prefix) || m.startsWith(prefix + "/")).toList();
    }

    @Override
    public void close() {
        Lab.lab("chroot", "destroy", dir.toString());
    }
}
