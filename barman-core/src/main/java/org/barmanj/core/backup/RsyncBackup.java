package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.postgres.BackupControl;
import org.barmanj.core.postgres.PostgresConnection;
import org.barmanj.core.remote.Rsync;
import org.barmanj.core.remote.SharedConnection;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code barman backup} with {@code backup_method = rsync} and {@code concurrent_backup}: Barman's sequence
 * (spec §7.2), the copy done by rsync over {@code ssh_command}. The caller holds the server's backup lock.
 *
 * <p>A failure at any step marks the backup FAILED with {@code failure <step> (<reason>)}; the JDBC session
 * that started the backup is closed, which makes PostgreSQL end it. Earlier backups and WAL files are never
 * touched (apart from the WAL files older than the very first backup, which Barman removes).
 */
public final class RsyncBackup {
    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");
    private static final long ARCHIVING_WAIT_MILLIS = 60_000;
    private static final List<String> PGDATA_EXCLUDES = List.of("/pg_log/*", "/log/*", "/pg_xlog/*", "/pg_wal/*",
            "/global/pg_control");
    private static final List<String> COMMON_EXCLUDES = List.of("pgsql_tmp*", "postgresql.auto.conf.tmp",
            "current_logfiles.tmp", "pg_internal.init", "postmaster.pid", "postmaster.opts", "recovery.conf",
            "standby.signal", "pg_dynshmem/*", "pg_notify/*", "pg_replslot/*", "pg_serial/*", "pg_stat_tmp/*",
            "pg_snapshots/*", "pg_subtrans/*");

    /** The command line's choices, already merged with the server's options. */
    public record Options(String reuse, int jobs, boolean immediateCheckpoint, String name, int retryTimes,
                          int retrySleepSeconds, Integer bwlimit) {
        /** The server's settings, for {@code barman backup} without overriding flags. */
        public static Options of(ServerConfig server) {
            String reuse = server.string(Option.REUSE_BACKUP);
            Integer jobs = server.integer(Option.PARALLEL_JOBS);
            Integer retryTimes = server.integer(Option.BASEBACKUP_RETRY_TIMES);
            Integer retrySleep = server.integer(Option.BASEBACKUP_RETRY_SLEEP);
            return new Options(reuse == null ? "off" : reuse, jobs == null ? 1 : jobs,
                    server.flag(Option.IMMEDIATE_CHECKPOINT), null, retryTimes == null ? 0 : retryTimes,
                    retrySleep == null ? 30 : retrySleep, server.integer(Option.BANDWIDTH_LIMIT));
        }
    }

    /** Where the backup's progress lines go. */
    public interface Events {
        void info(String line);

        void error(String line);
    }

    /** The backup failed at {@code action}; it is marked FAILED on disk (when it got that far). */
    public static final class BackupFailed extends BarmanException {
        private final String action;
        private final String details;

        BackupFailed(String action, String details, Throwable cause) {
            super(ErrorCode.IO, "Backup failed " + action + ".\nDETAILS: " + details, cause);
            this.action = action;
            this.details = details;
        }

        public String action() {
            return action;
        }

        public String details() {
            return details;
        }
    }

    private final ServerConfig server;
    private final CatalogLayout layout;
    private final Options options;
    private final Events events;
    private final Function<Long, String> size;
    private final Function<Duration, String> duration;
    private final Map<String, String> env;
    private final String userHome;
    private final Rsync rsync;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile String action = "starting backup";
    private volatile PostgresConnection connection;
    private volatile BackupInfo info;
    private volatile String abortedAt;

    /**
     * {@code sshConnection} is the caller's, over the server's {@code ssh_command}: its short commands (the file
     * listing for parallel jobs, files outside PGDATA) ride it; the caller closes it.
     */
    public RsyncBackup(ServerConfig server, Options options, Events events, Function<Long, String> size,
                       Function<Duration, String> duration, Map<String, String> env, String userHome,
                       SharedConnection sshConnection) {
        this.server = server;
        this.layout = new CatalogLayout(server);
        this.options = options;
        this.events = events;
        this.size = size;
        this.duration = duration;
        this.env = env;
        this.userHome = userHome;
        this.rsync = new Rsync(sshConnection, server.flag(Option.NETWORK_COMPRESSION));
    }

    /** Runs the backup; returns its backup.info, status WAITING_FOR_WALS. */
    public BackupInfo run() {
        try {
            LocalDateTime start = LocalDateTime.now();
            markLeftovers();
            info = create(start);
            try {
                execute(start);
            } catch (Throwable e) {
                throw fail(e);
            }
            return info;
        } finally {
            closeConnection();
            finished.countDown();
        }
    }

    /**
     * Stops a running backup from another thread (a signal's shutdown hook): kills the rsync processes, ends the
     * PostgreSQL session, and waits for {@link #run()} to mark the backup FAILED.
     */
    public void abort() {
        abortedAt = action;
        rsync.killAll();
        closeConnection();
        try {
            finished.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Backups left STARTED or EMPTY by a process that died (the caller holds the backup lock, so none is
     * running) are marked FAILED, so that check and list-backups tell the truth.
     */
    private void markLeftovers() {
        for (BackupInfo b : BackupCatalog.load(server).all()) {
            if (b.status().equals(BackupInfo.STARTED) || b.status().equals(BackupInfo.EMPTY)) {
                b.setRaw("status", BackupInfo.FAILED);
                b.setRaw("error", "failure " + (b.beginWal() == null ? "starting backup" : "copying files")
                        + " (the backup process ended before the backup finished)");
                b.save(layout.backupInfoFile(b.backupId()));
            }
        }
    }

    private BackupInfo create(LocalDateTime start) {
        String id = start.format(ID);
        // Backup ids have one-second resolution: a second backup in the same second waits for the next one.
        while (Files.exists(layout.backupDirectory(id)) || Files.exists(layout.backupInfoFile(id))) {
            sleep(100);
            id = LocalDateTime.now().format(ID);
        }
        BackupInfo b = BackupInfo.create(id, layout.newerDialect());
        b.setRaw("server_name", server.name());
        b.setRaw("mode", "rsync-concurrent");
        b.setRaw("backup_name", options.name());
        return b;
    }

    private void execute(LocalDateTime start) throws IOException, InterruptedException {
        connection = PostgresConnection.open(server, env, userHome);
        BackupControl control = new BackupControl(connection);
        info.setRaw("systemid", connection.value("SELECT system_identifier::text FROM pg_control_system()"));
        save();
        events.info("Starting backup using rsync-concurrent method for server " + server.name() + " in "
                + layout.backupDirectory(info.backupId()));

        action = "detecting data directory";
        BackupControl.ServerFacts facts = control.facts();
        info.setRaw("pgdata", facts.dataDirectory());
        info.setRaw("version", String.valueOf(facts.version()));
        info.setRaw("config_file", facts.configFile());
        info.setRaw("hba_file", facts.hbaFile());
        info.setRaw("ident_file", facts.identFile());
        info.setLiteral("included_files", facts.includedFiles());
        info.setRaw("xlog_segment_size", String.valueOf(facts.segmentSize()));
        action = "detecting tablespaces";
        info.setTablespaces(facts.tablespaces());

        action = "issuing start backup command";
        BackupControl.Mark begin = control.start("Barman backup " + server.name() + " " + info.backupId(),
                options.immediateCheckpoint());
        long beginLsn = WalName.parseLsn(begin.lsn());
        info.setRaw("begin_xlog", begin.lsn());
        info.setRaw("timeline", String.valueOf(begin.timeline()));
        info.setRaw("begin_wal", WalName.segmentOf(begin.timeline(), beginLsn, facts.segmentSize()));
        info.setRaw("begin_offset", String.valueOf(WalName.offsetOf(beginLsn, facts.segmentSize())));
        info.setTime("begin_time", PyDateTime.parse(begin.timestamp()));
        info.setRaw("status", BackupInfo.STARTED);
        save();
        events.info(String.format("Backup start at LSN: %s (%s, %08X)", begin.lsn(), info.beginWal(),
                info.number("begin_offset")));
        purgeIfFirst();

        action = "copying files";
        events.info("Starting backup copy via rsync/SSH for " + info.backupId()
                + (options.jobs() > 1 ? " (" + options.jobs() + " jobs)" : ""));
        IOException copyFailure = null;
        try {
            copy(control, facts);
            events.info("Copy done (time: " + duration.apply(Duration.ofMillis(
                    Math.round(((Number) info.copyStats().get("copy_time")).doubleValue() * 1000))) + ")");
            purgeIfFirst();
            action = "issuing stop of the backup";
        } catch (IOException e) {
            copyFailure = e;
            events.error("The backup has failed copying files");
        } finally {
            events.info("Asking PostgreSQL server to finalize the backup.");
        }
        String copyAction = action;
        action = "issuing stop backup command (native concurrent)";
        BackupControl.Mark end = control.stop();
        long endLsn = WalName.parseLsn(end.lsn());
        info.setRaw("end_xlog", end.lsn());
        info.setRaw("end_wal", WalName.segmentOf(end.timeline(), endLsn, facts.segmentSize()));
        info.setRaw("end_offset", String.valueOf(WalName.offsetOf(endLsn, facts.segmentSize())));
        info.setTime("end_time", PyDateTime.parse(end.timestamp()));
        info.setLiteral("backup_label", end.backupLabel());
        action = "writing backup label";
        Path label = layout.backupDirectory(info.backupId()).resolve("data").resolve("backup_label");
        if (copyFailure != null) {
            // The copy's failure is the one to report (a full disk, say, also fails this write).
            action = copyAction;
            writeQuietly(label, end.backupLabel());
            throw copyFailure;
        }
        Files.createDirectories(label.getParent());
        Files.writeString(label, end.backupLabel(), StandardCharsets.UTF_8);
        // The backup folder is made durable and measured while PostgreSQL archives the last segment.
        Path backupDir = layout.backupDirectory(info.backupId());
        CompletableFuture<BackupSizes> measured = CompletableFuture.supplyAsync(() -> {
            try {
                return BackupSizes.syncAndMeasure(backupDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!facts.inRecovery()) {
            // As with PostgreSQL's own wait: the backup is complete once its last segment is archived. Should the
            // archiver be stuck, the backup goes on WAITING_FOR_WALS and becomes DONE when the WAL arrives.
            control.waitForArchiving(info.endWal(), ARCHIVING_WAIT_MILLIS);
            control.switchWal();
            control.createRestorePoint("barman_" + info.backupId());
        }
        closeConnection();

        action = "calculating backup size";
        BackupSizes sizes;
        try {
            sizes = measured.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e;
        }
        info.setRaw("size", String.valueOf(sizes.size()));
        info.setRaw("deduplicated_size", String.valueOf(sizes.deduplicated()));
        if ("link".equals(server.string(Option.REUSE_BACKUP))) {
            // Barman words it by the configured reuse_backup, whatever --reuse-backup says.
            double ratio = sizes.size() == 0 ? 0 : 1 - (double) sizes.deduplicated() / sizes.size();
            events.info("Backup size: " + size.apply(sizes.size()) + ". Actual size on disk: "
                    + size.apply(sizes.deduplicated()) + " (-" + String.format(java.util.Locale.ROOT, "%.2f%%",
                    ratio * 100) + " deduplication ratio).");
        } else {
            events.info("Backup size: " + size.apply(sizes.size()));
        }
        info.setRaw("status", BackupInfo.WAITING_FOR_WALS);
        save();
        events.info(String.format("Backup end at LSN: %s (%s, %08X)", info.string("end_xlog"), info.endWal(),
                info.number("end_offset")));
        events.info("Backup completed (start time: " + pythonNaive(start) + ", elapsed time: "
                + duration.apply(Duration.between(start, LocalDateTime.now())) + ")");
    }

    private void copy(BackupControl control, BackupControl.ServerFacts facts) throws IOException, InterruptedException {
        Path backupDir = layout.backupDirectory(info.backupId());
        Path data = backupDir.resolve("data");
        BackupInfo previous = options.reuse().equals("off") ? null : previousBackup();
        Path previousDir = previous == null ? null : layout.backupDirectory(previous.backupId());
        Long horizon = previous == null ? null : previous.beginTime().toEpochSecond();
        long started = System.nanoTime();
        RsyncCopy copy;
        try (EarlySync early = new EarlySync()) {
            copy = new RsyncCopy(rsync, options.jobs(), options.retryTimes(), options.retrySleepSeconds(), early);
            String major = String.valueOf(facts.version() / 10000);
            List<String> protect = new ArrayList<>();
            Map<String, Integer> tablespaceLimits = tablespaceLimits();
            for (BackupInfo.Tablespace t : facts.tablespaces()) {
                if (t.location().startsWith(facts.dataDirectory() + "/")) {
                    protect.add("--exclude=" + t.location().substring(facts.dataDirectory().length()));
                }
                protect.add("--exclude=/pg_tblspc/" + t.oid());
                List<String> filters = new ArrayList<>(List.of("--include=/PG_" + major + "_*", "--exclude=/*"));
                COMMON_EXCLUDES.forEach(x -> filters.add("--exclude=" + x));
                Integer limit = tablespaceLimits.getOrDefault(t.name(), options.bwlimit());
                Path dest = backupDir.resolve(String.valueOf(t.oid()));
                copy.folder(t.name(), rsync.remote(t.location() + "/"), Rsync.into(dest), dest, filters, limit,
                        previousDir == null ? null : previousDir.resolve(String.valueOf(t.oid())), options.reuse(),
                        horizon);
            }
            List<String> filters = new ArrayList<>();
            PGDATA_EXCLUDES.forEach(x -> filters.add("--exclude=" + x));
            COMMON_EXCLUDES.forEach(x -> filters.add("--exclude=" + x));
            filters.addAll(protect);
            copy.folder("pgdata", rsync.remote(facts.dataDirectory() + "/"), Rsync.into(data), data, filters,
                    options.bwlimit(),
                    previousDir == null ? null : previousDir.resolve("data"), options.reuse(), horizon);
            byte[] pgControl = control.readControlFile();
            if (pgControl != null) {
                // Read on the open session (a superuser's right): no ssh connection for one 8 kB file.
                copy.write("pg_control", data.resolve("global").resolve("pg_control"), pgControl);
            } else {
                copy.files("pg_control", List.of(facts.dataDirectory() + "/global/pg_control"), data.resolve("global"),
                        options.bwlimit());
            }
            List<String> external = new ArrayList<>();
            for (String key : List.of("config_file", "hba_file", "ident_file")) {
                String file = info.string(key);
                if (file != null && !file.startsWith(facts.dataDirectory() + "/")) {
                    external.add(file);
                }
            }
            if (!external.isEmpty()) {
                copy.files("config_file", external, data, options.bwlimit());
            }
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        double analysis = copy.analysisTime.values().stream().mapToDouble(Double::doubleValue).sum();
        double copyTime = copy.copyTime.values().stream().mapToDouble(Double::doubleValue).sum();
        double serialized = copy.serializedCopyTime.values().stream().mapToDouble(Double::doubleValue).sum();
        stats.put("total_time", Math.round((System.nanoTime() - started) / 1000.0) / 1e6);
        stats.put("number_of_workers", (long) options.jobs());
        stats.put("analysis_time_per_item", copy.analysisTime);
        stats.put("copy_time_per_item", copy.copyTime);
        stats.put("serialized_copy_time_per_item", copy.serializedCopyTime);
        stats.put("analysis_time", round(analysis));
        stats.put("copy_time", round(copyTime));
        stats.put("serialized_copy_time", round(serialized));
        info.setLiteral("copy_stats", stats);
    }

    private Map<String, Integer> tablespaceLimits() {
        Object limits = server.get(Option.TABLESPACE_BANDWIDTH_LIMIT);
        Map<String, Integer> result = new LinkedHashMap<>();
        if (limits instanceof Map<?, ?> m) {
            m.forEach((k, v) -> result.put(String.valueOf(k), ((Number) v).intValue()));
        }
        return result;
    }

    /** The newest backup whose copy is complete, older than this one: the one {@code reuse_backup} uses. */
    private BackupInfo previousBackup() {
        BackupInfo previous = null;
        for (BackupInfo b : BackupCatalog.load(server).available()) {
            if (b.backupId().compareTo(info.backupId()) < 0 && b.beginTime() != null) {
                previous = b;
            }
        }
        return previous;
    }

    private void purgeIfFirst() {
        for (BackupInfo b : BackupCatalog.load(server).available()) {
            if (b.backupId().compareTo(info.backupId()) < 0) {
                return;
            }
        }
        events.info("This is the first backup for server " + server.name());
        List<String> removed = WalPurge.before(server, info.beginWal());
        if (!removed.isEmpty()) {
            events.info("WAL segments preceding the current backup have been found:");
            removed.forEach(name -> events.info("\t" + name + " from server " + server.name() + " has been removed"));
        }
    }

    private synchronized void save() {
        info.save(layout.backupInfoFile(info.backupId()));
    }

    private synchronized BackupFailed fail(Throwable e) {
        String where = abortedAt != null ? abortedAt : action;
        String reason = abortedAt != null ? "the backup process was interrupted by a signal" : firstLine(e);
        BackupFailed failed = new BackupFailed(where, reason, e);
        info.setRaw("status", BackupInfo.FAILED);
        info.setRaw("error", "failure " + where + " (" + reason + ")");
        try {
            save();
        } catch (BarmanException saveFailure) {
            failed.addSuppressed(saveFailure);
        }
        return failed;
    }

    private static String firstLine(Throwable e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String line = message.strip().lines().findFirst().orElse(message);
        return line.length() > 400 ? line.substring(0, 400) + "..." : line;
    }

    private static void writeQuietly(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // The backup is failing already; this write only helps people looking at it.
        }
    }

    private void closeConnection() {
        PostgresConnection c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
    }

    /** Python's {@code str()} of a naive datetime: microseconds only when not zero. */
    private static String pythonNaive(LocalDateTime t) {
        String s = t.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        int micros = t.getNano() / 1000;
        return micros == 0 ? s : s + String.format(".%06d", micros);
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1e6) / 1e6;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
