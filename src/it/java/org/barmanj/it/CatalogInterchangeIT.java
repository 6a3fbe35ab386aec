package org.barmanj.it;

import org.barmanj.core.catalog.BackupInfo;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The catalog Barman 3.4 wrote in the tutorial, read by us and written back by us: the files are
 * byte-identical, and Barman 3.4 itself prints the same listing for our copy as it recorded for its own.
 */
class CatalogInterchangeIT {
    private static final Path RECORDED = Path.of("../../barman-cli/src/test/resources/barman34/tutorial");

    @Test
    void barman34ReadsTheCatalogWeWrite() throws IOException {
        BarmanHome home = new BarmanHome("interchange");
        try {
            Path catalog = RECORDED.resolve("catalog");
            Files.writeString(home.root.resolve("barman.d/demo.conf"),
                    Files.readString(catalog.resolve("barman.d/demo.conf")));
            List<Path> infos;
            try (Stream<Path> files = Files.walk(catalog.resolve("demo"))) {
                infos = files.filter(Files::isRegularFile).toList();
            }
            for (Path source : infos) {
                Path target = home.root.resolve(catalog.relativize(source).toString());
                Files.createDirectories(target.getParent());
                String text = Files.readString(source, StandardCharsets.UTF_8);
                if (source.getFileName().toString().equals("backup.info")) {
                    String id = source.getParent().getFileName().toString();
                    String ours = BackupInfo.parse(id, text, source.toString()).render();
                    assertEquals(text, ours, "round trip of " + source);
                    text = ours;
                }
                Files.writeString(target, text, StandardCharsets.UTF_8);
            }
            home.ownedByBarman();
            Path outputs = RECORDED.resolve("outputs");
            for (String command : List.of("list-backups demo", "-f json list-backups demo", "show-backup demo latest",
                    "show-backup demo oldest", "-f json show-backup demo latest")) {
                String[] argv = ("-c " + home.conf + " " + command).split(" ");
                String[] full = new String[argv.length + 1];
                full[0] = Lab.BARMAN_34;
                System.arraycopy(argv, 0, full, 1, argv.length);
                Proc theirs = Proc.as("barman", full).ok();
                String expected = Files.readString(outputs.resolve(command.replace(' ', '_')))
                        .replace("@BARMAN_HOME@", home.root.toString());
                assertEquals(expected, theirs.out(), "Barman 3.4 " + command + " on the catalog we wrote");
            }
        } finally {
            home.delete();
        }
    }
}
