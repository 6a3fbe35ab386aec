package org.barmanj.core.config;

import java.util.List;

/**
 * Every server option Barman knows, with its type, its built-in default (with {@code %(name)s}
 * placeholders) and whether it may be set in {@code [barman]} and inherited. Declaration order is
 * Barman's evaluation order, which decides what {@code %(option)s} can refer to.
 */
public enum Option {
    ACTIVE(OptionType.BOOLEAN, "true", false),
    ARCHIVER(OptionType.BOOLEAN, "off", true),
    ARCHIVER_BATCH_SIZE(OptionType.INTEGER_TYPE, "0", true),
    AUTOGENERATE_MANIFEST(OptionType.BOOLEAN, "false", true, true),
    BACKUP_COMPRESSION(OptionType.oneOf("gzip", "lz4", "zstd", "none"), null, true),
    BACKUP_COMPRESSION_FORMAT(OptionType.oneOf("plain", "tar"), null, true),
    BACKUP_COMPRESSION_LEVEL(OptionType.INTEGER_TYPE, null, true),
    BACKUP_COMPRESSION_LOCATION(OptionType.oneOf("client", "server"), null, true),
    BACKUP_COMPRESSION_WORKERS(OptionType.INTEGER_TYPE, null, true),
    BACKUP_DIRECTORY(OptionType.STRING, "%(barman_home)s/%(name)s", false),
    BACKUP_METHOD(OptionType.oneOf("rsync", "postgres", "local-rsync", "snapshot"), "rsync", true),
    BACKUP_OPTIONS(OptionType.csv(List.of("exclusive_backup", "concurrent_backup", "external_configuration"),
            "exclusive_backup", "concurrent_backup"), "", true),
    BANDWIDTH_LIMIT(OptionType.INTEGER_TYPE, null, true),
    BASEBACKUP_RETRY_SLEEP(OptionType.INTEGER_TYPE, "30", true),
    BASEBACKUP_RETRY_TIMES(OptionType.INTEGER_TYPE, "0", true),
    BASEBACKUPS_DIRECTORY(OptionType.STRING, "%(backup_directory)s/base", false),
    CHECK_TIMEOUT(OptionType.INTEGER_TYPE, "30", true),
    CLUSTER(OptionType.STRING, null, false, true),
    COMBINE_MODE(OptionType.oneOf("copy", "link", "clone", "copy-file-range"), null, true, true),
    COMPRESSION(OptionType.oneOfCheckedLater("gzip", "bzip2", "pigz", "pygzip", "pybzip2", "custom",
            "xz", "zstd", "lz4", "snappy", "none"), null, true),
    COMPRESSION_LEVEL(OptionType.STRING, null, true, true),
    CONNINFO(OptionType.STRING, null, false),
    CUSTOM_COMPRESSION_FILTER(OptionType.STRING, null, true),
    CUSTOM_DECOMPRESSION_FILTER(OptionType.STRING, null, true),
    CUSTOM_COMPRESSION_MAGIC(OptionType.STRING, null, true),
    DESCRIPTION(OptionType.STRING, null, false),
    DISABLED(OptionType.BOOLEAN, "false", false),
    ENCRYPTION(OptionType.oneOf("none", "gpg"), null, true, true),
    ENCRYPTION_KEY_ID(OptionType.STRING, null, true, true),
    ENCRYPTION_PASSPHRASE_COMMAND(OptionType.STRING, null, true, true),
    ERRORS_DIRECTORY(OptionType.STRING, "%(backup_directory)s/errors", false),
    FORWARD_CONFIG_PATH(OptionType.BOOLEAN, "false", true),
    IMMEDIATE_CHECKPOINT(OptionType.BOOLEAN, "false", true),
    INCOMING_WALS_DIRECTORY(OptionType.STRING, "%(backup_directory)s/incoming", false),
    KEEPALIVE_INTERVAL(OptionType.INTEGER_TYPE, null, false, true),
    LAST_BACKUP_MAXIMUM_AGE(OptionType.INTERVAL_TYPE, null, true),
    LAST_BACKUP_MINIMUM_SIZE(OptionType.SIZE_TYPE, null, true),
    LAST_WAL_MAXIMUM_AGE(OptionType.INTERVAL_TYPE, null, true),
    LOCAL_STAGING_PATH(OptionType.ABSOLUTE_PATH, null, true, true),
    MAX_INCOMING_WALS_QUEUE(OptionType.INTEGER_TYPE, null, true),
    MINIMUM_REDUNDANCY(OptionType.INTEGER_TYPE, "0", true),
    NETWORK_COMPRESSION(OptionType.BOOLEAN, "false", true),
    PARALLEL_JOBS(OptionType.INTEGER_TYPE, "1", true),
    PARALLEL_JOBS_START_BATCH_PERIOD(OptionType.INTEGER_TYPE, null, true, true),
    PARALLEL_JOBS_START_BATCH_SIZE(OptionType.INTEGER_TYPE, null, true, true),
    PATH_PREFIX(OptionType.STRING, null, true),
    POST_ARCHIVE_RETRY_SCRIPT(OptionType.STRING, null, true),
    POST_ARCHIVE_SCRIPT(OptionType.STRING, null, true),
    POST_BACKUP_RETRY_SCRIPT(OptionType.STRING, null, true),
    POST_BACKUP_SCRIPT(OptionType.STRING, null, true),
    POST_DELETE_SCRIPT(OptionType.STRING, null, true),
    POST_DELETE_RETRY_SCRIPT(OptionType.STRING, null, true),
    POST_RECOVERY_RETRY_SCRIPT(OptionType.STRING, null, true),
    POST_RECOVERY_SCRIPT(OptionType.STRING, null, true),
    POST_WAL_DELETE_SCRIPT(OptionType.STRING, null, true),
    POST_WAL_DELETE_RETRY_SCRIPT(OptionType.STRING, null, true),
    PRE_ARCHIVE_RETRY_SCRIPT(OptionType.STRING, null, true),
    PRE_ARCHIVE_SCRIPT(OptionType.STRING, null, true),
    PRE_BACKUP_RETRY_SCRIPT(OptionType.STRING, null, true),
    PRE_BACKUP_SCRIPT(OptionType.STRING, null, true),
    PRE_DELETE_SCRIPT(OptionType.STRING, null, true),
    PRE_DELETE_RETRY_SCRIPT(OptionType.STRING, null, true),
    PRE_RECOVERY_RETRY_SCRIPT(OptionType.STRING, null, true),
    PRE_RECOVERY_SCRIPT(OptionType.STRING, null, true),
    PRE_WAL_DELETE_SCRIPT(OptionType.STRING, null, true),
    PRE_WAL_DELETE_RETRY_SCRIPT(OptionType.STRING, null, true),
    PRIMARY_CHECKPOINT_TIMEOUT(OptionType.INTEGER_TYPE, null, false, true),
    PRIMARY_CONNINFO(OptionType.STRING, null, false),
    PRIMARY_SSH_COMMAND(OptionType.STRING, null, true),
    RECOVERY_OPTIONS(OptionType.csv(List.of("get-wal", "delta-restore")), "", true),
    RECOVERY_STAGING_PATH(OptionType.ABSOLUTE_PATH, null, true),
    CREATE_SLOT(OptionType.oneOf("manual", "auto"), "manual", true),
    RETENTION_POLICY(OptionType.RETENTION, null, true),
    RETENTION_POLICY_MODE(OptionType.oneOf("auto"), "auto", true),
    REUSE_BACKUP(OptionType.oneOf("copy", "link", "off"), null, true),
    SLOT_NAME(OptionType.SLOT_NAME, null, true),
    SNAPSHOT_DISKS(OptionType.STRING, null, false),
    SNAPSHOT_GCP_PROJECT(OptionType.STRING, null, true),
    SNAPSHOT_INSTANCE(OptionType.STRING, null, false),
    SNAPSHOT_PROVIDER(OptionType.STRING, null, true),
    SNAPSHOT_ZONE(OptionType.STRING, null, false),
    SSH_COMMAND(OptionType.STRING, null, false),
    STAGING_LOCATION(OptionType.oneOf("local", "remote"), null, true, true),
    STAGING_PATH(OptionType.ABSOLUTE_PATH, null, true, true),
    STREAMING_ARCHIVER(OptionType.BOOLEAN, "off", true),
    STREAMING_ARCHIVER_BATCH_SIZE(OptionType.INTEGER_TYPE, "0", true),
    STREAMING_ARCHIVER_NAME(OptionType.STRING, "barman_receive_wal", true),
    STREAMING_BACKUP_NAME(OptionType.STRING, "barman_streaming_backup", true),
    STREAMING_CONNINFO(OptionType.STRING, "%(conninfo)s", false),
    STREAMING_WALS_DIRECTORY(OptionType.STRING, "%(backup_directory)s/streaming", false),
    TABLESPACE_BANDWIDTH_LIMIT(OptionType.TABLESPACE_LIMITS, null, true),
    WAL_CONNINFO(OptionType.STRING, null, false, true),
    WAL_RETENTION_POLICY(OptionType.oneOf("main"), "main", true),
    WAL_STREAMING_CONNINFO(OptionType.STRING, null, false, true),
    WALS_DIRECTORY(OptionType.STRING, "%(backup_directory)s/wals", false),
    WORM_MODE(OptionType.BOOLEAN, "off", true, true),
    XLOGDB_DIRECTORY(OptionType.STRING, "%(wals_directory)s", true, true);

    private final OptionType type;
    private final String defaultTemplate;
    private final boolean inheritable;
    private final boolean newerThan34;

    Option(OptionType type, String defaultTemplate, boolean inheritable) {
        this(type, defaultTemplate, inheritable, false);
    }

    Option(OptionType type, String defaultTemplate, boolean inheritable, boolean newerThan34) {
        this.type = type;
        this.defaultTemplate = defaultTemplate;
        this.inheritable = inheritable;
        this.newerThan34 = newerThan34;
    }

    /** The option's name as written in the configuration. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public OptionType type() {
        return type;
    }

    /** Barman's default, with {@code %(name)s} placeholders, or null when the option has none. */
    public String defaultTemplate() {
        return defaultTemplate;
    }

    /** May be set in {@code [barman]} and inherited by every server. */
    public boolean inheritable() {
        return inheritable;
    }

    /** Introduced after Barman 3.4: accepted, but Barman 3.4 would warn about it. */
    public boolean newerThan34() {
        return newerThan34;
    }

    /** {@code disabled} is set by Barman itself when a server's configuration is broken. */
    public boolean settable() {
        return this != DISABLED;
    }

    public static Option byKey(String key) {
        for (Option o : values()) {
            if (o.key().equals(key)) {
                return o;
            }
        }
        return null;
    }
}
