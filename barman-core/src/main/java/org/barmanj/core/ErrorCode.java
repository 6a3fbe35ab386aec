package org.barmanj.core;

/**
 * The catalog of errors the core raises: each has a kind (what went wrong, for scripts and logs) and the exit
 * code Barman ends with when it is reported (1 for errors, 2 for usage errors and Nagios CRITICAL, 3 for a bad
 * get-wal request), which the command line returns.
 */
public enum ErrorCode {
    CONFIG_NOT_FOUND(Kind.CONFIGURATION, 1),
    CONFIG_UNREADABLE(Kind.CONFIGURATION, 1),
    CONFIG_SYNTAX(Kind.CONFIGURATION, 1),
    CONFIG_INVALID(Kind.CONFIGURATION, 1),
    /** A command-line value that is not allowed (argparse's exit code). */
    USAGE(Kind.USAGE, 2),
    UNKNOWN_BACKUP(Kind.CATALOG, 1),
    CATALOG_CORRUPT(Kind.CATALOG, 1),
    POSTGRES(Kind.POSTGRES, 1),
    /** rsync ended with an exit code that is not success. */
    RSYNC(Kind.REMOTE, 1),
    PUT_WAL(Kind.WAL, 1),
    /** The WAL file asked for is not in the archive. */
    WAL_NOT_FOUND(Kind.WAL, 1),
    /** get-wal was asked for something that is not a WAL file name, or cannot write where it was told to. */
    GET_WAL_BAD_REQUEST(Kind.WAL, 3),
    /** The backup failed at one of its steps; it is marked FAILED in the catalog. */
    BACKUP_FAILED(Kind.BACKUP, 1),
    RECOVERY_REFUSED(Kind.RECOVERY, 1),
    /** {@code check --nagios} found an active server with a failed check. */
    NAGIOS_CRITICAL(Kind.CHECK, 2),
    /** A {@code pre_} retry hook script exited 63: the operation is not done. */
    HOOK_ABORTED(Kind.HOOK, 1),
    /** A drill cannot start (another is running, no PostgreSQL binaries of the backup's version, ...). */
    DRILL_REFUSED(Kind.DRILL, 1),
    /** A drill ran and a check failed (the result is recorded). */
    DRILL_FAILED(Kind.DRILL, 1),
    IO(Kind.IO, 1);

    /** What an error is about. */
    public enum Kind { CONFIGURATION, USAGE, CATALOG, POSTGRES, REMOTE, WAL, BACKUP, RECOVERY, CHECK, HOOK, DRILL, IO }

    private final Kind kind;
    private final int exitCode;

    ErrorCode(Kind kind, int exitCode) {
        this.kind = kind;
        this.exitCode = exitCode;
    }

    public Kind kind() {
        return kind;
    }

    /** The exit code of a command that ends with this error, as Barman's. */
    public int exitCode() {
        return exitCode;
    }
}
