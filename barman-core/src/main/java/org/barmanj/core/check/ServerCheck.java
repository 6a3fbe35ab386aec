package org.barmanj.core.check;

import org.barmanj.core.backup.PostgresBackupMethod;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.compat.PyNamedTuple;
import org.barmanj.core.config.BackupCompression;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.config.Unsupported;
import org.barmanj.core.fs.IoReason;
import org.barmanj.core.lock.LockFile;
import org.barmanj.core.postgres.PgBaseBackup;
import org.barmanj.core.process.ChildProcesses;
import org.barmanj.core.wal.PutWal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code barman check} for a server backed up with rsync and archiving through {@code incoming/}: Barman 3.4's
 * checks, in its order and wording.
 */
public final class ServerCheck {
    private static final Pattern SYSTEMID = Pattern.compile("\"systemid\"\\s*:\\s*\"([^\"]*)\"");
    private final ServerConfig server;
    private final CatalogLayout layout;
    private final Integer timeoutSeconds;
    /** Written by the thread the checks run in; read once they are done or have timed out. */
    private final List<CheckResult> results = new ArrayList<>();
    private boolean timedOut;
    private Process sshProbe;
    private volatile long lastBackupBytes;
    private volatile long walBytes;
    private Map<String, String> env = System.getenv();
    private java.util.function.Supplier<CheckResult> drillRow;

    public ServerCheck(ServerConfig server) {
        this(server, server.integer(Option.CHECK_TIMEOUT));
    }

    /** {@code timeoutSeconds}: the bound of the checks instead of {@code check_timeout} (null or 0: none). */
    public ServerCheck(ServerConfig server, Integer timeoutSeconds) {
        this.server = server;
        this.layout = new CatalogLayout(server);
        this.timeoutSeconds = timeoutSeconds;
    }

    /**
     * The {@code restore drill} row (ours, not critical), shown last; null: none (a server without drill settings,
     * whose check stays Barman 3.4's).
     */
    public ServerCheck drillRow(java.util.function.Supplier<CheckResult> row) {
        this.drillRow = row;
        return this;
    }

    /** The environment pg_basebackup is searched in ({@code PATH}, after {@code path_prefix}). */
    public ServerCheck environment(Map<String, String> environment) {
        this.env = environment;
        return this;
    }

    /**
     * Runs every check; {@code remoteStatus} gives the PostgreSQL remote status (all null when unreachable). The
     * ssh probe starts first, so its connection is made while PostgreSQL is queried. As Barman, the checks end
     * after {@code check_timeout} seconds (0: no limit) with those done so far and a failed {@code check timeout}:
     * they run in a thread of their own, left behind if it is stuck (on PostgreSQL, say), its further results
     * discarded; the ssh probe is killed.
     */
    public List<CheckResult> run(java.util.function.Supplier<Map<String, Object>> remoteStatus) {
        FutureTask<List<CheckResult>> checks = new FutureTask<>(() -> runAll(remoteStatus));
        Thread worker = new Thread(checks, "check-" + server.name());
        worker.setDaemon(true);
        worker.start();
        Integer timeout = timeoutSeconds;
        try {
            return timeout == null || timeout <= 0 ? checks.get() : checks.get(timeout, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            List<CheckResult> done;
            Process probe;
            synchronized (results) {
                timedOut = true;
                done = new ArrayList<>(results);
                probe = sshProbe;
            }
            if (probe != null) {
                probe.destroyForcibly();
            }
            done.add(new CheckResult("check timeout", false, "barman check command timed out", List.of(), true));
            return done;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw (RuntimeException) e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking server " + server.name(), e);
        }
    }

    private List<CheckResult> runAll(java.util.function.Supplier<Map<String, Object>> remoteStatus) {
        Process probe = postgresMethod() ? null : startSshProbe(server.string(Option.SSH_COMMAND));
        synchronized (results) {
            if (timedOut) {
                // The time ran out before the probe started: nobody else would end it.
                if (probe != null) {
                    probe.destroyForcibly();
                }
                return List.of();
            }
            sshProbe = probe;
        }
        Map<String, Object> remote = remoteStatus.get();
        BackupCatalog catalog = BackupCatalog.load(server);
        List<WalFileEntry> xlog = catalog.xlog();
        if (xlog.isEmpty() && catalog.withStatus(BackupInfo.Status.WAITING_FOR_WALS).isEmpty()) {
            add("WAL archive", false, "please make sure WAL shipping is setup");
        }
        walQueue(layout.incomingDirectory(), "incoming", Option.ARCHIVER);
        walQueue(server.path(Option.STREAMING_WALS_DIRECTORY), "streaming", Option.STREAMING_ARCHIVER);
        boolean reachable = remote.get("server_txt_version") != null;
        add("PostgreSQL", reachable, null);
        if (reachable) {
            if (remote.get("has_backup_privileges") != null) {
                if (Boolean.TRUE.equals(remote.get("has_backup_privileges"))) {
                    add("superuser or standard user with backup privileges", true, null);
                } else {
                    add("no access to backup functions", false,
                            "privileges for PostgreSQL backup functions are required (see documentation)");
                }
            }
            if (remote.containsKey("streaming_supported")) {
                add("PostgreSQL streaming", Boolean.TRUE.equals(remote.get("streaming")),
                        remote.get("streaming_supported") == null ? (String) remote.get("connection_error") : null);
            }
            if (remote.containsKey("wal_level")) {
                add("wal_level", !"minimal".equals(remote.get("wal_level")),
                        "minimal".equals(remote.get("wal_level")) ? "please set it to a higher level than 'minimal'" : null);
            }
            replicationSlot((PyNamedTuple) remote.get("replication_slot"));
        }
        directories();
        unsupportedSettings();
        add("retention policy settings", server.string(Option.RETENTION_POLICY) == null
                || server.retentionPolicy() != null, server.string(Option.RETENTION_POLICY) != null
                && server.retentionPolicy() == null ? "see log" : null);
        List<BackupInfo> done = catalog.withStatus(BackupInfo.Status.DONE);
        BackupInfo last = done.isEmpty() ? null : done.get(done.size() - 1);
        backupMaximumAge(last);
        backupMinimumSize(last);
        walMaximumAge(last, xlog);
        walBytes = last == null ? 0 : catalog.walInfo(last).untilNextSize();
        add("wal size", true, Formats.size(walBytes));
        String compression = Unsupported.refusals(server).stream().filter(r -> r.option() == Option.COMPRESSION)
                .map(Unsupported.Refusal::message).findFirst().orElse(null);
        add("compression settings", compression == null, compression);
        int failed = catalog.withStatus(BackupInfo.Status.FAILED).size();
        addNonCritical("failed backups", failed == 0, "there are " + failed + " failed backups");
        if (!catalog.unreadable().isEmpty()) {
            // Not a check of Barman 3.4 (which stops with a Python exception on such a file): shown only then.
            addNonCritical("backup catalog", false, String.join("; ", catalog.unreadable().values()));
        }
        Integer min = server.integer(Option.MINIMUM_REDUNDANCY);
        int minimum = min == null || min < 0 ? 0 : min;
        addNonCritical("minimum redundancy requirements", done.size() >= minimum,
                "have " + done.size() + " backups, expected at least " + minimum);
        if (postgresMethod()) {
            pgBaseBackup(remote, reachable);
        } else {
            ssh(sshProbe);
        }
        List<String> configuration = configurationProblems(remote);
        if (!configuration.isEmpty()) {
            add(new CheckResult("configuration", false, null, configuration, true));
        }
        identity(remote, reachable);
        if (server.flag(Option.STREAMING_ARCHIVER)) {
            streamingArchiver(remote);
        }
        if (server.flag(Option.ARCHIVER) && remote.get("archive_mode") != null) {
            String mode = (String) remote.get("archive_mode");
            boolean modeOk = mode.equals("on") || mode.equals("always");
            add("archive_mode", modeOk, modeOk ? null : "please set it to 'on' or 'always'");
            String command = (String) remote.get("archive_command");
            boolean commandOk = command != null && !command.isEmpty() && !command.equals("(disabled)");
            add("archive_command", commandOk, commandOk ? null : "please set it accordingly to documentation");
            if (commandOk && remote.containsKey("is_archiving")) {
                add("continuous archiving", Boolean.TRUE.equals(remote.get("is_archiving")), null);
            }
        }
        archiverErrors();
        putWalLeftovers();
        if (drillRow != null) {
            add(drillRow.get());
        }
        synchronized (results) {
            return new ArrayList<>(results);
        }
    }

    /**
     * Barman's rows, only when failing, for the files waiting in {@code incoming/} or {@code streaming/}: there must
     * be none when that archiver is off, and no more than {@code max_incoming_wals_queue}. As Barman, names starting
     * with a dot are not counted, nor {@code .tmp} files, and one file of {@code streaming/} is taken for
     * receive-wal's {@code .partial} file.
     */
    private void walQueue(Path folder, String name, Option archiver) {
        int count = 0;
        if (Files.isDirectory(folder)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
                for (Path f : files) {
                    String n = f.getFileName().toString();
                    count += n.startsWith(".") || n.endsWith(".tmp") ? 0 : 1;
                }
            } catch (IOException e) {
                addNonCritical(name + " WALs directory", false, folder + ": " + IoReason.of(e));
                return;
            }
        }
        if (name.equals("streaming")) {
            count--;
        }
        if (!server.flag(archiver)) {
            if (count > 0) {
                addNonCritical("empty " + name + " directory", false, "'" + folder + "' must be empty when "
                        + archiver.key() + "=off");
            }
            return;
        }
        Integer max = server.integer(Option.MAX_INCOMING_WALS_QUEUE);
        if (max != null && count > max) {
            addNonCritical(name + " WALs directory", false, "there are too many WALs in queue: " + count + ", max "
                    + max);
        }
    }

    /**
     * Ours, only when failing: a row per setting this version refuses ({@link Unsupported}), with the line the work
     * it stops shows; critical when it stops backups. {@code compression} has Barman's own row.
     */
    private void unsupportedSettings() {
        for (Unsupported.Refusal refusal : Unsupported.refusals(server)) {
            Option option = refusal.option();
            if (option == Option.COMPRESSION) {
                continue;
            }
            String name = option == Option.BACKUP_METHOD || option == Option.BACKUP_OPTIONS ? "backup method"
                    : option.key();
            add(new CheckResult(name, false, refusal.message(), List.of(), refusal.stopsBackups()));
        }
    }

    /**
     * Barman's {@code replication slot} row, when {@code slot_name} is set: with the streaming archiver the slot
     * must exist, hold a position and be in use (by receive-wal); without it, a slot left holding WAL is a warning
     * on a passing row. {@code slot}: the remote status's row of the slot (null when there is none).
     */
    private void replicationSlot(PyNamedTuple slot) {
        String name = server.string(Option.SLOT_NAME);
        if (name == null) {
            return;
        }
        boolean initialised = slot != null && slot.get("restart_lsn") != null;
        boolean active = slot != null && Boolean.TRUE.equals(slot.get("active"));
        if (server.flag(Option.STREAMING_ARCHIVER)) {
            if (slot == null) {
                add("replication slot", false, "replication slot '" + name + "' doesn't exist. Please execute "
                        + "'barman receive-wal --create-slot " + server.name() + "'");
            } else if (!initialised) {
                add("replication slot", false, "slot '" + name + "' not initialised: is 'receive-wal' running?");
            } else if (!active) {
                add("replication slot", false, "slot '" + name + "' not active: is 'receive-wal' running?");
            } else {
                add("replication slot", true, null);
            }
        } else if (initialised) {
            add("replication slot", true, "WARNING: slot '" + name + "' is " + (active ? "active" : "initialised")
                    + " but not required by the current config");
        }
    }

    /**
     * Barman's StreamingWalArchiver rows. Our receiver is built in: {@code pg_receivexlog} always passes, and
     * {@code pg_receivexlog compatible} tells whether it streams from the server's version (unknown when the
     * streaming connection fails). {@code receive-wal running}: a receiver holds the server's receive-wal lock.
     */
    private void streamingArchiver(Map<String, Object> remote) {
        add("pg_receivexlog", Boolean.TRUE.equals(remote.get("pg_receivexlog_installed")), null);
        boolean compatible = Boolean.TRUE.equals(remote.get("pg_receivexlog_compatible"));
        Object version = remote.get("server_txt_version");
        add("pg_receivexlog compatible", compatible, compatible ? null : "PostgreSQL version: "
                + (remote.get("streaming") == null || version == null ? "None" : version)
                + ", pg_receivexlog version: " + remote.get("pg_receivexlog_version"));
        boolean running;
        try (LockFile free = LockFile.tryAcquire(LockFile.of(server.lockDirectory(), server.name(), "receive-wal"))) {
            running = free == null;
        } catch (IOException e) {
            running = false;
        }
        add("receive-wal running", running, running ? null : "See the Barman log file for more details");
    }

    /** Size of the latest DONE backup, for Nagios performance data (after {@link #run}). */
    public long lastBackupBytes() {
        return lastBackupBytes;
    }

    /** Size of the WAL files archived since the latest DONE backup (after {@link #run}). */
    public long walBytes() {
        return walBytes;
    }

    private void add(String name, boolean ok, String hint) {
        add(new CheckResult(name, ok, hint, List.of(), true));
    }

    /** A check whose failure is reported but does not stop a backup. */
    private void addNonCritical(String name, boolean ok, String hint) {
        add(new CheckResult(name, ok, hint, List.of(), false));
    }

    /** Once the checks have timed out, what they still find is not reported. */
    private void add(CheckResult result) {
        synchronized (results) {
            if (!timedOut) {
                results.add(result);
            }
        }
    }

    private void directories() {
        if (server.disabled()) {
            // Barman does not create the folders of a server it cannot use.
            return;
        }
        for (Option o : new Option[] {Option.BACKUP_DIRECTORY, Option.BASEBACKUPS_DIRECTORY, Option.ERRORS_DIRECTORY,
                Option.INCOMING_WALS_DIRECTORY, Option.STREAMING_WALS_DIRECTORY, Option.WALS_DIRECTORY}) {
            Path dir = server.path(o);
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                add("directories", false, dir + ": " + IoReason.of(e));
                return;
            }
        }
        add("directories", true, null);
    }

    private void backupMaximumAge(BackupInfo last) {
        Duration max = server.duration(Option.LAST_BACKUP_MAXIMUM_AGE);
        if (max == null) {
            addNonCritical("backup maximum age", true, "no last_backup_maximum_age provided");
            return;
        }
        if (last == null || last.endTime() == null) {
            addNonCritical("backup maximum age", false, "No available backups");
            return;
        }
        Duration age = Duration.between(last.endTime().toInstant(), Instant.now());
        addNonCritical("backup maximum age", age.compareTo(max) <= 0, "interval provided: " + Formats.duration(max)
                + ", latest backup age: " + Formats.duration(age));
    }

    private void backupMinimumSize(BackupInfo last) {
        long lastSize = last == null || last.size() == null ? 0 : last.size();
        lastBackupBytes = lastSize;
        Object min = server.get(Option.LAST_BACKUP_MINIMUM_SIZE);
        if (min == null) {
            addNonCritical("backup minimum size", true, Formats.size(lastSize));
            return;
        }
        long minimum = (Long) min;
        boolean ok = lastSize >= minimum;
        addNonCritical("backup minimum size", ok, "last backup size " + Formats.size(lastSize) + (ok ? " > " : " < ")
                + Formats.size(minimum) + " minimum");
    }

    private void walMaximumAge(BackupInfo last, List<WalFileEntry> xlog) {
        Duration max = server.duration(Option.LAST_WAL_MAXIMUM_AGE);
        if (max == null) {
            addNonCritical("wal maximum age", true, "no last_wal_maximum_age provided");
            return;
        }
        if (xlog.isEmpty()) {
            addNonCritical("wal maximum age", false, "No WAL files archived for last backup");
            return;
        }
        double newest = xlog.get(xlog.size() - 1).timeSeconds();
        Duration age = Duration.ofMillis((long) ((Instant.now().toEpochMilli() / 1000.0 - newest) * 1000));
        addNonCritical("wal maximum age", age.compareTo(max) <= 0, "interval provided: " + Formats.duration(max)
                + ", latest wal age: " + Formats.duration(age));
    }

    private boolean postgresMethod() {
        return "postgres".equals(server.string(Option.BACKUP_METHOD));
    }

    /**
     * Barman's rows for {@code backup_method = postgres} (in place of rsync's {@code ssh}): pg_basebackup found
     * ({@code path_prefix}, then {@code PATH}), of the server's major version or newer, and able to map tablespaces
     * (this last row only when PostgreSQL answers).
     */
    private void pgBaseBackup(Map<String, Object> remote, boolean reachable) {
        PgBaseBackup found = PgBaseBackup.find(server.string(Option.PATH_PREFIX), env);
        add("pg_basebackup", found != null, null);
        String serverVersion = (String) remote.get("server_txt_version");
        Boolean compatible = found == null ? null : found.compatibleWith(serverVersion);
        add("pg_basebackup compatible", Boolean.TRUE.equals(compatible), Boolean.TRUE.equals(compatible) ? null
                : "PostgreSQL version: " + (serverVersion == null ? "None" : serverVersion) + ", pg_basebackup version: "
                + (found == null || found.version() == null ? "Unknown" : found.version()));
        if (reachable) {
            boolean maps = found != null && found.mapsTablespaces();
            // Without a pg_basebackup that maps them, Barman's row fails only for a cluster with tablespaces.
            add("pg_basebackup supports tablespaces mapping", true, maps ? null
                    : "pg_basebackup 9.4 or higher is required for tablespaces support");
        }
    }

    /**
     * Why Barman 3.4 disables the server: the problems found reading the configuration, with the validation of
     * {@code backup_compression} in full once PostgreSQL is reached (the rules needing its version and
     * pg_basebackup's; the others are among the problems already, in the same order).
     */
    private List<String> configurationProblems(Map<String, Object> remote) {
        List<String> problems = new ArrayList<>(server.problems());
        BackupCompression compression = BackupCompression.of(server);
        if (compression != null && postgresMethod()) {
            problems.removeAll(compression.issues(null, null));
            problems.addAll(PostgresBackupMethod.compressionIssues(server, env, remote));
        }
        return problems;
    }

    /** Host keys stay checked (Barman adds StrictHostKeyChecking=no; we do not weaken ssh). */
    private static Process startSshProbe(String command) {
        if (command == null) {
            return null;
        }
        try {
            return ChildProcesses.start(new ProcessBuilder("sh", "-c", command + " -o BatchMode=yes true")
                    .redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))));
        } catch (IOException e) {
            return null;
        }
    }

    private void ssh(Process probe) {
        String command = server.string(Option.SSH_COMMAND);
        if (command == null) {
            return;
        }
        if (probe == null) {
            add("ssh", false, "Unable to execute " + command);
            return;
        }
        try {
            byte[] output = probe.getInputStream().readAllBytes();
            int code = probe.waitFor();
            if (code != 0) {
                add("ssh", false, "Connection failed using '" + command + " -o BatchMode=yes' return code " + code);
                return;
            }
            add("ssh", true, "PostgreSQL server");
            if (output.length > 0) {
                add("ssh output clean", false,
                        "the configured ssh_command must not add anything to the remote command output");
            }
        } catch (IOException e) {
            add("ssh", false, "Unable to execute " + command);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            add("ssh", false, "interrupted");
        }
    }

    private void identity(Map<String, Object> remote, boolean reachable) {
        Path file = layout.backupDirectory().resolve("identity.json");
        Object streaming = remote.get("streaming_systemid");
        Object postgres = reachable ? remote.get("postgres_systemid") : null;
        if (streaming != null && postgres != null && !streaming.equals(postgres)) {
            add("systemid coherence", false, "is the streaming DSN targeting the same server of the PostgreSQL "
                    + "connection string?");
            return;
        }
        Object live = streaming != null ? streaming : postgres;
        if (live == null) {
            add("systemid coherence", true, "no system Id available");
            return;
        }
        if (!Files.exists(file)) {
            add("systemid coherence", true, "no system Id stored on disk");
            return;
        }
        String stored = null;
        try {
            Matcher m = SYSTEMID.matcher(Files.readString(file, StandardCharsets.UTF_8));
            if (m.find()) {
                stored = m.group(1);
            }
        } catch (IOException e) {
            stored = null;
        }
        boolean ok = stored != null && stored.equals(live);
        add("systemid coherence", ok, ok ? null
                : "the system Id of the connected PostgreSQL server changed, stored in \"" + file + "\"");
    }

    private void archiverErrors() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Path errors = layout.errorsDirectory();
        if (Files.isDirectory(errors)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(errors)) {
                for (Path f : files) {
                    String n = f.getFileName().toString();
                    String kind = n.endsWith(".error") ? "not relevant" : n.endsWith(".duplicate") ? "duplicates"
                            : n.endsWith(".unknown") ? "unknown" : "unknown failure";
                    counts.merge(kind, 1, Integer::sum);
                }
            } catch (IOException e) {
                addNonCritical("archiver errors", false, errors + ": " + IoReason.of(e));
                return;
            }
        }
        List<String> parts = new ArrayList<>();
        counts.forEach((k, v) -> parts.add(k + ": " + v));
        addNonCritical("archiver errors", counts.isEmpty(), counts.isEmpty() ? null : String.join(", ", parts));
    }

    /** Ours, only when failing: files of put-wal processes that died in incoming/ (archive-wal removes them). */
    private void putWalLeftovers() {
        Path incoming = layout.incomingDirectory();
        if (!Files.isDirectory(incoming)) {
            return;
        }
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(incoming, ".*")) {
            for (Path f : files) {
                count += PutWal.isOrphanedTemporary(f) ? 1 : 0;
            }
        } catch (IOException e) {
            addNonCritical("put-wal leftovers", false, incoming + ": " + e.getMessage());
            return;
        }
        if (count > 0) {
            addNonCritical("put-wal leftovers", false, count + " files of put-wal processes that died in "
                    + incoming + " (the next archive-wal removes them)");
        }
    }

}
