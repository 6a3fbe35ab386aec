package org.barmanj.core.postgres;

import org.barmanj.core.process.ChildProcesses;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The installed {@code pg_basebackup} (Barman's {@code PgBaseBackup}): found as Barman finds it, in
 * {@code path_prefix} first, then {@code PATH}, the first one that answers {@code --version} (Debian's wrapper in
 * /usr/bin answers only when a real one is behind it); its version; and its command line for a backup.
 */
public record PgBaseBackup(Path path, String version, int versionNum) {
    private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?(devel|beta|alpha|rc)?.*");

    /** The pg_basebackup Barman would run, or null when none answers. {@code env} gives {@code PATH}. */
    public static PgBaseBackup find(String pathPrefix, Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        if (pathPrefix != null && !pathPrefix.isEmpty()) {
            path = pathPrefix + ":" + path;
        }
        for (String dir : path.split(":", -1)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "pg_basebackup");
            if (!Files.isRegularFile(candidate) || !Files.isExecutable(candidate)) {
                continue;
            }
            String out = run(candidate, path);
            if (out != null) {
                String version = parseVersion(out);
                return new PgBaseBackup(candidate, version, version == null ? 0 : versionNum(version));
            }
        }
        return null;
    }

    /** {@code --version}'s output, or null when it fails (an inactive wrapper). */
    private static String run(Path command, String path) {
        ProcessBuilder pb = new ProcessBuilder(command.toString(), "--version").redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("PATH", path);
        try {
            Process p = ChildProcesses.start(pb);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * The version in {@code pg_basebackup (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)}: the second word once the
     * parenthesised parts are gone, as Barman reads it ({@code 15.18}); null when it is not a version.
     */
    static String parseVersion(String output) {
        String[] words = output.strip().replaceAll("\\s*\\([^)]*\\)", "").split("\\s+");
        if (words.length < 2 || !words[1].matches("(\\d+)(\\.(\\d+)|devel|beta|alpha|rc).*")) {
            return null;
        }
        return words[1];
    }

    /**
     * Whether it can back up a server whose {@code version()} is {@code serverTxtVersion} ({@code 17.2}): null
     * when either version is unknown, as Barman's {@code pg_basebackup_compatible}.
     */
    public Boolean compatibleWith(String serverTxtVersion) {
        if (serverTxtVersion == null || version == null) {
            return null;
        }
        return PostgresPlumbing.pgBaseBackupCompatible(versionNum(serverTxtVersion), versionNum);
    }

    /** Whether it has {@code --tablespace-mapping} (9.4 and later). */
    public boolean mapsTablespaces() {
        return PostgresPlumbing.pgBaseBackupMapsTablespaces(versionNum);
    }

    /** {@code 15.18} as a {@code server_version_num} (150018); {@code 9.6.24} is 90624, {@code 17beta1} 170000. */
    public static int versionNum(String version) {
        Matcher m = VERSION.matcher(version);
        if (!m.matches()) {
            return 0;
        }
        int first = Integer.parseInt(m.group(1));
        int second = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        if (first >= 10) {
            return first * 10000 + (m.group(4) == null ? second : 0);
        }
        int third = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return first * 10000 + second * 100 + third;
    }

    /**
     * Barman's arguments for a plain-format backup into {@code data}: the streaming connection as
     * {@code --dbname}, {@code -v --no-password --pgdata}, no WAL and no slot (the archive has the WAL), one
     * {@code --tablespace-mapping} per tablespace, {@code --max-rate} when {@code bwlimit} is positive and
     * {@code --checkpoint=fast} when asked; there is no {@code --checkpoint=spread}, pg_basebackup's default.
     */
    public List<String> arguments(String streamingConninfo, String applicationName, Path data,
                                  Map<String, Path> tablespaces, Integer bwlimit, boolean immediate) {
        List<String> args = new ArrayList<>();
        args.add(path.toString());
        args.add("--dbname=" + connectionString(streamingConninfo, applicationName));
        args.add("-v");
        args.add("--no-password");
        args.add("--pgdata=" + data);
        if (PostgresPlumbing.pgBaseBackupNeedsNoWal(versionNum)) {
            args.add("--no-slot");
            args.add("--wal-method=none");
        }
        tablespaces.forEach((location, dest) -> args.add("--tablespace-mapping=" + location + "=" + dest));
        if (bwlimit != null && bwlimit > 0) {
            args.add("--max-rate=" + bwlimit);
        }
        if (immediate) {
            args.add("--checkpoint=fast");
        }
        return args;
    }

    /**
     * The streaming connection string as Barman passes it: {@code streaming_conninfo}'s parameters with
     * {@code replication=true}, {@code options=-cdatestyle=iso} and {@code dbname=replication}, sorted by name,
     * then {@code application_name} unless set.
     */
    static String connectionString(String streamingConninfo, String applicationName) {
        Map<String, String> params = new TreeMap<>(ConnInfo.parse(streamingConninfo).params());
        params.put("replication", "true");
        params.put("options", "-cdatestyle=iso");
        params.put("dbname", "replication");
        boolean named = params.containsKey("application_name");
        StringBuilder s = new StringBuilder();
        params.forEach((k, v) -> s.append(s.length() == 0 ? "" : " ").append(k).append('=').append(quote(v)));
        if (applicationName != null && !named) {
            s.append(" application_name=").append(quote(applicationName));
        }
        return s.toString();
    }

    /** A libpq value, quoted only when it must be (Barman never quotes; plain values come out the same). */
    private static String quote(String value) {
        if (!value.isEmpty() && value.chars().noneMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '\\')) {
            return value;
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
