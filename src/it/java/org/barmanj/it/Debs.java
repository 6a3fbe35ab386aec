package org.barmanj.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The Debian packages the packaging module built (packaging/target), and repacked variants of them. */
final class Debs {
    static final Path TARGET = Path.of(System.getProperty("barman.top", "../..")).resolve("packaging/target");

    private Debs() {
    }

    /** The one {@code <name>_<version>_all.deb} of the build. */
    static Path built(String name) throws IOException {
        if (!Files.isDirectory(TARGET)) {
            throw new AssertionError(TARGET + " does not exist: the packaging module builds the packages"
                    + " (mvn package) before the integration tests run");
        }
        try (Stream<Path> files = Files.list(TARGET)) {
            List<Path> debs = files.filter(f -> f.getFileName().toString().matches(
                    java.util.regex.Pattern.quote(name) + "_[^_]+_all\\.deb")).sorted().toList();
            if (debs.size() != 1) {
                throw new AssertionError("expected one " + name + "_*_all.deb in " + TARGET + ", found " + debs);
            }
            return debs.get(0);
        }
    }

    /** The Version field of a package file. */
    static String version(Path deb) {
        return Proc.run("dpkg-deb", "-f", deb.toString(), "Version").ok().out().strip();
    }

    /**
     * The same package with another version (every {@code (= old)} dependency on its sibling rewritten too) and,
     * for each conffile named in {@code appendToConffiles}, a line appended, its md5sums entry updated: what a new
     * release that changed those conffiles would ship. Written into {@code dir}.
     */
    static Path repack(Path deb, String newVersion, Path dir, List<String> appendToConffiles, String line)
            throws IOException {
        String old = version(deb);
        Path work = Files.createTempDirectory(dir, "repack");
        try {
            Path tree = work.resolve("tree");
            Proc.run("dpkg-deb", "-R", deb.toString(), tree.toString()).ok();
            Path control = tree.resolve("DEBIAN/control");
            String text = Files.readString(control);
            String changed = text.replace("Version: " + old + "\n", "Version: " + newVersion + "\n")
                    .replace("(= " + old + ")", "(= " + newVersion + ")");
            if (changed.equals(text)) {
                throw new AssertionError("no Version: " + old + " in " + control + ":\n" + text);
            }
            Files.writeString(control, changed);
            for (String conffile : appendToConffiles) {
                Path file = tree.resolve(conffile.substring(1));
                Files.writeString(file, Files.readString(file) + line + "\n");
                Path md5sums = tree.resolve("DEBIAN/md5sums");
                if (Files.exists(md5sums)) {
                    String sum = Proc.run("md5sum", file.toString()).ok().out().split(" ")[0];
                    String rel = conffile.substring(1);
                    Files.writeString(md5sums, Files.readString(md5sums)
                            .replaceAll("(?m)^[0-9a-f]{32}  " + java.util.regex.Pattern.quote(rel) + "$",
                                    java.util.regex.Matcher.quoteReplacement(sum + "  " + rel)));
                }
            }
            String name = Proc.run("dpkg-deb", "-f", deb.toString(), "Package").ok().out().strip();
            Path out = dir.resolve(name + "_" + newVersion + "_all.deb");
            Proc.run("dpkg-deb", "--root-owner-group", "-b", tree.toString(), out.toString()).ok();
            return out;
        } finally {
            Proc.run("rm", "-rf", work.toString()).ok();
        }
    }
}
