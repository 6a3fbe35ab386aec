package org.barmanj.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A throw-away barman_home with its barman.conf and barman.d, owned by the {@code barman} OS user. */
public final class BarmanHome {
    public final Path root;
    public final Path conf;

    public BarmanHome(String name) throws IOException {
        root = Files.createTempDirectory("barman-it-" + name);
        conf = root.resolve("barman.conf");
        Files.createDirectories(root.resolve("barman.d"));
        Files.writeString(conf, "[barman]\nbarman_home = " + root + "\nbarman_user = barman\n"
                + "configuration_files_directory = " + root.resolve("barman.d") + "\n");
    }

    /** Writes the tutorial's demo server, pointing at a lab PostgreSQL. */
    public BarmanHome tutorialServer(String host, int port) throws IOException {
        Files.writeString(root.resolve("barman.d/demo.conf"), """
                [demo]
                description =  "Example of Advanced Server (via Ssh)"
                ssh_command = ssh enterprisedb@%s
                conninfo = host=%s user=barman dbname=postgres port=%d
                backup_method = rsync
                backup_options = concurrent_backup
                reuse_backup = link
                archiver = on
                """.formatted(host, host, port));
        return this;
    }

    /** Hands the folder to the barman user, as Barman requires. */
    public BarmanHome ownedByBarman() {
        Proc.run("chmod", "755", root.toString()).ok();
        Proc.run("chown", "-R", "barman:", root.toString()).ok();
        return this;
    }

    public void delete() {
        Proc.run("rm", "-rf", root.toString()).ok();
    }
}
