package org.barmanj.walarchive;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * What the manual pages of barman-wal-archive(1) and barman-wal-restore(1) are made of, for the build's man page
 * generator (barman-cli's {@code src/man}); the clients never load it. The synopsis, the options and the
 * arguments are the parser's own ({@link Client#options()}), so the pages cannot list an option the client does
 * not take or miss one it does; the description and the exit statuses, which only the manual shows, are here.
 * Inline {@code `code`} marks option names, values and file names.
 */
public final class Manual {
    /** An option: its names, the label of its value (null for a flag) and its help. */
    public record Option(List<String> names, String label, String help) {
    }

    /** A positional argument and its help. */
    public record Argument(String name, String help) {
    }

    /** An exit status: the code (or a range, as {@code other}) and what it means. */
    public record Exit(String code, String meaning) {
    }

    private final Client client;
    private final List<String> description;
    private final List<Exit> exits;

    private Manual(Client client, List<String> description, List<Exit> exits) {
        this.client = client;
        this.description = description;
        this.exits = exits;
    }

    /** The two clients' programs, in the order of their pages. */
    public static final List<String> PROGRAMS = List.of("barman-wal-archive", "barman-wal-restore");

    public static Manual of(String program) {
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        return switch (program) {
            case "barman-wal-archive" -> new Manual(new WalArchive(nowhere, nowhere), List.of(
                    "Set as PostgreSQL's `archive_command` (`archive_command = 'barman-wal-archive backup-srv demo %p'`). "
                            + "It runs `barman put-wal SERVER_NAME` on BARMAN_HOST over ssh as USER and streams the WAL "
                            + "file to it in Barman's format (a tar stream with a checksum member), so Barman's own "
                            + "put-wal (3.4 and later) accepts it too. It exits 0 only once the backup host has stored "
                            + "the file and flushed it to disk.",
                    "Consecutive calls share one ssh connection (`--no-ssh-reuse` turns it off), and the other WAL "
                            + "files PostgreSQL has already marked ready in `archive_status` go in the same stream (up "
                            + "to `--look-ahead`, default " + WalArchive.DEFAULT_LOOK_AHEAD + "); once the backup "
                            + "host has confirmed them they are marked done, as PostgreSQL marks them after a "
                            + "successful `archive_command`, so PostgreSQL does not send them again. Use "
                            + "`--look-ahead 0` when the `archive_command` runs more than this one call.",
                    "Checksums are SHA-256 by default, as Barman 3.12 and later expect; a Barman server before 3.12 "
                            + "is noticed, and the files are sent again with MD5 checksums and a warning "
                            + "(`--md5` avoids sending twice). Compressed files (`--gzip`, ...) are stored as sent.",
                    "The remote command line is quoted for the backup host's shell, word by word. A WAL_PATH that "
                            + "does not exist or cannot be read is refused before ssh starts."),
                    List.of(new Exit("0", "the WAL file (and those sent with it) is stored on the backup host"),
                            new Exit("2", "a bad command line, a WAL_PATH that is missing, unreadable or a directory, "
                                    + "or ssh that cannot be started"),
                            new Exit("3", "a connection problem with ssh (also when the backup host does not answer "
                                    + "within `--connect-timeout`)"),
                            new Exit("other", "the exit status of the remote `barman put-wal`, when it failed")));
            case "barman-wal-restore" -> new Manual(new WalRestore(nowhere, nowhere), List.of(
                    "Set as PostgreSQL's `restore_command` "
                            + "(`restore_command = 'barman-wal-restore -U barman backup-srv demo %f %p'`). It runs "
                            + "`barman get-wal SERVER_NAME WAL_NAME` on BARMAN_HOST over ssh as USER and writes the "
                            + "WAL file to WAL_DEST. Connection sharing and `--connect-timeout` work as for "
                            + "barman-wal-archive(1).",
                    "WAL_NAME must be a WAL file name as Barman's get-wal accepts it (a segment, `.history`, "
                            + "`.backup` or `.partial` name); anything else is refused before the spool, WAL_DEST or "
                            + "the network are touched.",
                    "With `--parallel`, the following WAL files are prefetched into the spool folder "
                            + "(`--spool-dir`), from which later calls with `--parallel` are served without ssh. The "
                            + "spool is used only when it is private: a folder (not a symbolic link) owned by the user "
                            + "running the client that no one else can write; it is created so when missing. Give "
                            + "each standby its own `--spool-dir`. Without `--parallel` the spool is not read."),
                    List.of(new Exit("0", "the WAL file is in WAL_DEST"),
                            new Exit("1", "the WAL file is not in the archive (the remote get-wal's status), which "
                                    + "PostgreSQL takes as the end of the available WAL"),
                            new Exit("2", "a bad command line, an ssh or `--parallel` problem, a spool folder that "
                                    + "is not private"),
                            new Exit("3", "a WAL_NAME that is not a WAL file name, or a WAL_DEST that cannot be "
                                    + "written"),
                            new Exit("other", "the exit status of the remote `barman get-wal`, when it failed")));
            default -> throw new IllegalArgumentException("not a client: " + program);
        };
    }

    public String program() {
        return client.program();
    }

    /** One line: what the client is for. */
    public String summary() {
        return client.summary();
    }

    /** The usage line of {@code --help}, without {@code usage: }. */
    public String synopsis() {
        return client.synopsis();
    }

    /** The description's paragraphs. */
    public List<String> description() {
        return description;
    }

    public List<Argument> arguments() {
        return client.positionals().stream().map(p -> new Argument(p.name(), p.help())).toList();
    }

    /** Every option the parser takes, in the usage line's order. */
    public List<Option> options() {
        return client.options().stream().map(o -> new Option(o.names(), o.label(), o.help())).toList();
    }

    public List<Exit> exitStatus() {
        return exits;
    }

    /** {@code --version}'s line. */
    public String version() {
        return Version.line(program());
    }
}
