package org.barmanj.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A throw-away barman_home with its barman.conf and barman.d, owned by the {@code barman} OS user. */
public final class BarmanHome {
    public final Path root;
    public final Path conf;

    public final String user;

    public BarmanHome(String name) throws IOException {
        this(name, "barman");
    }

    /** A home for another barman OS user ({@code barman34} runs Debian's Barman 3.4 over ssh). */
    public BarmanHome(String name, String user) throws IOException {
        this.user = user;
        root = Files.createTempDirectory("barman-it-" + name);
        conf = root.resolve("barman.conf");
        Files.createDirectories(root.resolve("barman.d"));
        Files.writeString(conf, "[barman]\nbarman_home = " + root + "\nbarman_user = " + user + "\n"
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

    /** Adds lines to the demo server's section. */
    public BarmanHome withOptions(String lines) throws IOException {
        Path demo = root.resolve("barman.d/demo.conf");
        Files.writeString(demo, Files.readString(demo) + lines);
        return this;
    }

    /** Hands the folder to its barman user, as Barman requires. */
    public BarmanHome ownedByBarman() {
        Proc.run("chmod", "755", root.toString()).ok();
        Proc.run("chown", "-R", user + ":", root.toString()).ok();
        return this;
    }

    /** Runs our barman as the home's user. */
    public Proc barman(String... args) {
        return Proc.as(user, cat(new String[] {Lab.BARMAN.toString(), "-c", conf.toString()}, args));
    }

    /** Runs Debian's Barman 3.4 as the home's user. */
    public Proc barman34(String... args) {
        return Proc.as(user, cat(new String[] {Lab.BARMAN_34, "-c", conf.toString()}, args));
    }

    static String[] cat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    public void delete() {
        Proc.run("rm", "-rf", root.toString()).ok();
    }
}
