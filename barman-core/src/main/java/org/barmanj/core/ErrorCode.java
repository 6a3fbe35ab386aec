package org.barmanj.core;

/** Stable identifiers for the errors the core raises. */
public enum ErrorCode {
    CONFIG_NOT_FOUND,
    CONFIG_UNREADABLE,
    CONFIG_SYNTAX,
    CONFIG_INVALID,
    UNKNOWN_BACKUP,
    CATALOG_CORRUPT,
    POSTGRES,
    PUT_WAL,
    RECOVERY_REFUSED,
    IO
}
