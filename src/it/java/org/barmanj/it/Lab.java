package org.barmanj.it;

import java.nio.file.Path;

/** The test lab (src/it/lab/lab): real PostgreSQL servers, sshd and OS users on loopback. */
public final class Lab {
    public static final Path SCRIPT = Path.of(System.getProperty("barman.lab", "lab/lab"));
    /** Where install.sh puts our distribution (the ITs install the fresh build there first). */
    public static final Path BIN = Path.of("/opt/barmanj/bin");
    /** Our barman. */
    public static final Path BARMAN = BIN.resolve("barman");
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

    /** As {@link #startPostgres}, created (if it does not exist yet) with WAL segments of {@code segmentMiB}. */
    public static String startPostgres(String name, int major, String host, int port, int segmentMiB) {
        return Proc.run("env", "LAB_WAL_SEGSIZE=" + segmentMiB, SCRIPT.toString(), "pg", "start", name,
                String.valueOf(major), host, String.valueOf(port)).ok().out().strip();
    }

    public static void startSshd() {
        lab("sshd", "start");
    }

    /** Runs SQL on a lab server as its owner (psql over the Unix socket); returns the output. */
    public static String psql(String name, String sql) {
        return lab("pg", "psql", name, "-Atc", sql).out().strip();
    }

    static {
        // The fresh build, installed as a user would (install.sh): the backup host's barman, which ssh runs for
        // put-wal and get-wal, and the barman-wal-archive/barman-wal-restore PostgreSQL runs, are then ours,
        // readable by every OS user of the lab wherever the build tree is.
        Proc.run(Path.of(System.getProperty("barman.top", "../..")).resolve("install.sh").toString()).ok();
    }
}
