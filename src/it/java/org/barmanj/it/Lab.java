package org.barmanj.it;

import java.nio.file.Path;

/** The test lab (src/it/lab/lab): real PostgreSQL servers, sshd and OS users on loopback. */
public final class Lab {
    public static final Path SCRIPT = Path.of(System.getProperty("barman.lab", "lab/lab"));
    /** Our distribution, built by the barman-cli module. */
    public static final Path BARMAN = Path.of(System.getProperty("barman.dist", "../../barman-cli/target/dist"),
            "bin", "barman");
    /** Debian's Barman 3.4, the live peer. */
    public static final String BARMAN_34 = "/usr/bin/barman";

    private Lab() {
    }

    public static Proc lab(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = SCRIPT.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        return Proc.run(command).ok();
    }

    /** Starts (creating it if needed) a PostgreSQL server; returns its version as {@code SHOW server_version}. */
    public static String startPostgres(String name, int major, String host, int port) {
        return lab("pg", "start", name, String.valueOf(major), host, String.valueOf(port)).out().strip();
    }

    public static void stopPostgres(String name) {
        lab("pg", "stop", name);
    }

    public static void startSshd() {
        lab("sshd", "start");
    }
}
