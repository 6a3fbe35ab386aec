package org.barmanj.cli;

import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Our output for catalogs written by real Barman 3.4, against what Barman 3.4 printed for them
 * (src/test/resources/barman34, recorded by src/it/lab/record-barman34-fixtures): stdout byte for byte,
 * the exit code, and the ERROR/WARNING lines of stderr (Barman also logs to stderr; we do not yet).
 */
class Barman34OutputTest {
    @TempDir
    Path temp;

    @TestFactory
    Stream<DynamicContainer> sameOutputAsBarman34() throws IOException, URISyntaxException {
        Path root = Path.of(getClass().getResource("/barman34").toURI());
        List<Path> cases = new ArrayList<>();
        cases.add(root.resolve("tutorial"));
        try (Stream<Path> variants = Files.list(root.resolve("variants"))) {
            variants.sorted().forEach(cases::add);
        }
        return cases.stream().map(c -> DynamicContainer.dynamicContainer(root.relativize(c).toString(),
                commands(c)));
    }

    private Stream<DynamicTest> commands(Path dir) {
        try {
            Path home = Files.createTempDirectory(temp, dir.getFileName().toString());
            Path conf = install(dir.resolve("catalog"), home);
            Path outputs = dir.resolve("outputs");
            return Files.readAllLines(outputs.resolve("commands")).stream().map(line -> DynamicTest.dynamicTest(line,
                    () -> compare(outputs, line, conf, home)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void compare(Path outputs, String line, Path conf, Path home) throws IOException {
        String name = line.replace(' ', '_');
        List<String> args = new ArrayList<>(List.of("-c", conf.toString()));
        args.addAll(List.of(line.split(" ")));
        CliRun run = CliRun.of(args.toArray(String[]::new));
        String expectedOut = read(outputs.resolve(name)).replace("@BARMAN_HOME@", home.toString());
        assertEquals(expectedOut, run.out(), "stdout of barman " + line);
        assertEquals(Integer.parseInt(read(outputs.resolve(name + ".exit")).strip()), run.exit(),
                "exit code of barman " + line);
        assertEquals(messages(read(outputs.resolve(name + ".stderr")).replace("@BARMAN_HOME@", home.toString())),
                messages(run.err()), "ERROR/WARNING lines of barman " + line);
    }

    /** The console messages of stderr (Barman's log lines, which start with a timestamp, are left out). */
    private static List<String> messages(String stderr) {
        return stderr.lines().filter(l -> l.startsWith("ERROR: ") || l.startsWith("WARNING: ")).toList();
    }

    /** A copy of a recorded catalog under {@code home}, its placeholders filled in; returns barman.conf. */
    static Path install(Path catalog, Path home) throws IOException {
        try (Stream<Path> files = Files.walk(catalog)) {
            for (Path source : files.toList()) {
                Path target = home.resolve(catalog.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.writeString(target, read(source).replace("@BARMAN_HOME@", home.toString())
                            .replace("@BARMAN_USER@", System.getProperty("user.name"))
                            .replace("@BARMAN_D@", home.resolve("barman.d").toString()));
                }
            }
        }
        return home.resolve("barman.conf");
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }
}
