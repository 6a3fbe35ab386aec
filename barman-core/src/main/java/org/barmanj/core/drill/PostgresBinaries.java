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
 * major it is), {@code pg_checksums} and {@code pg_amcheck} are used when the same folder has them.
 */
record PostgresBinaries(Path folder, String version) {
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(\\.\\d+)?");

    Path postgres() {
        return folder.resolve("postgres");
    }

    /** A tool of the same folder, or null when absent. */
    Path tool(String name) {
        Path p = folder.resolve(name);
        return Files.isExecutable(p) ? p : null;
    }

    /**
     * The folder for {@code major}: {@code drill_bin_path} if set (it must hold that major), else the first of
     * {@code path_prefix}'s folders, Debian's {@code /usr/lib/postgresql/<major>/bin} and {@code PATH} whose
     * {@code postgres} is of that major.
     */
    static PostgresBinaries find(int major, String binPath, String pathPrefix, Map<String, String> env) {
        Set<String> candidates = new LinkedHashSet<>();
        if (binPath != null) {
            candidates.add(binPath);
        } else {
            if (pathPrefix != null) {
                candidates.addAll(List.of(pathPrefix.split(":")));
            }
            candidates.add("/usr/lib/postgresql/" + major + "/bin");
            String path = env.get("PATH");
            if (path != null) {
                candidates.addAll(List.of(path.split(":")));
            }
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
                return new PostgresBinaries(Path.of(dir), version);
            }
        }
        throw new BarmanException(ErrorCode.DRILL_REFUSED, "No PostgreSQL " + major + " binaries found for the "
                + "drill (looked for postgres in " + String.join(", ", candidates) + (seen.isEmpty() ? ""
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
