package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.config.BackupCompression;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.postgres.BackupControl;
import org.barmanj.core.remote.Shell;
import org.barmanj.core.postgres.PgBaseBackup;
import org.barmanj.core.postgres.PostgresConnection;
import org.barmanj.core.postgres.PostgresPlumbing;
import org.barmanj.core.process.ChildProcesses;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code backup_method = postgres} (Barman's {@code PostgresBackupExecutor} with its {@code PostgresBackupStrategy}):
 * {@code pg_basebackup} copies the cluster over the replication protocol ({@code streaming_conninfo}) in plain
 * format into the backup's {@code data} folder, each tablespace mapped into {@code base/<id>/<oid>} as rsync
 * backups lay them out, without WAL (the archive has it). The begin of the backup is the server's WAL position
 * before the copy, corrected from the {@code backup_label} pg_basebackup writes; the end is the position after it.
 * With {@code backup_compression} ({@link BackupCompression}) pg_basebackup writes its compressed tar format into
 * {@code data} instead ({@code base.tar.gz}, {@code <oid>.tar.gz}, {@code backup_manifest}), backup.info records the
 * {@code compression} and the {@code backup_label} is read from the base tarball, as Barman 3.4 does.
 */
public final class PostgresBackupMethod implements BackupMethod {
    private static final Pattern START_WAL = Pattern.compile("(?m)^START WAL LOCATION: (.*) \\(file (.*)\\)");
    private static final Pattern START_TIME = Pattern.compile("(?m)^START TIME: (.*)");
    /** How much of pg_basebackup's stderr a failure shows. */
    private static final int ERROR_LINES = 20;

    private final ServerConfig server;
    private final BackupOptions options;
    private final Map<String, String> env;
    private final String userHome;
    private final PgBaseBackup pgBaseBackup;
    /** Null without {@code backup_compression}. */
    private final BackupCompression compression;
    private volatile PostgresConnection connection;
    private volatile Process running;
    private volatile boolean aborted;

    /** {@code pgBaseBackup}: the one found for the server ({@link PgBaseBackup#find}), checked compatible. */
    public PostgresBackupMethod(ServerConfig server, BackupOptions options, Map<String, String> env, String userHome,
                                PgBaseBackup pgBaseBackup) {
        this.server = server;
        this.options = options;
        this.env = env;
        this.userHome = userHome;
        this.pgBaseBackup = pgBaseBackup;
        this.compression = BackupCompression.of(server);
    }

    /**
     * Barman 3.4's validation of {@code backup_compression} against the versions of PostgreSQL (from the remote
     * status, when reached) and of the pg_basebackup found: its lines, empty when none applies. The rules needing no
     * version also disable the server when the configuration is read ({@code BarmanConfig}).
     */
    public static List<String> compressionIssues(ServerConfig server, Map<String, String> env,
                                                 Map<String, Object> remote) {
        BackupCompression compression = BackupCompression.of(server);
        if (compression == null || !"postgres".equals(server.string(Option.BACKUP_METHOD))) {
            return List.of();
        }
        String serverVersion = remote == null ? null : (String) remote.get("server_txt_version");
        if (serverVersion == null) {
            // Barman validates nothing then ("Could not validate compression", in its log only).
            return compression.issues(null, null);
        }
        PgBaseBackup found = PgBaseBackup.find(server.string(Option.PATH_PREFIX), env);
        return compression.issues(PgBaseBackup.versionNum(serverVersion),
                found == null || found.version() == null ? null : found.versionNum());
    }

    /**
     * Ours, before Barman's "Impossible to start the backup": why pg_basebackup cannot back up this server (none
     * found, or older than the server), naming both versions; null when it can or when PostgreSQL is not reached
     * (other checks tell that). {@code remote}: the remote status the checks used.
     */
    public static String refusal(ServerConfig server, Map<String, String> env, Map<String, Object> remote) {
        if (!"postgres".equals(server.string(Option.BACKUP_METHOD))) {
            return null;
        }
        PgBaseBackup found = PgBaseBackup.find(server.string(Option.PATH_PREFIX), env);
        if (found == null) {
            return "backup_method = postgres needs pg_basebackup, found neither in path_prefix nor in PATH (server "
                    + server.name() + ")";
        }
        String serverVersion = remote == null ? null : (String) remote.get("server_txt_version");
        if (serverVersion == null || !Boolean.FALSE.equals(found.compatibleWith(serverVersion))) {
            return null;
        }
        return "pg_basebackup " + found.version() + " (" + found.path() + ") cannot back up PostgreSQL "
                + serverVersion + " (server " + server.name() + "): backup_method = postgres needs pg_basebackup "
                + PostgresPlumbing.majorText(PgBaseBackup.versionNum(serverVersion)) + " or later (path_prefix "
                + "is searched before PATH)";
    }

    @Override
    public String mode() {
        return "postgres";
    }

    @Override
    public String connect() {
        connection = PostgresConnection.open(server, env, userHome);
        return connection.value("SELECT system_identifier::text FROM pg_control_system()");
    }

    @Override
    public void backup(BackupJob.Context context) throws IOException, InterruptedException {
        BackupInfo info = context.info();
        BackupControl control = new BackupControl(connection);
        context.action("initialising postgres backup_method");
        BackupControl.ServerFacts facts = ConcurrentBackupStrategy.recordFacts(context, control);
        context.action("issuing start backup command");
        BackupControl.Position begin = control.current();
        info.set(BackupInfo.BEGIN_TIME, PyDateTime.parse(begin.timestamp()));
        info.set(BackupInfo.BEGIN_XLOG, begin.lsn());
        info.set(BackupInfo.BEGIN_WAL, begin.walName());
        info.set(BackupInfo.BEGIN_OFFSET, begin.offset());
        info.set(BackupInfo.TIMELINE, (long) WalName.timeline(begin.walName()));
        context.started();

        context.action("copying files");
        context.events().info("Starting backup copy via pg_basebackup for " + info.backupId());
        Path data = context.directory().resolve("data");
        Map<String, Path> mapping = new LinkedHashMap<>();
        for (BackupInfo.Tablespace t : facts.tablespaces()) {
            mapping.put(t.location(), context.directory().resolve(String.valueOf(t.oid())));
        }
        long started = System.nanoTime();
        copy(context, data, mapping);
        double seconds = Math.round((System.nanoTime() - started) / 1000.0) / 1e6;
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("copy_time", seconds);
        stats.put("total_time", seconds);
        context.copyDone(stats);
        warnExternalConfiguration(context, facts);

        context.action("reading the backup label");
        String label;
        if (compression != null && compression.tarball()) {
            info.set(BackupInfo.COMPRESSION, compression.type().barmanName());
            label = compressedBackupLabel(data.resolve(compression.type().fileName("base")));
        } else {
            label = Files.readString(data.resolve("backup_label"), StandardCharsets.UTF_8);
        }
        info.set(BackupInfo.BACKUP_LABEL, label);
        fromBackupLabel(info, label, facts.segmentSize());

        context.action("stopping postgres backup_method");
        context.events().info("Finalising the backup.");
        BackupControl.Position end = control.current();
        info.set(BackupInfo.END_TIME, PyDateTime.parse(end.timestamp()));
        info.set(BackupInfo.END_XLOG, end.lsn());
        info.set(BackupInfo.END_WAL, end.walName());
        info.set(BackupInfo.END_OFFSET, end.offset());
        control.switchWal();
        context.purgeIfFirst();
        context.filesWritten();
        // No wait for the archiving, as Barman: without WAL (no NOWAIT), pg_basebackup has the server wait until
        // the backup's last segment and then its .backup file are archived. Polling pg_stat_archiver after that
        // waits for a file later than the .backup file, which may come only with the server's next segment.
        control.createRestorePoint("barman_" + info.backupId());
        close();
    }

    /**
     * Barman's reading of the {@code backup_label}: timeline and begin position from its START WAL LOCATION (the
     * begin time stays the one recorded before the copy, as Barman's; a label without START TIME is refused).
     */
    static void fromBackupLabel(BackupInfo info, String label, long segmentSize) {
        Matcher wal = START_WAL.matcher(label);
        Matcher time = START_TIME.matcher(label);
        if (!wal.find() || !time.find()) {
            throw new BarmanException(ErrorCode.BACKUP_FAILED, "Failure parsing backup_label for backup "
                    + info.backupId());
        }
        info.set(BackupInfo.TIMELINE, (long) WalName.timeline(wal.group(2)));
        info.set(BackupInfo.BEGIN_XLOG, wal.group(1));
        info.set(BackupInfo.BEGIN_WAL, wal.group(2));
        info.set(BackupInfo.BEGIN_OFFSET, WalName.parseLsn(wal.group(1)) % segmentSize);
    }

    /** The {@code backup_label} in the base tarball, read with tar as Barman does. */
    private String compressedBackupLabel(Path tarball) throws IOException, InterruptedException {
        Shell.Result r = Shell.run(null, Shell.quoteAll(compression.type().readMemberCommand(tarball.toString(),
                "backup_label")), env);
        if (r.exit() == 0) {
            return r.out();
        }
        if (r.err().contains("Not found in archive")) {
            throw new BarmanException(ErrorCode.BACKUP_FAILED, "Could not find backup_label in " + tarball);
        }
        throw new BarmanException(ErrorCode.BACKUP_FAILED, "Error reading backup_label into archive " + tarball
                + ": (" + r.err().strip() + ")");
    }

    /** pg_basebackup, retried {@code basebackup_retry_times} times from empty folders, as Barman does. */
    private void copy(BackupJob.Context context, Path data, Map<String, Path> mapping)
            throws IOException, InterruptedException {
        List<String> command = pgBaseBackup.arguments(server.string(Option.STREAMING_CONNINFO),
                server.string(Option.STREAMING_BACKUP_NAME), data, mapping, options.bwlimit(),
                options.immediateCheckpoint());
        if (compression != null) {
            // Barman's order: the compression's arguments come last.
            command.addAll(compression.arguments(pgBaseBackup.versionNum()));
        }
        for (int attempt = 0; ; attempt++) {
            prepare(data, mapping);
            String failure = run(command, context);
            if (failure == null) {
                return;
            }
            if (aborted || attempt >= options.retryTimes()) {
                context.events().error("pg_basebackup error:\n" + failure);
                throw new BarmanException(ErrorCode.BACKUP_FAILED, "data transfer failure on directory '" + data
                        + "'");
            }
            context.events().warning("Failure executing a backup using pg_basebackup (attempt " + attempt + ")");
            context.events().warning("The files copied so far will be removed and the backup process will restart "
                    + "in " + options.retrySleepSeconds() + " seconds");
            Thread.sleep(options.retrySleepSeconds() * 1000L);
        }
    }

    /** Empty folders, mode 0700, for PGDATA and each tablespace. */
    private static void prepare(Path data, Map<String, Path> mapping) throws IOException {
        for (Path dir : Stream.concat(Stream.of(data), mapping.values().stream()).toList()) {
            deleteTree(dir);
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Runs pg_basebackup; its lines go to the debug output. Returns null, or its last lines when it failed. */
    private String run(List<String> command, BackupJob.Context context) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = ChildProcesses.start(pb);
        running = p;
        if (aborted) {
            p.destroyForcibly();
        }
        Deque<String> tail = new ArrayDeque<>();
        try (InputStream in = p.getInputStream();
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                context.events().debug(line);
                tail.addLast(line);
                if (tail.size() > ERROR_LINES) {
                    tail.removeFirst();
                }
            }
        }
        int exit = p.waitFor();
        running = null;
        if (exit == 0) {
            return null;
        }
        return String.join("\n", tail) + (tail.isEmpty() ? "" : "\n") + "(exit code " + exit + ")";
    }

    /** pg_basebackup copies PGDATA only: Barman tells which configuration files live elsewhere. */
    private void warnExternalConfiguration(BackupJob.Context context, BackupControl.ServerFacts facts) {
        StringBuilder files = new StringBuilder();
        for (String file : Stream.concat(Stream.of(facts.configFile(), facts.hbaFile(), facts.identFile()),
                facts.includedFiles().stream()).toList()) {
            if (file != null && !file.startsWith(facts.dataDirectory() + "/")) {
                files.append(files.length() == 0 ? "" : "\n\t").append(file);
            }
        }
        if (files.length() == 0) {
            return;
        }
        String message = "pg_basebackup does not copy the PostgreSQL configuration files that reside outside PGDATA. "
                + "Please manually backup the following files:\n\t" + files + "\n";
        if (server.words(Option.BACKUP_OPTIONS).contains("external_configuration")) {
            context.events().debug(message);
        } else {
            context.events().warning(message);
        }
    }

    @Override
    public void abort() {
        aborted = true;
        Process p = running;
        if (p != null) {
            p.destroyForcibly();
        }
        close();
    }

    @Override
    public void close() {
        PostgresConnection c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
    }
}
