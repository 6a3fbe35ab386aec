package org.barmanj.core.config;

import org.barmanj.core.compat.Printable;
import org.barmanj.core.compression.Compression;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The option values Barman accepts that this version does not implement, in one table, so that none is silently
 * ignored or served by something else. Two kinds:
 * <ul>
 *   <li>a value that would change what is stored, restored or run (another backup method, a compression or
 *   encryption, a passive node) is a {@link Refusal}: the work that would use it ({@link Use}) refuses
 *   with its one line, before touching anything, and {@code check} fails a row with the same line (a critical one
 *   when it stops backups);</li>
 *   <li>a value that only tunes speed or resources (a compression level, a start-up batch of rsync workers,
 *   {@code path_prefix}) is ignored with a warning when the configuration is read ({@link #ignored}), naming where
 *   it is set and what happens instead.</li>
 * </ul>
 * Options that only act together with a refused value ({@code custom_compression_filter} with
 * {@code compression = custom}, {@code snapshot_*} with {@code backup_method = snapshot}, ...) are covered by that
 * refusal.
 */
public final class Unsupported {
    /** The work a setting is used by: the one that refuses it. */
    public enum Use {
        /** {@code backup} (also {@code check}'s critical rows, which stop it). */
        BACKUP,
        /**
         * Archiving what is in {@code incoming/}: {@code archive-wal}, and that step of {@code cron}, {@code backup},
         * {@code recover} and {@code switch-wal --archive}.
         */
        ARCHIVE,
        /** {@code recover}. */
        RECOVER,
        /** Removing backups or WAL files: {@code delete} and {@code cron}'s retention. */
        DELETE,
        /** What {@code cron} starts besides archiving, receive-wal and retention (Barman's passive-node sync). */
        CRON
    }

    /** A setting of one server this version refuses: the line to show and the work it stops. */
    public record Refusal(Option option, String message, Set<Use> uses) {
        public boolean stops(Use use) {
            return uses.contains(use);
        }

        /** A backup is stopped by what it would use, and by what stops archiving: its WAL files would never come. */
        public boolean stopsBackups() {
            return uses.contains(Use.BACKUP) || uses.contains(Use.ARCHIVE);
        }
    }

    /** One row of the table: the value shown when the server's setting is not supported (null when it is). */
    private record Row(Option option, Function<ServerConfig, String> unsupportedValue, String supported,
                        Set<Use> uses) {
    }

    /** The values of {@code compression} this version writes and reads (Barman's names). */
    public static final String COMPRESSIONS = "gzip, pygzip, pigz, bzip2, pybzip2, xz, zstd, lz4, none";
    /**
     * The tuning options ignored, with what happens instead. Read when any configuration is (put-wal's start-up):
     * no lambdas here, whose first use costs start-up time; the refusal table is built on first use ({@link Table}).
     */
    private static final Map<Option, String> IGNORED = new EnumMap<>(Option.class);

    static {
        IGNORED.put(Option.COMPRESSION_LEVEL, "each compressor runs at its default level");
        IGNORED.put(Option.PARALLEL_JOBS_START_BATCH_PERIOD, "all parallel_jobs rsync workers start at once");
        IGNORED.put(Option.PARALLEL_JOBS_START_BATCH_SIZE, "all parallel_jobs rsync workers start at once");
        IGNORED.put(Option.PATH_PREFIX, "rsync, ssh and the compressors are found through PATH (only hook scripts "
                + "and pg_basebackup are searched in it before PATH)");
    }

    /** The refused settings, in the order their lines are shown. */
    private static final class Table {
        static final List<Row> REFUSED = new ArrayList<>();

        static {
            refuse(Option.BACKUP_METHOD, s -> "rsync".equals(s.string(Option.BACKUP_METHOD))
                    || "postgres".equals(s.string(Option.BACKUP_METHOD)) ? null : s.string(Option.BACKUP_METHOD),
                    "rsync, postgres", Use.BACKUP);
            // With backup_method = postgres, Barman replaces exclusive_backup by concurrent_backup (a warning).
            refuse(Option.BACKUP_OPTIONS, s -> s.words(Option.BACKUP_OPTIONS).contains("exclusive_backup")
                    && !"postgres".equals(s.string(Option.BACKUP_METHOD)) ? "exclusive_backup" : null,
                    "concurrent_backup", Use.BACKUP);
            refuse(Option.AUTOGENERATE_MANIFEST, s -> s.flag(Option.AUTOGENERATE_MANIFEST) ? "true" : null, "false",
                    Use.BACKUP);
            refuse(Option.PRIMARY_CONNINFO, s -> s.string(Option.PRIMARY_CONNINFO),
                    "unset (backups from a standby are not implemented)", Use.BACKUP);
            refuse(Option.WAL_CONNINFO, s -> s.string(Option.WAL_CONNINFO),
                    "unset (WAL switches and archiving checks use conninfo)", Use.BACKUP);
            refuse(Option.PRIMARY_SSH_COMMAND, s -> s.string(Option.PRIMARY_SSH_COMMAND),
                    "unset (passive nodes and their sync-info, sync-backup and sync-wals are not implemented)",
                    Use.BACKUP, Use.CRON);
            refuse(Option.COMPRESSION, s -> {
                String c = s.string(Option.COMPRESSION);
                return c == null || c.equals("none") || Compression.supported(c) ? null : c;
            }, COMPRESSIONS, Use.ARCHIVE);
            refuse(Option.ENCRYPTION, s -> setAndNot(s, Option.ENCRYPTION, "none"), "none", Use.BACKUP, Use.ARCHIVE);
            refuse(Option.WORM_MODE, s -> s.flag(Option.WORM_MODE) ? "on" : null, "off", Use.BACKUP, Use.ARCHIVE,
                    Use.DELETE);
            refuse(Option.RECOVERY_OPTIONS, s -> s.words(Option.RECOVERY_OPTIONS).contains("delta-restore")
                    ? "delta-restore" : null, "get-wal", Use.RECOVER);
        }

        private static void refuse(Option option, Function<ServerConfig, String> value, String supported,
                                   Use... uses) {
            REFUSED.add(new Row(option, value, supported, EnumSet.of(uses[0], uses)));
        }
    }

    private Unsupported() {
    }

    private static String setAndNot(ServerConfig server, Option option, String off) {
        String v = server.string(option);
        return v == null || v.equals(off) ? null : v;
    }

    /** A row of the refusal table, for the manual page: the option, what is supported instead and what refuses it. */
    public record Rule(Option option, String supported, Set<Use> uses) {
    }

    /** The refusal table's rows, in its order (an option may have more than one). */
    public static List<Rule> refusedOptions() {
        return Table.REFUSED.stream().map(r -> new Rule(r.option(), r.supported(), r.uses())).toList();
    }

    /** The tuning options ignored with a warning, each with what happens instead. */
    public static Map<Option, String> ignoredOptions() {
        return Collections.unmodifiableMap(IGNORED);
    }

    /** Every setting of the server this version refuses, in the table's order. */
    public static List<Refusal> refusals(ServerConfig server) {
        List<Refusal> found = new ArrayList<>();
        for (Row rule : Table.REFUSED) {
            String value = rule.unsupportedValue().apply(server);
            if (value != null) {
                found.add(new Refusal(rule.option(), rule.option().key() + " = " + Printable.of(value)
                        + " is not supported by this version (server " + server.name() + "): supported: "
                        + rule.supported(), rule.uses()));
            }
        }
        return found;
    }

    /** The line refusing {@code use} for this server (the first setting that stops it), or null when it may go on. */
    public static String refusal(ServerConfig server, Use use) {
        for (Refusal r : refusals(server)) {
            if (r.stops(use)) {
                return r.message();
            }
        }
        return null;
    }

    /** The warnings for the server's settings this version ignores, each naming where it is set. */
    static List<String> ignored(ServerConfig server) {
        List<String> warnings = new ArrayList<>();
        for (Map.Entry<Option, String> e : IGNORED.entrySet()) {
            String value = server.string(e.getKey());
            if (value != null) {
                warnings.add(e.getKey().key() + " = " + Printable.of(value) + " is ignored by this version (server "
                        + server.name() + ", " + server.source(e.getKey()) + "): " + e.getValue());
            }
        }
        return warnings;
    }
}
