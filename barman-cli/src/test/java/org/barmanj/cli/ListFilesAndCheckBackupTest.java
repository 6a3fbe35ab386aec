package org.barmanj.cli;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code list-files} (every {@code --target}, aliases, errors) and {@code check-backup} (WAITING_FOR_WALS made
 * DONE, kept waiting, made FAILED by a missing WAL file; DONE kept or made FAILED; FAILED refused; the backup's
 * lock held by another process) against what
 * Debian's Barman 3.4 printed and wrote on the same catalog: resources/barman34/files, a hand-made catalog (the
 * tutorial's backups, one more WAITING_FOR_WALS backup, stand-in data and WAL files), its outputs recorded by
 * src/it/lab/record-files-fixtures running /usr/bin/barman. Each line of outputs/commands runs on a fresh copy of
 * the catalog, after the removals and status change it names (and while util-linux's flock holds the backup's
 * lock, for {@code -lock}); compared: stdout byte for byte, the exit code, the
 * ERROR/WARNING and argument-error lines of stderr, and every backup's status and error afterwards.
 */
class ListFilesAndCheckBackupTest {
    @TempDir
    Path temp;

    @TestFactory
    Stream<DynamicTest> sameAsBarman34() throws IOException, URISyntaxException {
        Path root = Path.of(getClass().getResource("/barman34/files").toURI());
        return Files.readAllLines(root.resolve("outputs/commands")).stream().map(line -> DynamicTest.dynamicTest(line,
                () -> compare(root, line)));
    }

    private void compare(Path root, String line) throws IOException {
        String name = line.substring(0, line.indexOf(": "));
        Path home = Files.createTempDirectory(temp, name);
        Barman34OutputTest.install(root.resolve("catalog"), home);
        List<String> args = new ArrayList<>(List.of("-c", home.resolve("barman.conf").toString()));
        String[] words = line.substring(name.length() + 2).split(" ");
        Process holder = null;
        for (int i = 0; i < words.length; i++) {
            switch (words[i]) {
                case "-rm" -> Files.delete(home.resolve(words[++i]));
                case "-status" -> {
                    Path info = home.resolve("demo/base/" + words[++i] + "/backup.info");
                    String status = words[++i];
                    Files.writeString(info, Files.readString(info).replaceAll("(?m)^status=.*$", "status=" + status));
                }
                case "-lock" -> holder = holdLock(home.resolve(".demo-" + words[++i] + ".lock"));
                default -> args.add(words[i]);
            }
        }
        CliRun run;
        try {
            run = CliRun.of(args.toArray(String[]::new));
        } finally {
            if (holder != null) {
                holder.destroy();
            }
        }
        Path outputs = root.resolve("outputs");
        assertEquals(recorded(outputs.resolve(name), home), run.out(), "stdout of " + line);
        assertEquals(Integer.parseInt(Files.readString(outputs.resolve(name + ".exit")).strip()), run.exit(),
                "exit code of " + line);
        assertEquals(messages(recorded(outputs.resolve(name + ".stderr"), home)), messages(run.err()),
                "ERROR/WARNING lines of " + line);
        assertEquals(Files.readString(outputs.resolve(name + ".info")), statuses(home), "backup statuses after " + line);
    }

    /** A process that holds {@code lock} (flock(2), as Barman's and ours) until destroyed; returns once it does. */
    private static Process holdLock(Path lock) throws IOException {
        Process p = new ProcessBuilder("flock", lock.toString(), "sh", "-c", "echo held; exec sleep 60")
                .redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readNBytes(5), StandardCharsets.UTF_8);
        assertEquals("held\n", first, "flock holds " + lock);
        return p;
    }

    /** The lines of stderr Barman's console shows (not its log lines, which start with a timestamp). */
    private static List<String> messages(String stderr) {
        return stderr.lines().filter(l -> l.startsWith("ERROR: ") || l.startsWith("WARNING: ")
                || l.contains(": error: argument ")).toList();
    }

    /** Each backup's {@code error=} and {@code status=} lines, as the recording script lists them. */
    private static String statuses(Path home) throws IOException {
        StringBuilder out = new StringBuilder();
        try (Stream<Path> dirs = Files.list(home.resolve("demo/base"))) {
            for (Path dir : dirs.sorted().toList()) {
                out.append(dir.getFileName()).append(' ');
                for (String l : Files.readAllLines(dir.resolve("backup.info"))) {
                    if (l.startsWith("status=") || l.startsWith("error=")) {
                        out.append(l).append(' ');
                    }
                }
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static String recorded(Path file, Path home) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8).replace("@BARMAN_HOME@", home.toString());
    }
}
