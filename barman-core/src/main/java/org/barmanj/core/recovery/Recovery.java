package org.barmanj.core.recovery;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.backup.RestoreSupport;
import org.barmanj.core.backup.RsyncCopy;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.compat.Printable;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.compression.Compression;
import org.barmanj.core.compression.TarballCompression;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.config.Unsupported;
import org.barmanj.core.fs.FileTrees;
import org.barmanj.core.postgres.PostgresPlumbing;
import org.barmanj.core.remote.Rsync;
import org.barmanj.core.remote.SharedConnection;
import org.barmanj.core.remote.Shell;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code barman recover}: Barman 3.4's restore of a backup into a PGDATA, on this host or, with a remote ssh
 * command, on another one. Everything that can refuse the restore is checked before anything is copied; the
 * backup and the archive are only read.
 *
 * <p>Files go to the destination in three rsync steps: the tablespaces and the data directory from the backup,
 * then one push of a locally prepared folder holding the WAL files, the edited configuration files (and their
 * {@code .origin}), the recovery settings, the signal file and {@code .barman-recover.info}.
 *
 * <p>A backup stored as pg_basebackup's compressed tarballs ({@code compression} in backup.info) is restored as
 * Barman 3.4's TarballRecoveryExecutor does: the tarballs are copied into a staging folder on the recovery host
 * ({@code recovery_staging_path}/barman-staging-SERVER-ID), extracted there with tar into the tablespace locations
 * and PGDATA, and the folder removed; the configuration files are then read from the destination.
 */
public final class Recovery {

    /** The command line's choices. {@code tablespaces}: name to new location. */
    public record Options(String remoteSshCommand, boolean standbyMode, RecoveryTarget target,
                          Map<String, String> tablespaces, boolean getWal, Integer bwlimit, int jobs,
                          boolean networkCompression, String barmanUser, String barmanHost, int retryTimes,
                          int retrySleepSeconds, String stagingPath) {
    }

    private final ServerConfig server;
    private final CatalogLayout layout;
    private final BackupInfo backup;
    private final String destination;
    private final Options options;
    private final Events events;
    private final boolean remote;
    /** The compression of the backup's tarballs; null for a plain backup. */
    private final TarballCompression tarball;
    private SharedConnection connection;
    private Rsync rsync;
    /** {@code --target-time} as read, once validated; null without one. */
    private OffsetDateTime targetTime;

    public Recovery(ServerConfig server, BackupInfo backup, String destination, Options options, Events events) {
        this.server = server;
        this.layout = new CatalogLayout(server);
        this.backup = backup;
        this.destination = destination.endsWith("/") && destination.length() > 1
                ? destination.substring(0, destination.length() - 1) : destination;
        this.options = options;
        this.events = events;
        this.remote = options.remoteSshCommand() != null;
        this.tarball = TarballCompression.of(backup.raw("compression"));
    }

    /** Restores the backup; the destination's preparation opens the connection its other short commands share. */
    public void run() {
        try (SharedConnection shared = SharedConnection.of(options.remoteSshCommand())) {
            run(shared);
        }
    }

    /** Restores the backup, its short commands riding {@code shared} (of the remote ssh command), left open. */
    public void run(SharedConnection shared) {
        connection = shared;
        rsync = new Rsync(shared, options.networkCompression());
        restore();
    }

    private void restore() {
        RecoveryTarget target = options.target();
        Map<String, String> locations = validate(target);
        Integer targetTimeline = targetTimeline(target.timeline());
        boolean pitr = target.count() > 0 || (target.timeline() != null && targetTimeline != backup.timeline());
        List<WalFileEntry> wals = options.getWal() ? List.of() : requiredWals(targetTimeline);
        OffsetDateTime start = ZonedDateTime.now().toOffsetDateTime();
        events.info("Starting " + (remote ? "remote" : "local") + " restore for server " + server.name()
                + " using backup " + backup.backupId());
        events.info("Destination directory: " + destination);
        if (remote) {
            events.info("Remote command: " + options.remoteSshCommand());
        }
        boolean waiting = backup.status() == BackupInfo.Status.WAITING_FOR_WALS;
        if (waiting && !options.getWal()) {
            events.warning("IMPORTANT: You have requested a recovery operation for a backup that does not have yet "
                    + "all the WAL files that are required for consistency.");
        }
        if (pitr) {
            events.info("Doing PITR. Recovery target " + target.describe(targetTime,
                    targetTimeline != backup.timeline()));
        }
        Path staging = null;
        try {
            Long horizon = safeHorizon(prepareDestination(locations));
            for (BackupInfo.Tablespace t : backup.tablespaces()) {
                events.info("\t" + t.oid() + ", " + t.name() + ", " + locations.get(t.name()));
            }
            events.info("Copying the base backup.");
            if (tarball != null) {
                staging = Files.createTempDirectory("barman_recovery-", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                Staged staged = restoreTarballs(locations, staging, wals, pitr);
                finish(staged, waiting, pitr, start);
                return;
            }
            if (horizon != null) {
                // Before anything is pushed: the deletions also take what the copy leaves alone.
                deleteExtraneous(locations);
            }
            // What goes besides the base backup (WAL files, edited configuration, signal file) is prepared here
            // first and pushed while the base backup is copied: the copy leaves those files alone.
            staging = Files.createTempDirectory("barman_recovery-", PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            String walFolder = pitr ? "barman_wal" : "pg_wal";
            Staged staged = stage(staging, walFolder, wals, pitr,
                    layout.backupDirectory(backup.backupId()).resolve("data"));
            Path stagingFolder = staging;
            CompletableFuture<Void> pushed = CompletableFuture.runAsync(() -> {
                try {
                    push(stagingFolder);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UncheckedIOException(new IOException("interrupted", e));
                }
            });
            try {
                copyBaseBackup(locations, horizon, staged.topLevelFiles());
            } finally {
                try {
                    pushed.join();
                } catch (CompletionException e) {
                    if (e.getCause() instanceof UncheckedIOException io) {
                        throw io.getCause();
                    }
                    if (e.getCause() instanceof BarmanException b) {
                        throw b;
                    }
                    throw e;
                }
            }
            finish(staged, waiting, pitr, start);
        } catch (IOException e) {
            throw copyFailure(e);
        } catch (BarmanException e) {
            if (e.code() != ErrorCode.RSYNC) {
                throw e;
            }
            throw copyFailure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BarmanException(ErrorCode.IO, "Recovery interrupted", e);
        } finally {
            if (staging != null) {
                deleteTree(staging);
            }
        }
    }

    /** The messages after the copy, as Barman's. */
    private void finish(Staged staged, boolean waiting, boolean pitr, OffsetDateTime start) {
        if (!options.getWal()) {
            if (waiting) {
                events.warning("IMPORTANT: The backup we have recovered IS NOT VALID. Required WAL files for "
                        + "consistency are missing. Please verify that WAL archiving is working correctly or "
                        + "evaluate using the 'get-wal' option for recovery");
            }
            events.info("Copying required WAL segments.");
            if (!pitr) {
                events.info("Generating archive status files");
            }
        }
        if (staged.recoveryConfiguration()) {
            events.info("Generating recovery configuration");
        }
        events.info("Identify dangerous settings in destination directory.");
        report(staged, start);
    }

    /**
     * A compressed backup, as Barman 3.4's TarballRecoveryExecutor: the tarballs (each tablespace's, the base one)
     * copied into the staging folder on the recovery host (mode 0700), extracted there by tar into each
     * tablespace's location and into PGDATA (without {@code recovery.conf} and {@code tablespace_map}), the folder
     * removed; then the configuration files as extracted are read back and the rest staged and pushed.
     * {@code local}: an empty local folder for what is prepared here.
     */
    private Staged restoreTarballs(Map<String, String> locations, Path local, List<WalFileEntry> wals,
                                   boolean pitr) throws IOException, InterruptedException {
        String stagingDir = options.stagingPath().replaceAll("/+$", "") + "/barman-staging-" + server.name() + "-"
                + backup.backupId();
        events.info("Staging compressed backup files on the recovery host in: " + stagingDir);
        String quoted = Shell.quote(stagingDir);
        Shell.Result made = Shell.run(connection.sshCommand(), "mkdir -p -m 700 " + quoted + " && stat -c %a "
                + quoted);
        if (made.exit() != 0) {
            throw new BarmanException(ErrorCode.IO, "Cannot create the staging folder " + stagingDir + ": "
                    + made.err().strip());
        }
        if (!made.out().strip().equals("700")) {
            throw new BarmanException(ErrorCode.IO, "Following file " + stagingDir + " does not have expected access "
                    + "right 700. Got " + made.out().strip() + " instead");
        }
        try {
            Path data = layout.backupDirectory(backup.backupId()).resolve("data");
            List<String> copy = rsync.bulkCommand(options.bwlimit());
            copy.add("-pts");
            for (BackupInfo.Tablespace t : backup.tablespaces()) {
                copy.add(data.resolve(tarball.fileName(String.valueOf(t.oid()))).toString());
            }
            copy.add(data.resolve(tarball.fileName("base")).toString());
            copy.add(target(stagingDir + "/"));
            // Retried as the base backup's copy is (Barman's copy controller retries each file).
            for (int attempt = 0; ; attempt++) {
                try {
                    rsync.run(copy, Map.of(), line -> { });
                    break;
                } catch (BarmanException e) {
                    if (e.code() != ErrorCode.RSYNC || attempt >= options.retryTimes()) {
                        throw e;
                    }
                    Thread.sleep(Math.max(0, options.retrySleepSeconds()) * 1000L);
                }
            }
            for (BackupInfo.Tablespace t : backup.tablespaces()) {
                extract(stagingDir + "/" + tarball.fileName(String.valueOf(t.oid())), locations.get(t.name()),
                        List.of());
            }
            extract(stagingDir + "/" + tarball.fileName("base"), destination,
                    List.of("recovery.conf", "tablespace_map"));
        } finally {
            Shell.run(connection.sshCommand(), "rm -rf " + quoted);
        }
        Path configuration = configurationAfterExtraction(local.resolve("configuration"));
        Path pushed = Files.createDirectory(local.resolve("destination"));
        Staged staged = stage(pushed, pitr ? "barman_wal" : "pg_wal", wals, pitr, configuration);
        push(pushed);
        return staged;
    }

    /** One tarball extracted on the recovery host, as Barman's {@code uncompress}. */
    private void extract(String archive, String into, List<String> excluded) throws IOException, InterruptedException {
        Shell.Result r = Shell.run(connection.sshCommand(), Shell.quoteAll(tarball.extractCommand(archive, into,
                excluded)));
        if (r.exit() != 0) {
            throw new BarmanException(ErrorCode.IO, "Error decompressing " + archive + " into " + into + ": "
                    + r.err().strip());
        }
    }

    /**
     * Where the configuration files are once the tarballs are extracted (Barman reads them from the destination):
     * the destination itself here, a local copy of them for a remote recovery (files missing there are not
     * copied).
     */
    private Path configurationAfterExtraction(Path local) throws IOException, InterruptedException {
        if (!remote) {
            return Path.of(destination);
        }
        Files.createDirectories(local, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        List<String> cmd = rsync.command(null);
        cmd.add("-pt");
        for (String file : CONFIGURATION_FILES) {
            cmd.add(target(destination + "/" + file));
        }
        cmd.add(local + "/");
        rsync.run(cmd, Map.of(), line -> { });
        return local;
    }

    /** pg_basebackup's manifest in a backup's data folder; restored as {@code backup_manifest.<id>}. */
    private static final String MANIFEST = "backup_manifest";

    /** The configuration files recover edits or reports missing. */
    private static final List<String> CONFIGURATION_FILES = List.of("postgresql.conf", "postgresql.auto.conf",
            "pg_hba.conf", "pg_ident.conf");

    /** The refusals that need nothing copied; returns each tablespace's location. */
    private Map<String, String> validate(RecoveryTarget target) {
        String setting = Unsupported.refusal(server, Unsupported.Use.RECOVER);
        if (setting != null) {
            throw refused(setting);
        }
        if (!backup.copyDone()) {
            throw refused("Cannot recover from backup '" + backup.backupId() + "' of server '" + server.name()
                    + "': backup status is not DONE");
        }
        String kind = RestoreSupport.refusal(backup);
        if (kind != null) {
            throw refused("Cannot recover from backup '" + backup.backupId() + "' of server '" + server.name()
                    + "': " + kind);
        }
        String compression = backup.raw("compression");
        if (compression != null && !compression.equals("None")) {
            String staging = options.stagingPath();
            if (staging != null && !staging.startsWith("/")) {
                throw refused("Cannot parse recovery staging path: Invalid value : '" + staging
                        + "' (must be an absolute path)");
            }
            if (staging == null) {
                throw refused("Cannot recover from backup '" + backup.backupId() + "' of server '" + server.name()
                        + "': backup is compressed with " + compression + " compression but no recovery staging path "
                        + "is provided. Either set recovery_staging_path in the Barman config or use the "
                        + "--recovery-staging-path argument.");
            }
        }
        if (target.count() > 1) {
            throw refused("You cannot specify multiple targets for the recovery operation");
        }
        if (destination.contains(":")) {
            throw refused("The destination directory parameter cannot contain the ':' character\nHINT: If you want "
                    + "to do a remote recovery you have to use the --remote-ssh-command option");
        }
        if (!destination.startsWith("/")) {
            throw refused("The destination directory '" + destination + "' must be an absolute path");
        }
        if (target.action() != null && target.count() == 0) {
            throw refused("Can't enable recovery target action when PITR is not required");
        }
        if (options.networkCompression() && !remote) {
            throw refused("Network compression can only be used with remote recovery.\nHINT: If you want to do a "
                    + "remote recovery you have to use the --remote-ssh-command option");
        }
        Map<String, String> locations = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (BackupInfo.Tablespace t : backup.tablespaces()) {
            locations.put(t.name(), t.location());
            names.add(t.name());
        }
        options.tablespaces().forEach((name, location) -> {
            if (!locations.containsKey(name)) {
                throw refused("Invalid tablespace name '" + name + "'\nHINT: Please use any of the following "
                        + "tablespaces: " + String.join(", ", names));
            }
            locations.put(name, location);
        });
        if (target.time() != null) {
            try {
                targetTime = TargetTime.parse(target.time(), ZoneId.systemDefault());
            } catch (IllegalArgumentException e) {
                throw refused("Unable to parse the target time parameter " + RecoveryTarget.quoted(target.time())
                        + ": " + e.getMessage());
            }
            if (targetTime.isBefore(backup.endTime())) {
                throw refused("The requested target time " + PyDateTime.format(targetTime)
                        + " is before the backup end time " + PyDateTime.format(backup.endTime()));
            }
        }
        if (target.lsn() != null) {
            long lsn;
            try {
                lsn = WalName.parseLsn(target.lsn());
            } catch (IllegalArgumentException e) {
                throw refused("Invalid target LSN '" + target.lsn() + "'");
            }
            if (lsn < WalName.parseLsn(backup.get(BackupInfo.END_XLOG))) {
                throw refused("The requested target LSN " + target.lsn() + " is before the backup end LSN "
                        + backup.get(BackupInfo.END_XLOG));
            }
        }
        if (backup.status() == BackupInfo.Status.DONE) {
            // (A backup still WAITING_FOR_WALS gets Barman's warning instead: its last WAL files may yet come.)
            for (String wal = backup.beginWal(); wal.compareTo(backup.endWal()) <= 0;
                 wal = WalName.next(wal, backup.xlogSegmentSize())) {
                if (!Files.exists(layout.walPath(wal))) {
                    throw refused("The WAL file " + wal + " needed by backup " + backup.backupId()
                            + " is missing from the archive of server " + server.name());
                }
            }
        }
        return locations;
    }

    /** The timeline to recover to, or null (the backup's); {@code latest} is the highest archived one. */
    private Integer targetTimeline(String requested) {
        if (requested == null || requested.equals("current")) {
            return backup.timeline();
        }
        if (requested.equals("latest")) {
            int latest = backup.timeline();
            for (WalFileEntry e : layout.xlogDb().read()) {
                latest = Math.max(latest, WalName.timeline(e.name()));
            }
            return latest;
        }
        int tli;
        try {
            tli = Integer.parseInt(requested);
        } catch (NumberFormatException e) {
            throw refused("Invalid target timeline '" + requested + "' (a positive number, 'current' or 'latest')");
        }
        if (tli != backup.timeline() && !descendsFromBackup(tli)) {
            throw refused("The requested target timeline " + tli + " is not reachable from backup "
                    + backup.backupId() + " (timeline " + backup.timeline() + ")");
        }
        return tli;
    }

    /** A timeline is reachable when its history file shows it branched from the backup's after the backup's end. */
    private boolean descendsFromBackup(int tli) {
        for (BackupCatalog.ChildTimeline child : BackupCatalog.load(server).childTimelines(backup)) {
            if (child.timeline() == tli) {
                return true;
            }
        }
        return false;
    }

    /**
     * Barman's required WAL files: every history file, and every archived file from the backup's begin WAL on
     * timelines up to the target's, to the end of the archive (with a target time, up to the first file past the
     * backup's end archived after it).
     */
    private List<WalFileEntry> requiredWals(int targetTimeline) {
        Double targetSeconds = targetTime == null ? null : targetTime.toEpochSecond() + targetTime.getNano() / 1e9;
        List<WalFileEntry> result = new ArrayList<>();
        for (WalFileEntry e : layout.xlogDb().read()) {
            if (WalName.isHistory(e.name())) {
                result.add(e);
                continue;
            }
            if (e.name().compareTo(backup.beginWal()) < 0 || WalName.timeline(e.name()) > targetTimeline) {
                continue;
            }
            result.add(e);
            if (targetSeconds != null && e.name().compareTo(backup.endWal()) > 0 && e.timeSeconds() > targetSeconds) {
                break;
            }
        }
        for (WalFileEntry e : result) {
            // Such files (of a newer Barman, or custom-compressed) would reach PostgreSQL as they are stored.
            if (e.compression() != null && !Compression.supported(e.compression())) {
                throw refused("The WAL file " + e.name() + " of server " + server.name()
                        + " is stored with compression = "
                        + Printable.of(e.compression()) + ", which is not supported by this version: supported: "
                        + Unsupported.COMPRESSIONS);
            }
            if (e.encryption() != null) {
                throw refused("The WAL file " + e.name() + " of server " + server.name()
                        + " is stored with encryption = "
                        + Printable.of(e.encryption()) + ", which is not supported by this version: supported: none");
            }
        }
        for (String wal = backup.beginWal(); wal.compareTo(backup.endWal()) <= 0;
             wal = WalName.next(wal, backup.xlogSegmentSize())) {
            String name = wal;
            if (result.stream().noneMatch(e -> e.name().equals(name)) && Files.exists(layout.walPath(wal))) {
                throw refused("The WAL file " + wal + " is in the archive but not in its catalog: run "
                        + "'barman rebuild-xlogdb " + server.name() + "'");
            }
        }
        return result;
    }

    /** What {@link #stage} prepared: the files it puts at the top of the destination, and what it found. */
    private record Staged(List<String> topLevelFiles, boolean recoveryConfiguration,
                          List<DangerousSettings.Setting> changed, List<DangerousSettings.Setting> review,
                          Path configuration) {
    }

    /**
     * The WAL files (with their {@code .done} status files when not PITR), {@code .barman-recover.info}, the
     * recovery settings and signal file, and the configuration files with Barman's dangerous-settings pass (their
     * originals as {@code .origin}), all in a local folder laid out like the destination.
     */
    private Staged stage(Path staging, String walFolder, List<WalFileEntry> wals, boolean pitr, Path configuration)
            throws IOException {
        RecoveryTarget target = options.target();
        List<String> top = new ArrayList<>();
        if (pitr) {
            top.add(walFolder);
        }
        Files.createDirectories(staging.resolve(walFolder).resolve("archive_status"), PosixFilePermissions
                .asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (!options.getWal()) {
            stageWals(wals, staging.resolve(walFolder));
            if (!pitr) {
                for (WalFileEntry e : wals) {
                    Files.createFile(staging.resolve(walFolder).resolve("archive_status").resolve(e.name() + ".done"));
                }
            }
        }
        Files.copy(layout.backupInfoFile(backup.backupId()), staging.resolve(".barman-recover.info"));
        top.add(".barman-recover.info");
        Path manifest = layout.backupDirectory(backup.backupId()).resolve("data/backup_manifest");
        if (Files.exists(manifest)) {
            // As Barman: pg_basebackup's manifest goes in renamed with the backup's id, out of PostgreSQL's way.
            Files.copy(manifest, staging.resolve(MANIFEST + "." + backup.backupId()));
            top.add(MANIFEST + "." + backup.backupId());
        }
        List<String> recoveryLines = List.of();
        boolean recoveryConfiguration = pitr || options.getWal() || options.standbyMode();
        if (recoveryConfiguration) {
            recoveryLines = RecoveryConfig.lines(options, target, server.name(), pitr);
            String signal = options.standbyMode() ? "standby.signal" : "recovery.signal";
            Files.writeString(staging.resolve(signal), "");
            top.add(signal);
        }
        List<DangerousSettings.Setting> changed = new ArrayList<>();
        List<DangerousSettings.Setting> review = new ArrayList<>();
        for (String file : List.of("postgresql.conf", "postgresql.auto.conf")) {
            Path original = configuration.resolve(file);
            List<String> lines = Files.exists(original) ? Files.readAllLines(original, StandardCharsets.UTF_8)
                    : List.of();
            DangerousSettings.Result result = DangerousSettings.examine(file, lines);
            changed.addAll(result.changed());
            review.addAll(result.toReview());
            List<String> out = new ArrayList<>(result.lines());
            if (file.equals("postgresql.auto.conf")) {
                out.addAll(recoveryLines);
            }
            Files.write(staging.resolve(file), out, StandardCharsets.UTF_8);
            top.add(file);
            if (Files.exists(original)) {
                Files.copy(original, staging.resolve(file + ".origin"), StandardCopyOption.COPY_ATTRIBUTES);
                Files.setPosixFilePermissions(staging.resolve(file), Files.getPosixFilePermissions(original));
                top.add(file + ".origin");
            }
        }
        return new Staged(top, recoveryConfiguration, changed, review, configuration);
    }

    /** What the destination held before the copy. */
    private record DestinationState(boolean nonEmpty, OffsetDateTime recoveredBegin) {
    }

    /**
     * One shell script on the destination host (one ssh connection): the destination must not be the data
     * directory of a running PostgreSQL (checked first, before anything there is changed) and must be writable;
     * its tablespace links point to the (new) locations. Reports whether the destination or a tablespace location
     * already held files, and the begin time of the backup a previous recover left there.
     */
    private DestinationState prepareDestination(Map<String, String> locations) throws IOException, InterruptedException {
        StringBuilder script = new StringBuilder("set -e\nd=").append(Shell.quote(destination)).append('\n');
        // Live as PostgreSQL itself tells (pg_ctl, its lock file): postmaster.pid's first line is the pid of the
        // postmaster (negative for a single-user backend); a stale file names a process that is gone, or another
        // program's once the pid is reused, hence its name is checked too (/proc, else ps: the server may belong to
        // another user). A live process whose name cannot be read (no /proc, no ps) is taken for PostgreSQL: the
        // check fails closed. kill -0 on another user's process says "not permitted": it exists.
        script.append("if [ -e \"$d/postmaster.pid\" ]; then\n");
        script.append("  pid=$(head -n 1 \"$d/postmaster.pid\") || { echo \"$d/postmaster.pid cannot be read\" >&2; "
                + "exit 2; }\n");
        script.append("  pid=${pid#-}\n");
        script.append("  case \"$pid\" in ''|*[!0-9]*) ;; *)\n");
        script.append("    name=$(cat \"/proc/$pid/comm\" 2>/dev/null || ps -o comm= -p \"$pid\" 2>/dev/null) "
                + "|| true\n");
        script.append("    if [ -z \"$name\" ] && { kill -0 \"$pid\" 2>/dev/null || kill -0 \"$pid\" 2>&1 | grep -qi "
                + "permitted; }; then name='name unknown'; fi\n");
        script.append("    case \"$name\" in *postgres*|*postmaster*|'name unknown') echo \"running $pid $name\"; "
                + "exit 3;; esac;;\n");
        script.append("  esac\n");
        script.append("fi\n");
        script.append("for f in \"$d\"");
        for (BackupInfo.Tablespace t : backup.tablespaces()) {
            script.append(' ').append(Shell.quote(locations.get(t.name())));
        }
        script.append("; do if [ -d \"$f\" ] && [ -n \"$(ls -A \"$f\")\" ]; then echo nonempty; break; fi; done\n");
        script.append("grep '^begin_time=' \"$d/.barman-recover.info\" 2>/dev/null || true\n");
        script.append("mkdir -p \"$d\" && chmod 0700 \"$d\" || { echo \"cannot create or use $d\" >&2; exit 2; }\n");
        script.append("[ -w \"$d\" ] || { echo \"$d is not writable\" >&2; exit 2; }\n");
        script.append("mkdir -p \"$d/pg_tblspc\"\n");
        for (BackupInfo.Tablespace t : backup.tablespaces()) {
            String loc = Shell.quote(locations.get(t.name()));
            script.append("mkdir -p ").append(loc).append(" || { echo ").append(loc)
                    .append("': cannot be created' >&2; exit 2; }\n");
            script.append("[ -w ").append(loc).append(" ] || { echo ").append(loc)
                    .append("' is not writable' >&2; exit 2; }\n");
            script.append("rm -rf \"$d/pg_tblspc/").append(t.oid()).append("\"\n");
            script.append("ln -s ").append(loc).append(" \"$d/pg_tblspc/").append(t.oid()).append("\"\n");
        }
        Shell.Result r = Shell.run(connection.sshCommand(), script.toString());
        if (r.exit() == 255 && remote) {
            throw refused("Unable to connect to the target host using the command '" + options.remoteSshCommand()
                    + "'");
        }
        String running = r.out().lines().filter(l -> l.startsWith("running ")).findFirst().orElse(null);
        if (r.exit() == 3 && running != null) {
            String[] pidAndName = running.substring("running ".length()).split(" ", 2);
            throw refused("The destination directory " + destination + " is the data directory of a running "
                    + "PostgreSQL server: its postmaster.pid names process " + pidAndName[0] + " ("
                    + pidAndName[1].strip() + "); stop that server, or recover into another directory");
        }
        if (r.exit() != 0) {
            throw refused("Cannot prepare the destination directory " + destination + ": "
                    + (r.err().isBlank() ? "exit code " + r.exit() : r.err().strip().lines().findFirst().orElse("")));
        }
        OffsetDateTime recoveredBegin = r.out().lines().filter(l -> l.startsWith("begin_time=")).findFirst()
                .map(l -> {
                    try {
                        return PyDateTime.parse(l.substring("begin_time=".length()));
                    } catch (IllegalArgumentException e) {
                        return null;  // unreadable: as if there were none
                    }
                }).orElse(null);
        return new DestinationState(r.out().lines().anyMatch("nonempty"::equals), recoveredBegin);
    }

    /**
     * Barman's safe horizon for copying over files already there: a file the backup has from before it (whole
     * seconds) was already the same in the backup the destination was recovered from, so rsync's size and time
     * check is enough; a newer one may differ within the same second and size, so it is compared by checksum.
     * The earlier of this backup's and that backup's begin times; when the destination has no readable
     * {@code .barman-recover.info} or the backup.info no begin time, no file is safe (0). Null when the destination
     * is empty: a plain copy.
     */
    private Long safeHorizon(DestinationState state) {
        if (!state.nonEmpty()) {
            return null;
        }
        OffsetDateTime begin = backup.beginTime().orElse(null);
        if (state.recoveredBegin() == null || begin == null) {
            return 0L;
        }
        OffsetDateTime horizon = state.recoveredBegin().isBefore(begin) ? state.recoveredBegin() : begin;
        events.info("Using safe horizon time for smart rsync copy: " + PyDateTime.format(horizon));
        return horizon.toEpochSecond();
    }

    /** {@code horizon}: see {@link #safeHorizon}; not null, files the backup lacks are deleted first. */
    private void copyBaseBackup(Map<String, String> locations, Long horizon, List<String> staged)
            throws IOException, InterruptedException {
        Path backupDir = layout.backupDirectory(backup.backupId());
        RsyncCopy copy = new RsyncCopy(rsync, options.jobs(), options.retryTimes(), options.retrySleepSeconds(), null);
        for (BackupInfo.Tablespace t : backup.tablespaces()) {
            String to = target(locations.get(t.name()) + "/");
            String from = backupDir.resolve(String.valueOf(t.oid())) + "/";
            copy.folder(t.name(), from, to, null, List.of(), options.bwlimit(), null, "off", horizon);
        }
        List<String> filters = new ArrayList<>();
        PostgresPlumbing.RECOVERY_EXCLUDES.forEach(x -> filters.add("--exclude=" + x));
        staged.forEach(f -> filters.add("--exclude=/" + f));
        filters.add("--exclude=/" + MANIFEST);
        tablespacePaths(locations).forEach(p -> filters.add("--exclude=" + p));
        copy.folder("pgdata", backupDir.resolve("data") + "/", target(destination + "/"), null, filters,
                options.bwlimit(), null, "off", horizon);
    }

    /** The tablespaces' links in PGDATA, and their locations when inside it: not PGDATA's own files. */
    private List<String> tablespacePaths(Map<String, String> locations) {
        List<String> paths = new ArrayList<>();
        for (BackupInfo.Tablespace t : backup.tablespaces()) {
            paths.add("/pg_tblspc/" + t.oid());
            String location = locations.get(t.name());
            if (location.startsWith(destination + "/")) {
                paths.add(location.substring(destination.length()));
            }
        }
        return paths;
    }

    /**
     * Barman's purge of a destination that already holds files: in each tablespace location and in PGDATA,
     * whatever the backup does not have goes, the paths the copy excludes ({@code pg_wal/*}, {@code postmaster.pid},
     * {@code tablespace_map}, ...) included; only the tablespaces' links and locations are kept. The copy itself
     * goes by file lists, so this is one rsync of its own per folder, which copies nothing.
     */
    private void deleteExtraneous(Map<String, String> locations) throws IOException, InterruptedException {
        Path backupDir = layout.backupDirectory(backup.backupId());
        for (BackupInfo.Tablespace t : backup.tablespaces()) {
            purge(backupDir.resolve(String.valueOf(t.oid())) + "/", target(locations.get(t.name()) + "/"),
                    List.of());
        }
        List<String> filters = new ArrayList<>();
        tablespacePaths(locations).forEach(p -> filters.add("--filter=P " + p));
        PostgresPlumbing.RECOVERY_EXCLUDES.forEach(x -> filters.add("--exclude=" + x));
        tablespacePaths(locations).forEach(p -> filters.add("--exclude=" + p));
        purge(backupDir.resolve("data") + "/", target(destination + "/"), filters);
    }

    private void purge(String from, String to, List<String> filters) throws IOException, InterruptedException {
        List<String> cmd = rsync.command(null);
        cmd.addAll(List.of("-rK", "--delete", "--delete-excluded", "--existing", "--ignore-existing"));
        cmd.addAll(filters);
        cmd.add(from);
        cmd.add(to);
        rsync.run(cmd, Map.of(), line -> { });
    }

    private String target(String path) {
        return remote ? rsync.remote(path) : path;
    }

    /** The WAL files into the staging folder, decompressed; hard links when stored uncompressed on this file system. */
    private void stageWals(List<WalFileEntry> wals, Path folder) throws IOException {
        for (WalFileEntry e : wals) {
            Path stored = layout.walPath(e.name());
            Path staged = folder.resolve(e.name());
            String compression = Compression.detect(stored);
            if (compression == null) {
                try {
                    Files.createLink(staged, stored);
                    continue;
                } catch (IOException | UnsupportedOperationException crossDevice) {
                    Files.copy(stored, staged);
                    continue;
                }
            }
            try (OutputStream out = Files.newOutputStream(staged)) {
                Compression.decompress(compression, stored, out);
            }
        }
    }

    /** The prepared files onto the destination, without deleting anything there. */
    private void push(Path staging) throws IOException, InterruptedException {
        List<String> cmd = rsync.command(options.bwlimit());
        cmd.addAll(List.of("-rLKpts"));
        cmd.add(staging + "/");
        cmd.add(target(destination + "/"));
        rsync.run(cmd, Map.of(), line -> { });
    }

    private void report(Staged staged, OffsetDateTime start) {
        List<DangerousSettings.Setting> changed = staged.changed();
        List<DangerousSettings.Setting> review = staged.review();
        if (!changed.isEmpty()) {
            events.info("");
            events.info("IMPORTANT");
            events.info("These settings have been modified to prevent data losses");
            events.info("");
            changed.forEach(s -> events.info(s.text()));
        }
        if (!review.isEmpty()) {
            events.info("");
            events.info("WARNING");
            events.info("You are required to review the following options as potentially dangerous");
            events.info("");
            review.forEach(s -> events.info(s.text()));
        }
        List<String> missing = new ArrayList<>();
        for (String file : List.of("pg_hba.conf", "pg_ident.conf")) {
            if (!Files.exists(staged.configuration().resolve(file))) {
                missing.add(file);
            }
        }
        if (!missing.isEmpty()) {
            events.info("");
            events.info("WARNING");
            events.info("The following configuration files have not been saved during backup, hence they have not "
                    + "been restored.");
            events.info("You need to manually restore them in order to start the recovered PostgreSQL instance:");
            events.info("");
            missing.forEach(f -> events.info("    " + f));
        }
        if (options.getWal()) {
            events.info("");
            events.info("WARNING: 'get-wal' is in the specified 'recovery_options'.");
            events.info("Before you start up the PostgreSQL server, please review the postgresql.auto.conf file");
            events.info("inside the target directory. Make sure that 'restore_command' can be executed by the "
                    + "PostgreSQL user.");
        }
        events.info("");
        events.info("Recovery completed (start time: " + PyDateTime.format(start) + ", elapsed time: "
                + Formats.duration(Duration.between(start, ZonedDateTime.now().toOffsetDateTime())) + ")");
        events.info("Your PostgreSQL server has been successfully prepared for recovery!");
    }

    private static BarmanException copyFailure(Exception e) {
        return new BarmanException(ErrorCode.IO, "Failure copying base backup: " + firstLine(e), e);
    }

    private static BarmanException refused(String message) {
        return new BarmanException(ErrorCode.RECOVERY_REFUSED, message);
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.strip().lines().findFirst().orElse(m);
    }

    private static void deleteTree(Path root) {
        try {
            FileTrees.delete(root);
        } catch (IOException e) {
            // A temporary folder left behind; nothing else depends on it.
        }
    }
}
