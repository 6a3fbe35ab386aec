package org.barmanj.core.server;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.backup.BackupJob;
import org.barmanj.core.backup.BackupMethod;
import org.barmanj.core.backup.BackupOptions;
import org.barmanj.core.backup.CheckBackup;
import org.barmanj.core.backup.RestoreSupport;
import org.barmanj.core.backup.IdentityFile;
import org.barmanj.core.backup.PostgresBackupMethod;
import org.barmanj.core.backup.RsyncBackupMethod;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.BackupInfo.Status;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.catalog.XlogDb;
import org.barmanj.core.check.CheckResult;
import org.barmanj.core.check.ServerCheck;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.config.Unsupported;
import org.barmanj.core.drill.Drill;
import org.barmanj.core.drill.DrillForecast;
import org.barmanj.core.drill.DrillReport;
import org.barmanj.core.drill.DrillSchedule;
import org.barmanj.core.drill.DrillSettings;
import org.barmanj.core.fs.IoReason;
import org.barmanj.core.hooks.HookScript;
import org.barmanj.core.lock.LockFile;
import org.barmanj.core.postgres.PgBaseBackup;
import org.barmanj.core.postgres.PostgresConnection;
import org.barmanj.core.postgres.PostgresException;
import org.barmanj.core.postgres.RemoteStatus;
import org.barmanj.core.postgres.ReplicationStats;
import org.barmanj.core.postgres.WalSwitch;
import org.barmanj.core.recovery.Recovery;
import org.barmanj.core.recovery.RecoveryTarget;
import org.barmanj.core.remote.SharedConnection;
import org.barmanj.core.retention.BackupDeletion;
import org.barmanj.core.retention.KeepAnnotation;
import org.barmanj.core.retention.RetentionReport;
import org.barmanj.core.retention.WalRemoval;
import org.barmanj.core.streaming.ProcessSignals;
import org.barmanj.core.streaming.ReceiveWal;
import org.barmanj.core.wal.Archiver;
import org.barmanj.core.wal.GetWal;
import org.barmanj.core.wal.PutWal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Everything Barman does to one configured server (Barman's {@code Server}): the command line calls this for any
 * work beyond reading the configuration and the catalog. It owns the server's locks ({@code .<server>-<task>.lock}),
 * the checks before a backup, the identity file, the WAL wait, and which backup method runs. What happens is told
 * through {@link Events}; a request that cannot go on throws a {@link BarmanException} whose code gives the exit
 * code.
 */
public final class BarmanServer {
    private static final String ANOTHER_ARCHIVER = "Another archive-wal process is already running on server ";

    private final BarmanConfig config;
    private final ServerConfig server;
    private final CatalogLayout layout;
    private final Map<String, String> env;
    private final String userHome;
    private final Events events;
    private final BarmanCommand subcommands;

    /**
     * {@code env}: the process environment (PGPASSWORD, PGPASSFILE, SSH_CONNECTION, ...); {@code subcommands}: how
     * to run barman commands in processes of their own (null: in this process, as when the core is embedded).
     */
    public BarmanServer(BarmanConfig config, ServerConfig server, Map<String, String> env, Events events,
                        BarmanCommand subcommands) {
        this.config = config;
        this.server = server;
        this.layout = new CatalogLayout(server);
        this.env = env;
        this.userHome = System.getProperty("user.home");
        this.events = events;
        this.subcommands = subcommands;
    }

    public ServerConfig config() {
        return server;
    }

    /** The server's catalog; backups whose backup.info is unreadable are reported as errors. */
    public BackupCatalog catalog() {
        BackupCatalog catalog = BackupCatalog.load(server);
        for (String problem : catalog.unreadable().values()) {
            events.error(problem);
        }
        return catalog;
    }

    /**
     * PostgreSQL's remote status (the keys Barman reports, all null when it cannot be reached; why is told at
     * debug level).
     */
    public Map<String, Object> remoteStatus() {
        RemoteStatus.Fetched remote = RemoteStatus.fetch(server, env, userHome);
        if (remote.error() != null) {
            events.debug("PostgreSQL connection for server " + server.name() + ": " + remote.error());
        }
        return remote.values();
    }

    /**
     * {@code barman replication-status}: the streaming clients of PostgreSQL ({@code conninfo}) that {@code target}
     * selects; null, with Barman's error, when PostgreSQL cannot be queried.
     */
    public ReplicationStatus replicationStatus(ReplicationStatus.Target target) {
        Boolean replaying = target == ReplicationStatus.Target.ALL ? null
                : target == ReplicationStatus.Target.HOT_STANDBY;
        try (PostgresConnection pg = PostgresConnection.open(server, env, userHome)) {
            ReplicationStats.Fetched fetched = ReplicationStats.fetch(pg, replaying);
            return ReplicationStatus.of(fetched.serverLsn(), fetched.rows());
        } catch (PostgresException e) {
            events.debug("Error retrieving status of standby servers: " + e.getMessage());
            events.error("Unable to connect to server " + server.name());
            return null;
        }
    }

    /** {@code barman check}. */
    public CheckReport check() {
        ServerCheck check = new ServerCheck(server).environment(env).drillRow(drillRow());
        List<CheckResult> results = check.run(() -> RemoteStatus.fetch(server, env, userHome).values());
        return new CheckReport(results, check.lastBackupBytes(), check.walBytes());
    }

    /**
     * {@code barman backup}: the checks (a critical failure stops it), the identity file, the backup under the
     * server's backup lock, then the WAL archived meanwhile, check-backup, and with {@code --wait} the wait for
     * its last WAL file. A failed backup is reported (and marked FAILED), not thrown: {@code backup all} goes on.
     */
    public void backup(BackupRequest request) {
        String unsupported = BackupMethod.unsupported(server);
        if (unsupported != null) {
            events.error(unsupported);
            return;
        }
        // backup_method = postgres uses no ssh (PostgresBackupMethod).
        try (SharedConnection ssh = SharedConnection.of(postgresMethod() ? null : server.string(Option.SSH_COMMAND))) {
            // The connection the backup's short commands share is made while the checks run.
            ssh.open();
            backup(request, ssh);
        }
    }

    private void backup(BackupRequest request, SharedConnection ssh) {
        AtomicReference<Map<String, Object>> remote = new AtomicReference<>();
        List<CheckResult> checks = new ServerCheck(server).environment(env).run(() -> {
            remote.set(RemoteStatus.fetch(server, env, userHome).values());
            return remote.get();
        });
        List<String> compression = PostgresBackupMethod.compressionIssues(server, env, remote.get());
        if (!compression.isEmpty()) {
            // As Barman 3.4, whose validation disables the server: each line, and no backup.
            compression.forEach(events::error);
            return;
        }
        if (checks.stream().anyMatch(CheckResult::blocksBackup)) {
            String pgBaseBackup = PostgresBackupMethod.refusal(server, env, remote.get());
            if (pgBaseBackup != null) {
                events.error(pgBaseBackup);
            }
            events.error("Impossible to start the backup. Check the log for more details, or run 'barman check "
                    + server.name() + "'");
            return;
        }
        if (remote.get().get("server_txt_version") != null) {
            IdentityFile.writeIfAbsent(layout, (String) remote.get().get("postgres_systemid"),
                    IdentityFile.majorVersion((String) remote.get().get("server_txt_version")));
        }
        BackupInfo result;
        try (LockFile lock = tryLock("backup")) {
            if (lock == null) {
                events.error("Another backup process is running");
                return;
            }
            result = backupLocked(request, ssh);
        } catch (IOException e) {
            events.error("Permission denied, unable to access '" + e.getMessage() + "'");
            return;
        }
        if (result == null) {
            return;
        }
        archiveWal(false);
        if (result.status() == Status.WAITING_FOR_WALS) {
            checkBackup(result, null);
        }
        if (result.copyDone() && !BackupCatalog.load(server).mayHaveAvailableBefore(result.backupId())) {
            // WAL files older than the first backup may have arrived while it ran: they serve nothing.
            new WalRemoval(server, events).removeBefore(result.beginWal(), Set.of(), List.of());
        }
        if (result.status() == Status.WAITING_FOR_WALS) {
            events.warning("IMPORTANT: this backup is classified as WAITING_FOR_WALS, meaning that Barman "
                    + "has not received yet all the required WAL files for the backup consistency.\n"
                    + "This is a common behaviour in concurrent backup scenarios, and Barman automatically set the "
                    + "backup as DONE once all the required WAL files have been archived.\n"
                    + "Hint: execute the backup command with '--wait'");
        }
    }

    /** The backup itself, under the lock; a signal (Ctrl-C, kill) ends it as a FAILED backup. Null when it failed. */
    private BackupInfo backupLocked(BackupRequest request, SharedConnection ssh) {
        BackupOptions options = request.options(server);
        BackupJob job = new BackupJob(server, method(options, ssh), options.name(), events);
        Thread hook = new Thread(job::abort, "backup-abort");
        Runtime.getRuntime().addShutdownHook(hook);
        BackupInfo info;
        try {
            info = job.run();
        } catch (HookScript.Aborted e) {
            events.error("Backup of server " + server.name() + " not started: " + e.getMessage()
                    + "; nothing was written to the catalog");
            return null;
        } catch (BarmanException e) {
            events.error(e.getMessage());
            postBackupHooks(job.backup());
            return null;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: it waits for run() to have marked the backup FAILED.
            }
        }
        if (request.waitForWals() && waitForWal(info.endWal(), request.waitTimeoutSeconds())) {
            checkBackup(info, null);
        }
        postBackupHooks(info);
        return info;
    }

    /** The post_backup scripts, once the backup is DONE, WAITING_FOR_WALS or FAILED (as Barman's). */
    private void postBackupHooks(BackupInfo backup) {
        if (backup != null && HookScript.any(server, "backup")) {
            BackupInfo current = BackupCatalog.load(server).find(backup.backupId());
            HookScript.post(server, "backup", h -> h.backup(current), events);
        }
    }

    /** The method of the server's {@code backup_method}: rsync or postgres (the others are refused first). */
    private BackupMethod method(BackupOptions options, SharedConnection ssh) {
        if (postgresMethod()) {
            return new PostgresBackupMethod(server, options, env, userHome,
                    PgBaseBackup.find(server.string(Option.PATH_PREFIX), env));
        }
        return new RsyncBackupMethod(server, options, env, userHome, ssh);
    }

    private boolean postgresMethod() {
        return "postgres".equals(server.string(Option.BACKUP_METHOD));
    }

    /**
     * {@code barman recover}: the WAL files waiting in incoming/ are archived first, then the backup restored.
     * Once the backup asked for is found (and readable), the other backup.info files that cannot be read are
     * warned about: they play no part in the restore, whose exit code is its own.
     */
    public void recover(RecoveryRequest request) {
        BackupCatalog catalog = BackupCatalog.load(server);
        BackupInfo backup = catalog.find(request.backupId());
        catalog.unreadable().values().forEach(events::warning);
        archiveWal(false);
        RecoveryTarget target = new RecoveryTarget(request.targetTime(), request.targetXid(), request.targetLsn(),
                request.targetName(), request.targetImmediate(), request.targetTimeline(), request.exclusive(),
                request.targetAction());
        boolean getWal = request.getWal() != null ? request.getWal()
                : server.words(Option.RECOVERY_OPTIONS).contains("get-wal");
        boolean compress = request.networkCompression() != null ? request.networkCompression()
                : server.flag(Option.NETWORK_COMPRESSION) && request.remoteSshCommand() != null;
        CopyOverrides copy = request.copy();
        Recovery.Options options = new Recovery.Options(request.remoteSshCommand(), request.standbyMode(), target,
                request.tablespaces(), getWal, copy.bwlimit(server.integer(Option.BANDWIDTH_LIMIT)),
                copy.jobs(server.integer(Option.PARALLEL_JOBS)), compress, config.barmanUser(), hostName(),
                copy.retryTimes(server.integer(Option.BASEBACKUP_RETRY_TIMES)),
                copy.retrySleepSeconds(server.integer(Option.BASEBACKUP_RETRY_SLEEP)),
                request.recoveryStagingPath() != null ? request.recoveryStagingPath()
                        : server.string(Option.RECOVERY_STAGING_PATH));
        Consumer<HookScript> hookEnv = h -> recoveryEnv(h.backup(backup), request);
        HookScript.pre(server, "recovery", hookEnv, events);
        new Recovery(server, backup, request.destination(), options, events).run();
        // As Barman's: the post_recovery scripts run after a recovery that succeeded.
        HookScript.post(server, "recovery", hookEnv, events);
    }

    /**
     * {@code barman drill}: a restore of a backup into a scratch folder, started privately and checked, then
     * removed (see {@link Drill}); the result is recorded as the backup's {@code drill.json} and returned. Not
     * {@link #recover}: no WAL is archived and no hook script runs, the catalog is only read.
     */
    public DrillReport drill(DrillRequest request) {
        if (request.standbyMode()) {
            throw new BarmanException(ErrorCode.USAGE, "barman drill: --standby-mode is not allowed: a drill ends its "
                    + "recovery (it promotes at a target) to check the server");
        }
        DrillSettings all = DrillSettings.load(config);
        if (all.syntaxError() != null) {
            throw all.syntaxError();
        }
        all.reportWarningsOnce(events);
        DrillSettings.Server settings = all.server(server.name());
        BackupCatalog catalog = BackupCatalog.load(server);
        BackupInfo backup = catalog.find(request.backupId());
        RecoveryTarget target = new RecoveryTarget(request.targetTime(), request.targetXid(), request.targetLsn(),
                request.targetName(), request.targetImmediate(), request.targetTimeline(), request.exclusive(), null);
        return new Drill(server, settings != null ? settings : DrillSettings.Server.defaults(server.name()),
                config.barmanUser(), env, events).run(backup, new Drill.Options(target, request.keep(),
                request.remoteSshCommand()));
    }

    /**
     * The forecast of a restore of the latest DONE backup and the WAL archived since, from the rates of the drills
     * recorded for this server's DONE backups (see {@link DrillForecast}).
     */
    public DrillForecast.Forecast drillForecast() {
        BackupCatalog catalog = BackupCatalog.load(server);
        List<BackupInfo> done = catalog.withStatus(Status.DONE);
        if (done.isEmpty()) {
            throw new BarmanException(ErrorCode.DRILL_REFUSED, "No forecast for server " + server.name()
                    + ": it has no DONE backup");
        }
        List<DrillReport> drills = new java.util.ArrayList<>();
        for (BackupInfo b : done) {
            DrillReport r = Drill.recorded(layout, b.backupId());
            if (r != null) {
                drills.add(r);
            }
        }
        return DrillForecast.of(server.name(), done.get(done.size() - 1), catalog.xlog(), drills);
    }

    /** The drill recorded for a backup ({@code drill.json}), or null when it has none. */
    public DrillReport lastDrill(String backupId) {
        return Drill.recorded(layout, backupId);
    }

    /** The newest {@code drill.json} of {@code backups} (by its end), or null. */
    private DrillReport newestDrill(List<BackupInfo> backups) {
        DrillReport latest = null;
        for (BackupInfo b : backups) {
            DrillReport r = Drill.recorded(layout, b.backupId());
            if (r != null && (latest == null || r.ended().isAfter(latest.ended()))) {
                latest = r;
            }
        }
        return latest;
    }

    /**
     * The {@code restore drill} row of check, only for a server with drill settings (a section in a
     * {@code .drill} file): without, check stays Barman 3.4's. Null when there is no row.
     */
    private java.util.function.Supplier<CheckResult> drillRow() {
        DrillSettings all;
        try {
            all = DrillSettings.load(config);
        } catch (BarmanException e) {
            return () -> new CheckResult("restore drill", false, e.getMessage(), List.of(), false);
        }
        // A syntax error said once, as an error; the row only for the servers whose sections could be read.
        all.reportErrorOnce(events);
        DrillSettings.Server settings = all.server(server.name());
        if (settings == null) {
            return null;
        }
        all.reportWarningsOnce(events);
        if (all.syntaxError() != null) {
            return () -> new CheckResult("restore drill", false, "drill settings unusable: syntax error in "
                    + all.syntaxErrorWhere(), List.of(), false);
        }
        return () -> {
            try {
                DrillReport latest = newestDrill(BackupCatalog.load(server).withStatus(Status.DONE));
                Map.Entry<Boolean, String> row = DrillReport.checkRow(latest, settings.maximumAge(),
                        OffsetDateTime.now());
                return new CheckResult("restore drill", row.getKey(), row.getValue(), List.of(), false);
            } catch (BarmanException e) {
                return new CheckResult("restore drill", false, e.getMessage(), List.of(), false);
            }
        };
    }

    /** Barman's {@code env_from_recover}: the destination, the relocations and the options, as Python's JSON. */
    private static void recoveryEnv(HookScript h, RecoveryRequest request) {
        Map<String, Object> options = new TreeMap<>();
        options.put("exclusive", request.exclusive());
        options.put("standby_mode", request.standbyMode());
        options.put("target_action", request.targetAction());
        options.put("target_immediate", request.targetImmediate());
        options.put("target_lsn", request.targetLsn());
        options.put("target_name", request.targetName());
        options.put("target_time", request.targetTime());
        String tli = request.targetTimeline();
        options.put("target_tli", tli != null && tli.matches("\\d+") ? (Object) Integer.valueOf(tli) : tli);
        options.put("target_xid", request.targetXid());
        options.values().removeIf(v -> v == null || Boolean.FALSE.equals(v));
        Map<String, Object> tablespaces = new TreeMap<>(request.tablespaces());
        h.env("BARMAN_DESTINATION_DIRECTORY", request.destination())
                .env("BARMAN_TABLESPACES", tablespaces.isEmpty() ? "" : HookScript.json(tablespaces))
                .env("BARMAN_REMOTE_COMMAND", request.remoteSshCommand())
                .env("BARMAN_RECOVER_OPTIONS", options.isEmpty() ? "" : HookScript.json(options))
                .env("BARMAN_ERROR", "");
    }

    /**
     * {@code barman archive-wal}: files what put-wal left in incoming/ under the server's archive-wal lock.
     * {@code verbose}: the header and {@code no file found} even when there is nothing to do. Returns the names
     * archived (none when another archiver holds the lock, which is said).
     */
    public List<String> archiveWal(boolean verbose) {
        return archiveLocked(verbose, events, null);
    }

    private List<String> archiveLocked(boolean verbose, Events lines, String started) {
        try (LockFile lock = tryLock("archive-wal")) {
            if (lock == null) {
                events.info(ANOTHER_ARCHIVER + server.name() + ". Skipping to the next server");
                return List.of();
            }
            if (started != null) {
                events.info(started);
            }
            return new Archiver(server, lines).archive(verbose);
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot archive WAL files of server " + server.name() + ": "
                    + IoReason.withFile(e), e);
        }
    }

    /**
     * {@code barman cron} for this server, under its cron lock (runs never overlap): the archiver, check-backup of
     * the oldest backup waiting for its WAL files, the retention policy, then the scheduled drill (ours, see
     * {@link #cronDrill}). As Barman, the archiver runs in a process of its own ({@code archive-wal}), its output
     * going nowhere unless {@code keepDescriptors}; unlike Barman, cron waits for it, so that check-backup and
     * retention see what it archived. A failure is reported, so that the other servers' cron goes on; one of the
     * drill's stops nothing else.
     */
    public void cron(boolean keepDescriptors) {
        try (LockFile cron = tryLock("cron")) {
            if (cron == null) {
                events.info("Another cron process is already running on server " + server.name()
                        + ". Skipping to the next server");
                return;
            }
            try {
                cronMaintenance(keepDescriptors);
            } catch (IOException | BarmanException e) {
                events.error("Cron for server " + server.name() + " failed: "
                        + (e instanceof IOException io ? IoReason.withFile(io) : e.getMessage()));
            }
            cronDrill(keepDescriptors);
        } catch (IOException e) {
            events.error("Cron for server " + server.name() + " failed: " + IoReason.withFile(e));
        }
    }

    private void cronMaintenance(boolean keepDescriptors) throws IOException {
        String unsupported = Unsupported.refusal(server, Unsupported.Use.CRON);
        if (unsupported != null) {
            events.error(unsupported);
        }
        cronArchiver(keepDescriptors);
        if (server.flag(Option.STREAMING_ARCHIVER)) {
            cronReceiveWal(keepDescriptors);
        } else {
            stopReceiveWal(false);
        }
        List<BackupInfo> waiting = catalog().withStatus(Status.WAITING_FOR_WALS);
        if (!waiting.isEmpty()) {
            BackupInfo oldest = waiting.get(0);
            checkBackup(oldest, "Starting check-backup for backup " + oldest.backupId() + " of server "
                    + server.name());
        }
        enforceRetention();
    }

    /** Barman's {@code cron_archive_wal}: the archiver is started only when no other one runs. */
    private void cronArchiver(boolean keepDescriptors) throws IOException {
        String started = "Starting WAL archiving for server " + server.name();
        String unsupported = Unsupported.refusal(server, Unsupported.Use.ARCHIVE);
        if (unsupported != null) {
            // Said here: the archiver process's own output goes nowhere.
            events.error(unsupported);
            return;
        }
        if (subcommands == null) {
            archiveLocked(false, keepDescriptors ? events : Events.SILENT, started);
            return;
        }
        try (LockFile archiver = tryLock("archive-wal")) {
            if (archiver == null) {
                events.info(ANOTHER_ARCHIVER + server.name() + ". Skipping to the next server");
                return;
            }
            events.info(started);
        }
        Process archiver = subcommands.start(keepDescriptors, "archive-wal", server.name());
        try {
            archiver.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Barman's {@code cron_receive_wal}: when no receiver holds the server's {@code receive-wal} lock, one is started
     * ({@code receive-wal SERVER}) in a session of its own, which outlives this cron; a running one is left alone,
     * silently.
     */
    private void cronReceiveWal(boolean keepDescriptors) throws IOException {
        if (subcommands == null) {
            // Embedded (in-process) there is no program to run a receiver with, and one in this process never ends.
            return;
        }
        try (LockFile receiver = tryLock("receive-wal")) {
            if (receiver == null) {
                return;
            }
            events.info("Starting streaming archiver for server " + server.name());
        }
        subcommands.startDetached(List.of(), keepDescriptors, "receive-wal", server.name());
    }

    /**
     * The scheduled drill ({@code drill_schedule}, see {@link DrillSchedule}), decided under the server's cron lock,
     * so that two crons never decide for the same server at once; nothing another server does is waited for. When
     * one is due, the start marker is written, then {@code drill SERVER <newest DONE backup>} is started detached as
     * the receiver is, niced, under {@code flock} of the host's drill lock: that flock waits for the drills started
     * before it, so the host's scheduled drills run one at a time. The marker then names the started process. A
     * bad {@code drill_schedule} is said in its usual line; any failure here is reported and stops nothing else.
     */
    private void cronDrill(boolean keepDescriptors) {
        if (subcommands == null) {
            // Embedded there is no program to start a drill with, and one in this process would hold up cron.
            return;
        }
        Duration schedule;
        try {
            DrillSettings all = DrillSettings.load(config);
            if (all.syntaxError() != null) {
                // said once for all the servers of this cron; no drill started from settings read in part
                all.reportErrorOnce(events);
                return;
            }
            DrillSettings.Server settings = all.server(server.name());
            schedule = settings == null ? null : settings.schedule();
        } catch (BarmanException e) {
            events.error(e.getMessage());
            return;
        }
        if (schedule == null) {
            return;
        }
        try {
            List<BackupInfo> done = BackupCatalog.load(server).withStatus(Status.DONE);
            DrillReport newest = newestDrill(done);
            Path marker = DrillSchedule.startMarker(server.lockDirectory(), server.name());
            DrillSchedule.Start start = DrillSchedule.Start.read(marker);
            Instant now = Instant.now();
            DrillSchedule.Decision decision = DrillSchedule.decide(schedule,
                    newest == null ? null : newest.ended().toInstant(), start == null ? null : start.at(),
                    start != null && start.alive(), !done.isEmpty(), now);
            if (decision.due() && LockFile.ownerPid(lockPath("drill")) != null) {
                // Tried only when due: trying the lock could make a drill started by hand at that moment refuse.
                decision = new DrillSchedule.Decision(false, "a drill of server " + server.name() + " is running");
            }
            if (!decision.due()) {
                events.debug("No drill due for server " + server.name() + ": " + decision.reason());
                return;
            }
            String id = done.get(done.size() - 1).backupId();
            DrillSchedule.Start starting = new DrillSchedule.Start(now, null, null);
            starting.write(marker);
            events.info("Starting drill of backup " + id + " for server " + server.name() + " ("
                    + decision.reason() + ")");
            Process drill = subcommands.startDetached(
                    DrillSchedule.nicedUnderLock(DrillSchedule.hostLock(config.lockDirectory()), env.get("PATH")),
                    keepDescriptors, "drill", server.name(), id);
            starting.of(drill).write(marker);
        } catch (IOException | BarmanException e) {
            events.error("Cannot start the scheduled drill of server " + server.name() + ": "
                    + (e instanceof IOException io ? IoReason.withFile(io) : e.getMessage()));
        }
    }

    /**
     * Barman's {@code cron_retention_policy}, with {@code retention_policy_mode = auto}: every backup the policy
     * reports OBSOLETE is deleted, oldest first, under its lock (one that another process holds is left for the
     * next run). Deletes that were interrupted (see {@link BackupDeletion}) are finished too, first those that
     * left only an empty folder.
     */
    private void enforceRetention() throws IOException {
        if (!RetentionReport.enforced(server) || !"auto".equals(server.string(Option.RETENTION_POLICY_MODE))) {
            return;
        }
        String unsupported = Unsupported.refusal(server, Unsupported.Use.DELETE);
        if (unsupported != null) {
            events.error(unsupported);
            return;
        }
        BackupCatalog catalog = BackupCatalog.load(server);
        for (String id : catalog.foldersWithoutInfo()) {
            if (BackupDeletion.isLeftover(layout, id)) {
                removeLeftover(id, true);
            }
        }
        Map<String, String> report = RetentionReport.of(catalog, OffsetDateTime.now());
        for (BackupInfo backup : catalog.all()) {
            String id = backup.backupId();
            boolean obsolete = BackupCatalog.OBSOLETE.equals(report.get(id));
            if (!obsolete && !BackupDeletion.isInterrupted(backup)) {
                continue;
            }
            try (LockFile lock = tryLock(id)) {
                if (lock == null) {
                    events.warning("Another action is in progress for the backup " + id + " of server "
                            + server.name() + ", skipping retention policy application");
                    continue;
                }
                BackupInfo current = BackupCatalog.load(server).find(id);
                events.info(obsolete ? "Enforcing retention policy: removing backup " + id + " for server "
                        + server.name() : "Finishing the interrupted delete of backup " + id + " for server "
                        + server.name());
                if (!new BackupDeletion(server, events).delete(current, true)) {
                    continue;
                }
            }
            Files.deleteIfExists(lockPath(id));
        }
    }

    /**
     * {@code barman delete}: the backup, unless it is kept, needed for {@code minimum_redundancy}, or being taken
     * (a STARTED or EMPTY backup while the server's backup lock is held), under the backup's lock. A refusal is told
     * as Barman's {@code Cannot delete backup} error. Returns whether it was deleted.
     */
    public boolean delete(String backupIdOrAlias) {
        if (BackupDeletion.isLeftover(layout, backupIdOrAlias)) {
            return removeLeftover(backupIdOrAlias, false) || cannotDelete(backupIdOrAlias);
        }
        BackupInfo backup = catalog().find(backupIdOrAlias);
        String id = backup.backupId();
        String unsupported = Unsupported.refusal(server, Unsupported.Use.DELETE);
        if (unsupported != null) {
            events.error(unsupported);
            return cannotDelete(id);
        }
        boolean deleted = false;
        try {
            try (LockFile backupLock = tryLock("backup")) {
                if (backupLock == null && (backup.status() == Status.STARTED || backup.status() == Status.EMPTY)) {
                    events.error("Cannot delete a running backup (" + server.name() + " " + id + ")");
                    return cannotDelete(id);
                }
            }
            try (LockFile lock = tryLock(id)) {
                if (lock == null) {
                    events.error("Another process is holding the lock for backup " + id + " of server "
                            + server.name() + ".");
                    return cannotDelete(id);
                }
                deleted = new BackupDeletion(server, events).delete(BackupCatalog.load(server).find(id), false);
            }
            if (deleted) {
                // Nobody waits on a deleted backup's lock: its file goes too, as Barman's.
                Files.deleteIfExists(lockPath(id));
            }
        } catch (IOException e) {
            events.error("Permission denied, unable to access '" + IoReason.withFile(e) + "'");
        }
        return deleted || cannotDelete(id);
    }

    /**
     * The empty folder a delete killed after removing backup.info left ({@link BackupDeletion#isLeftover}) goes,
     * under the backup's lock and while no backup runs (a backup may have just made its folder). False when it
     * cannot be removed now: told as an error, except to {@code cron}, which tries again on its next run.
     */
    private boolean removeLeftover(String id, boolean cron) {
        try (LockFile backupLock = tryLock("backup"); LockFile lock = tryLock(id)) {
            if (backupLock == null || lock == null) {
                if (!cron) {
                    events.error("Another process is holding the lock for backup " + id + " of server "
                            + server.name() + ".");
                }
                return false;
            }
            if (!BackupDeletion.isLeftover(layout, id)) {
                return false;
            }
            if (cron) {
                events.info("Finishing the interrupted delete of backup " + id + " for server " + server.name());
            }
            if (!new BackupDeletion(server, events).removeLeftover(id)) {
                return false;
            }
            Files.deleteIfExists(lockPath(id));
            return true;
        } catch (IOException e) {
            events.error("Permission denied, unable to access '" + IoReason.withFile(e) + "'");
            return false;
        }
    }

    private boolean cannotDelete(String id) {
        events.error("Cannot delete backup (" + server.name() + " " + id + ")");
        return false;
    }

    /** {@code barman keep --status}: the backup's keep target ({@code full}, {@code standalone}), else null. */
    public String keepStatus(String backupIdOrAlias) {
        return KeepAnnotation.read(layout, catalog().find(backupIdOrAlias).backupId());
    }

    /** {@code barman keep --target}: only a DONE backup can be kept (else an error, nothing written). */
    public void keep(String backupIdOrAlias, String target) {
        BackupInfo backup = catalog().find(backupIdOrAlias);
        if (backup.status() != Status.DONE) {
            events.error("Cannot add keep to backup " + backup.backupId() + " because it has status "
                    + backup.statusText() + ". Only backups with status DONE can be kept.");
            return;
        }
        KeepAnnotation.keep(layout, backup.backupId(), target);
    }

    /** {@code barman keep --release}. */
    public void releaseKeep(String backupIdOrAlias) {
        KeepAnnotation.release(layout, catalog().find(backupIdOrAlias).backupId());
    }

    /** The retention status of each backup of {@code catalog} (empty when no policy is enforced). */
    public Map<String, String> retentionReport(BackupCatalog catalog) {
        return RetentionReport.of(catalog, OffsetDateTime.now());
    }

    /** True when the server's retention policy is valid, so reported and enforced. */
    public boolean retentionEnforced() {
        return RetentionReport.enforced(server);
    }

    /**
     * Barman's check-backup under the backup's lock, telling {@code started} (may be null) once it is held. As
     * Barman: when another process holds it, nothing is done or said (null).
     */
    private Status checkBackup(BackupInfo backup, String started) {
        try (LockFile lock = tryLock(backup.backupId())) {
            if (lock == null) {
                return null;
            }
            if (started != null) {
                events.info(started);
            }
            return CheckBackup.run(layout, backup);
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot check backup " + backup.backupId() + " of server "
                    + server.name() + ": " + IoReason.withFile(e), e);
        }
    }

    /** {@code barman switch-wal}: closes the current WAL segment; {@code archive}: waits for it to be archived. */
    public void switchWal(boolean force, boolean archive, int archiveTimeoutSeconds) {
        String closed;
        try (PostgresConnection pg = PostgresConnection.open(server, env, userHome)) {
            WalSwitch.Result result = WalSwitch.perform(pg, force);
            closed = result.closedWal();
            switch (result.outcome()) {
                case SWITCHED -> events.info("The WAL file " + closed + " has been closed on server '"
                        + server.name() + "'");
                case NOT_NEEDED -> events.info("No switch required for server '" + server.name() + "'");
                default -> events.info("No switch performed because server '" + server.name() + "' is a standby.");
            }
        } catch (PostgresException e) {
            events.error(e.getMessage().contains("permission denied")
                    ? "Barman switch-wal --force requires superuser rights or the 'pg_checkpoint' role"
                    : "Unable to perform pg_switch_wal for server '" + server.name() + "'.");
            events.debug(e.getMessage());
            return;
        }
        if (archive) {
            waitForWal(closed, archiveTimeoutSeconds);
        }
    }

    /**
     * Barman's {@code wait_for_wal}: runs the archiver every 0.1 s until {@code wal} (null: any new WAL) is in the
     * archive, or {@code timeout} seconds (0: no limit) have passed. Returns whether it arrived.
     */
    private boolean waitForWal(String wal, int archiveTimeout) {
        String max = archiveTimeout > 0 ? " (max: " + archiveTimeout + " seconds)" : "";
        Map<Integer, String> initial = wal == null ? latestPerTimeline() : Map.of();
        events.info(wal != null ? "Waiting for the WAL file " + wal + " from server '" + server.name() + "'" + max
                : "Waiting for a WAL file from server '" + server.name() + "' to be archived" + max);
        long end = System.nanoTime() + archiveTimeout * 1_000_000_000L;
        while (archiveTimeout <= 0 || System.nanoTime() < end) {
            archiveWal(false);
            if (wal != null ? Files.exists(layout.walPath(wal)) : !Objects.equals(initial, latestPerTimeline())) {
                return true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        if (wal != null) {
            events.error("The WAL file " + wal + " has not been received in " + archiveTimeout + " seconds");
        } else {
            events.info("A WAL file has not been received in " + archiveTimeout + " seconds");
        }
        return false;
    }

    private Map<Integer, String> latestPerTimeline() {
        Map<Integer, String> latest = new TreeMap<>();
        for (WalFileEntry e : layout.xlogDb().read()) {
            if (WalName.isSegment(e.name())) {
                latest.merge(WalName.timeline(e.name()), e.name(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
        }
        return latest;
    }

    /** {@code barman put-wal}: stores the WAL files of the tar stream barman-wal-archive sends. */
    public void putWal(InputStream stream) {
        for (String message : PutWal.receive(server, stream, sshSource()).messages()) {
            events.info(message);
        }
    }

    /**
     * {@code barman get-wal}: the WAL file, uncompressed (or recompressed as asked), to {@code stdout} or into the
     * output folder; with {@code peek}, the names of up to that many files from it on, told as info lines.
     */
    public void getWal(GetWalRequest request, OutputStream stdout) {
        String walName = request.walName();
        String suffix = sshSource();
        if (!WalName.isAny(walName)) {
            throw new BarmanException(ErrorCode.GET_WAL_BAD_REQUEST, "'" + walName + "' is not a valid wal file name"
                    + suffix);
        }
        if (request.peek() != null) {
            for (String name : GetWal.peek(layout, walName, request.peek())) {
                events.info(name);
            }
            return;
        }
        Path file = GetWal.find(layout, walName, request.partial());
        if (file == null) {
            throw new BarmanException(ErrorCode.WAL_NOT_FOUND, "WAL file '" + walName + "' not found in server '"
                    + server.name() + "'" + suffix);
        }
        try {
            if (request.outputDirectory() == null) {
                GetWal.send(file, request.recompress(), stdout);
                return;
            }
            Path target = request.outputDirectory().resolve(walName);
            try (OutputStream out = Files.newOutputStream(target)) {
                events.info("Sending WAL '" + file.getFileName() + "' for server '" + server.name() + "' into '"
                        + target + "' file" + suffix);
                GetWal.send(file, request.recompress(), out);
            }
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.GET_WAL_BAD_REQUEST, "Unable to send WAL file '" + walName + "'"
                    + suffix + ": " + IoReason.withFile(e), e);
        }
    }

    /** {@code barman rebuild-xlogdb}: xlog.db recreated from the WAL archive on disk, under its lock. */
    public void rebuildXlogDb() {
        events.info("Rebuilding xlogdb for server " + server.name());
        XlogDb.RebuildCounts counts;
        try (LockFile lock = LockFile.acquire(LockFile.of(server.lockDirectory(), server.name(), "xlogdb"))) {
            counts = layout.xlogDb().rebuild(layout.walsDirectory(), events);
        } catch (IOException e) {
            events.error("Cannot lock the WAL catalog of server " + server.name() + ": "
                    + IoReason.withFile(e));
            return;
        }
        events.info("Done rebuilding xlogdb for server " + server.name() + " (history: " + counts.history()
                + ", backup_labels: " + counts.backupLabels() + ", wal_file: " + counts.walFiles() + ")");
    }

    /** Barman names the calling host in put-wal and get-wal messages when called through ssh. */
    /**
     * {@code barman receive-wal}: under the server's receive-wal lock, the streaming archiver's checks, then WAL
     * received into {@code streaming_wals_directory} until SIGINT/SIGTERM or a lost connection (Barman runs
     * pg_receivewal; the receiver here is built in). With {@code reset}, only the folder's position is reset.
     */
    public void receiveWal(boolean reset) {
        if (!server.flag(Option.STREAMING_ARCHIVER)) {
            events.error("Unable to start receive-wal process: streaming_archiver option set to 'off' in barman "
                    + "configuration file");
            return;
        }
        if (!reset) {
            events.info("Starting receive-wal for server " + server.name());
        }
        try (LockFile lock = tryLock("receive-wal")) {
            if (lock == null) {
                events.info(reset ? "Unable to reset the status of receive-wal for server " + server.name()
                        + ". Process is still running"
                        : "Another receive-wal process is already running for server " + server.name() + ".");
                return;
            }
            try {
                receiveWalStreaming().receive(reset);
            } catch (ReceiveWal.Failure e) {
                events.error(e.getMessage());
            }
        } catch (IOException e) {
            events.error("Permission denied, unable to access '" + IoReason.withFile(e) + "'");
        }
    }

    /** {@code barman receive-wal --create-slot} ({@code --if-not-exists}: an existing slot is not an error). */
    public void createReplicationSlot(boolean ifNotExists) {
        receiveWalStreaming().createSlot(ifNotExists);
    }

    /** {@code barman receive-wal --drop-slot}. */
    public void dropReplicationSlot() {
        receiveWalStreaming().dropSlot();
    }

    private ReceiveWal receiveWalStreaming() {
        return new ReceiveWal(server, layout.streamingDirectory(), env, userHome, events);
    }

    /**
     * {@code barman receive-wal --stop}, as Barman's {@code kill}: SIGINT to the pid in a held
     * {@code .<server>-receive-wal.lock}, then up to 10 s for it to end. Returns whether a receiver was stopped;
     * none running is an error only when {@code failIfNotPresent}.
     */
    public boolean stopReceiveWal(boolean failIfNotPresent) {
        Long pid;
        try {
            pid = LockFile.ownerPid(lockPath("receive-wal"));
        } catch (IOException e) {
            events.error("Permission denied, unable to access '" + IoReason.withFile(e) + "'");
            return false;
        }
        if (pid == null) {
            if (failIfNotPresent) {
                events.error("Termination of receive-wal failed: no such process for server " + server.name());
            }
            return false;
        }
        if (ProcessSignals.interruptAndWait(pid, 10)) {
            events.info("Stopped process receive-wal(" + pid + ")");
            return true;
        }
        events.error("Cannot terminate process receive-wal(" + pid + ")");
        return false;
    }

    private String sshSource() {
        String connection = env.get("SSH_CONNECTION");
        return connection == null || connection.isBlank() ? "" : " (SSH host: " + connection.split(" ")[0] + ")";
    }

    /** A server task's lock ({@code .<server>-<task>.lock}) if it is free, else null. */
    private LockFile tryLock(String task) throws IOException {
        return LockFile.tryAcquire(lockPath(task));
    }

    private Path lockPath(String task) {
        return LockFile.of(server.lockDirectory(), server.name(), task);
    }

    /** The backup host's name in {@code restore_command}, as Barman's {@code socket.getfqdn()}. */
    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** {@code barman check --check-timeout}: the checks, bounded by {@code timeoutSeconds} (0: no limit). */
    public CheckReport check(int timeoutSeconds) {
        ServerCheck check = new ServerCheck(server, timeoutSeconds).drillRow(drillRow());
        List<CheckResult> results = check.run(() -> RemoteStatus.fetch(server, env, userHome).values());
        return new CheckReport(results, check.lastBackupBytes(), check.walBytes());
    }

    /**
     * {@code barman check-backup}: Barman's check of a backup's WAL files (DONE, WAITING_FOR_WALS or FAILED), under
     * the backup's lock. As Barman 3.4: a FAILED backup is an error (a copy that failed is never made DONE); a
     * busy lock is said and is no error; the outcome is told at debug level only. The backup.info is read again
     * once the lock is held, so that what another process wrote meanwhile is not overwritten.
     */
    public void checkBackup(String backupId) {
        BackupInfo asked = BackupCatalog.load(server).find(backupId);
        if (asked.status() == Status.FAILED) {
            events.error("The validity of a failed backup cannot be checked");
            return;
        }
        String kind = RestoreSupport.refusal(asked);
        if (kind != null) {
            events.error("Cannot check backup '" + asked.backupId() + "' of server '" + server.name() + "': " + kind);
            return;
        }
        String id = asked.backupId();
        try (LockFile lock = tryLock(id)) {
            if (lock == null) {
                events.info("Another process is holding the lock for backup " + id + " of server " + server.name()
                        + ".");
                return;
            }
            BackupInfo backup = BackupCatalog.load(server).find(id);
            if (backup.status() == Status.FAILED) {
                events.error("The validity of a failed backup cannot be checked");
                return;
            }
            Status before = backup.status();
            Status after = CheckBackup.run(layout, backup);
            events.debug("Check finished: the status of backup " + id + " of server " + server.name()
                    + (before == after ? " remains " + after : " changed from " + before + " to " + after));
        } catch (IOException e) {
            events.error("Permission denied, unable to access '" + e.getMessage() + "'");
        }
    }
}
