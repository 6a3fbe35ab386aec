package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.remote.Shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL programs of one major version: {@code postgres} must be found (its {@code --version} says which
 * major it is), {@code pg_checksums} and {@code pg_amcheck} are used when the same folder has them ({@code tools}:
 * those found there).
 */
record PostgresBinaries(Path folder, String version, Set<String> tools) {
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(\\.\\d+)?");
    /** The programs used beside {@code postgres} when they are there. */
    static final List<String> TOOLS = List.of("pg_checksums", "pg_amcheck");

    Path postgres() {
        return folder.resolve("postgres");
    }

    /** A tool of the same folder, or null when absent. */
    Path tool(String name) {
        return tools.contains(name) ? folder.resolve(name) : null;
    }

    /**
     * The folder for {@code major}: {@code drill_bin_path} if set (it must hold that major), else the first of
     * {@code path_prefix}'s folders, Debian's {@code /usr/lib/postgresql/<major>/bin} and {@code PATH} whose
     * {@code postgres} is of that major.
     */
    static PostgresBinaries find(int major, String binPath, String pathPrefix, Map<String, String> env) {
        Set<String> candidates = new LinkedHashSet<>(candidates(major, binPath, pathPrefix));
        String path = env.get("PATH");
        if (binPath == null && path != null) {
            candidates.addAll(List.of(path.split(":")));
        }
        List<String> seen = new ArrayList<>();
        for (String dir : candidates) {
            if (dir.isEmpty()) {
                continue;
            }
            Path postgres = Path.of(dir, "postgres");
            if (!Files.isExecutable(postgres)) {
                continue;
            }
            String version = version(postgres);
            seen.add(postgres + " (" + (version == null ? "version unknown" : version) + ")");
            if (version != null && version.split("\\.")[0].equals(String.valueOf(major))) {
                Set<String> tools = new LinkedHashSet<>();
                TOOLS.stream().filter(t -> Files.isExecutable(Path.of(dir, t))).forEach(tools::add);
                return new PostgresBinaries(Path.of(dir), version, tools);
            }
        }
        throw notFound(major, "", String.join(", ", candidates), seen);
    }

    /** The folders {@code drill_bin_path}, else {@code path_prefix}'s and Debian's, where to look for {@code major}. */
    static List<String> candidates(int major, String binPath, String pathPrefix) {
        if (binPath != null) {
            return List.of(binPath);
        }
        List<String> dirs = new ArrayList<>();
        if (pathPrefix != null) {
            dirs.addAll(List.of(pathPrefix.split(":")));
        }
        dirs.add("/usr/lib/postgresql/" + major + "/bin");
        return dirs;
    }

    /**
     * The first folder of major {@code major} among lines {@code <folder>\t<postgres --version>\t<tools>} (in the
     * order looked at, on another host).
     */
    static PostgresBinaries pick(int major, List<String> lines, String where, String looked) {
        List<String> seen = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            if (f.length < 3) {
                continue;
            }
            Matcher m = VERSION.matcher(f[1]);
            String version = m.find() ? m.group(1) + (m.group(2) == null ? "" : m.group(2)) : null;
            seen.add(f[0] + "/postgres (" + (version == null ? "version unknown" : version) + ")");
            if (version != null && version.split("\\.")[0].equals(String.valueOf(major))) {
                Set<String> tools = new LinkedHashSet<>(List.of(f[2].strip().split("\\s+")));
                tools.retainAll(TOOLS);
                return new PostgresBinaries(Path.of(f[0]), version, tools);
            }
        }
        throw notFound(major, where, looked, seen);
    }

    private static BarmanException notFound(int major, String where, String looked, List<String> seen) {
        return new BarmanException(ErrorCode.DRILL_REFUSED, "No PostgreSQL " + major + " binaries found" + where
                + " for the drill (looked for postgres in " + looked + (seen.isEmpty() ? ""
                : "; found " + String.join(", ", seen)) + "): set drill_bin_path in the server's .drill section");
    }

    private static String version(Path postgres) {
        try {
            Shell.Result r = Shell.run(null, Shell.quote(postgres.toString()) + " --version");
            Matcher m = VERSION.matcher(r.out());
            return r.exit() == 0 && m.find() ? m.group(1) + (m.group(2) == null ? "" : m.group(2)) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
