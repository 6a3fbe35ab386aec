package org.barmanj.core.drill;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.Events;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.drill.DrillReport.Check;
import org.barmanj.core.drill.DrillReport.Result;
import org.barmanj.core.fs.Durable;
import org.barmanj.core.fs.IoReason;
import org.barmanj.core.lock.LockFile;
import org.barmanj.core.postgres.ConnInfo;
import org.barmanj.core.recovery.Recovery;
import org.barmanj.core.recovery.RecoveryTarget;
import org.barmanj.core.remote.Shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code barman drill}: the backup restored into a scratch folder with {@link Recovery} (every tablespace mapped
 * into it, no standby, no get-wal: the archive's WAL files are copied, nothing reaches the primary), PostgreSQL
 * started there privately, the checks run against it, then stopped and the folder removed. The catalog is only
 * read, except for {@code drill.json} in the backup's folder, written under the backup's lock.
 *
 * <p>It runs on this host or, with {@code --remote-ssh-command}, on another one ({@link DrillHost}); either way
 * PostgreSQL is started so that it ends with this process however that ends: a killed drill leaves no server
 * running ({@link LocalDrillHost}, {@link SshDrillHost}). Its settings are given as {@code -c} flags, which win
 * over the restored {@code postgresql.auto.conf}: an own {@code config_file}, {@code hba_file}
 * ({@code local all all trust} only) and {@code ident_file}, {@code listen_addresses = ''} (no TCP port at all)
 * with the socket in {@code <scratch>/run} (0700), no archiving,
 * no replication connection, no logical replication workers, no preloaded libraries, no synchronous standbys
 * (a commit would wait for one), the log in the scratch folder, and what a restored {@code postgresql.auto.conf}
 * could set against the drill (the language and level of the log it reads, damaged pages zeroed or passed, memory).
 * {@code drill_timeout} bounds the server: each query's {@code statement_timeout} is what is left of it, then the
 * postmaster and every process of it is killed.
 */
public final class Drill {
    private static final Pattern CONSISTENT = Pattern.compile("consistent recovery state reached at ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern REDO_DONE = Pattern.compile("redo done at ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern STOPPING = Pattern.compile("recovery stopping .*");
    private static final Pattern READY = Pattern.compile("database system is ready to accept (read[ -]only )?connections");
    /** The file a drill writes first into the scratch folder it creates; only such a folder is ever removed. */
    static final String MARKER = ".barman-drill";
    /** The drill's PostgreSQL's {@code cluster_name}, how a stale one is recognised. */
    static final String CLUSTER_NAME = "barman-drill";
    static final String CLUSTER_NAME_SETTING = "cluster_name=" + CLUSTER_NAME;
    private static final Pattern FATAL = Pattern.compile("(FATAL|PANIC): .*");
    /**
     * The drill's settings written into a kept pgdata (not its own config_file, log, cluster_name, autovacuum,
     * hot_standby nor the recovery target action: a copy started by hand is a server of its own).
     */
    private static final Set<String> KEPT = Set.of("hba_file", "ident_file", "listen_addresses",
            "port", "unix_socket_directories", "unix_socket_permissions", "archive_mode", "primary_conninfo",
            "primary_slot_name", "max_logical_replication_workers", "synchronous_standby_names",
            "shared_preload_libraries", "session_preload_libraries", "local_preload_libraries", "external_pid_file",
            "ssl", "archive_cleanup_command", "recovery_end_command", "zero_damaged_pages",
            "ignore_checksum_failure", "huge_pages", "shared_buffers");

    /** What the command line asked for; {@code remoteSshCommand} null: a drill on this host. */
    public record Options(RecoveryTarget target, boolean keep, String remoteSshCommand) {
    }

    private final ServerConfig server;
    private final DrillSettings.Server settings;
    private final String barmanUser;
    private final Map<String, String> env;
    private final Events events;
    private final CatalogLayout layout;

    public Drill(ServerConfig server, DrillSettings.Server settings, String barmanUser, Map<String, String> env,
                 Events events) {
        this.server = server;
        this.settings = settings;
        this.barmanUser = barmanUser;
        this.env = env;
        this.events = events;
        this.layout = new CatalogLayout(server);
    }

    /**
     * The folder the drills of this server use on {@code host}: {@code <drill_path>/<server>}, {@code drill_path}
     * defaulting to {@code <backup_directory>/drill} here, to the host's own default on another one.
     */
    private Path scratch(DrillHost host) {
        Path home = server.barmanHome() == null ? null : Path.of(server.barmanHome());
        Path root = settings.scratchRoot(home, layout.backupDirectory());
        Path remoteDefault = settings.path() == null ? host.defaultScratchRoot() : null;
        return (remoteDefault != null ? remoteDefault : root).resolve(server.name());
    }

    /**
     * Runs a drill of {@code backup} under the server's drill lock and records the result; refusals (another drill,
     * no binaries, bad settings, root) throw before anything is touched.
     */
    public DrillReport run(BackupInfo backup, Options options) {
        settings.validate();
        if (!backup.copyDone() || backup.status() != BackupInfo.Status.DONE) {
            throw new BarmanException(ErrorCode.DRILL_REFUSED, "Cannot drill backup '" + backup.backupId()
                    + "' of server '" + server.name() + "': backup status is " + backup.statusText() + ", not DONE");
        }
        Long version = backup.get(BackupInfo.VERSION);
        if (version == null) {
            throw new BarmanException(ErrorCode.DRILL_REFUSED, "Backup " + backup.backupId() + " has no version");
        }
        int major = (int) (version / 10000);
        try (DrillHost host = options.remoteSshCommand() == null ? new LocalDrillHost()
                : SshDrillHost.open(options.remoteSshCommand())) {
            PostgresBinaries bins = host.binaries(major, settings.binPath(), server.string(Option.PATH_PREFIX), env);
            // (On another host PostgreSQL runs as the ssh command's user, who may not be root: its start fails.)
            if (host.remoteSshCommand() == null && "root".equals(System.getProperty("user.name"))) {
                throw new BarmanException(ErrorCode.DRILL_REFUSED, "PostgreSQL does not run as root: run the drill "
                        + "as the barman user (" + barmanUser + ")");
            }
            Path scratch = scratch(host);
            Path socketFile = scratch.resolve("run/.s.PGSQL." + settings.port());
            if (socketFile.toString().getBytes(StandardCharsets.UTF_8).length > 107) {
                throw new BarmanException(ErrorCode.DRILL_REFUSED, "The drill's socket " + socketFile + " is longer "
                        + "than a Unix socket path may be (107 bytes): set a shorter drill_path");
            }
            if (host.remoteSshCommand() != null && socketFile.toString().contains(":")) {
                // (ssh's forward to it is written host:port-like, as recover refuses ':' in a remote destination)
                throw new BarmanException(ErrorCode.DRILL_REFUSED, "The drill's scratch folder " + scratch + " on "
                        + "another host cannot contain the ':' character: set another drill_path");
            }
            return run(host, backup, options, bins, scratch, socketFile);
        }
    }

    private DrillReport run(DrillHost host, BackupInfo backup, Options options, PostgresBinaries bins, Path scratch,
                            Path socketFile) {
        try (LockFile lock = LockFile.tryAcquire(LockFile.of(server.lockDirectory(), server.name(), "drill"))) {
            if (lock == null) {
                throw new BarmanException(ErrorCode.DRILL_REFUSED, "Another drill is running for server "
                        + server.name());
            }
            DrillReport report = new Run(host, backup, options, bins, scratch, socketFile).execute();
            record(report);
            return report;
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Drill of server " + server.name() + " failed: "
                    + IoReason.of(e), e);
        }
    }

    /** {@code drill.json} into the backup's folder: temporary file, fsync, rename, fsync of the folder. */
    private void record(DrillReport report) throws IOException {
        Path folder = layout.backupDirectory(report.backupId());
        try (LockFile lock = LockFile.acquire(LockFile.of(server.lockDirectory(), server.name(), report.backupId()))) {
            if (!Files.isDirectory(folder)) {
                events.warning("Backup " + report.backupId() + " was deleted during the drill: result not recorded");
                return;
            }
            Path tmp = folder.resolve(DrillReport.FILE + ".tmp");
            Files.writeString(tmp, report.toJson(), StandardCharsets.UTF_8);
            Durable.syncFile(tmp);
            Files.move(tmp, folder.resolve(DrillReport.FILE), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            Durable.syncFolder(folder);
        }
    }

    /** The drill recorded for a backup, or null. */
    public static DrillReport recorded(CatalogLayout layout, String backupId) {
        Path file = layout.backupDirectory(backupId).resolve(DrillReport.FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return DrillReport.parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.CATALOG_CORRUPT, "Cannot read " + file + ": " + IoReason.of(e), e);
        }
    }

    /** One drill, from the cleanup of an earlier one to the removal of its scratch folder. */
    private final class Run {
        private final DrillHost host;
        private final BackupInfo backup;
        private final Options options;
        private final PostgresBinaries bins;
        private final Path scratch;
        private final Path pgdata;
        private final Path socketFile;
        private final Path log;
        private final List<Check> checks = new ArrayList<>();
        private final RedoTiming redo = new RedoTiming();
        private final String user;
        private DrillHost.Postmaster postgres;
        private long logOffset;
        private String consistentAt;
        private String redoDoneAt;
        /** The newest WAL segment the restore staged (highest timeline, then position), or null. */
        private String lastStaged;
        private String stoppingLine;
        private String lastFatal;
        /** The last line of the server's log read (a failure to start that is not PostgreSQL's own, say). */
        private String lastLogLine;
        private boolean ready;
        /** System.nanoTime() at which drill_timeout ends, set when PostgreSQL starts. */
        private long deadline = Long.MAX_VALUE;
        private volatile boolean timedOut;
        /** A connection error that retrying cannot cure (no such role, no such database), or null. */
        private String connectRefusal;

        Run(DrillHost host, BackupInfo backup, Options options, PostgresBinaries bins, Path scratch,
            Path socketFile) {
            this.host = host;
            this.backup = backup;
            this.options = options;
            this.bins = bins;
            this.scratch = scratch;
            this.pgdata = scratch.resolve("pgdata");
            this.socketFile = socketFile;
            this.log = scratch.resolve("postgres.log");
            String u = settings.user();
            if (u == null) {
                String conninfo = server.string(Option.CONNINFO);
                try {
                    u = conninfo == null ? null : ConnInfo.parse(conninfo).get("user");
                } catch (IllegalArgumentException e) {
                    u = null;
                }
            }
            this.user = u != null ? u : System.getProperty("user.name");
        }

        DrillReport execute() throws IOException {
            OffsetDateTime started = now();
            long t0 = System.nanoTime();
            double copy = 0;
            double replay = 0;
            double accept = 0;
            double checking = 0;
            long[] sizes = {0, 0, 0};
            boolean pitr = options.target().count() > 0 || options.target().timeline() != null;
            host.removeStale(scratch, events);
            host.createScratch(scratch, "barman drill of server " + server.name() + "\n");
            try {
                events.info("Restoring backup " + backup.backupId() + " of server " + server.name() + " into "
                        + host.describe(pgdata));
                long c0 = System.nanoTime();
                try {
                    restore();
                } catch (BarmanException e) {
                    checks.add(new Check("restore", Result.FAILED, null, firstLine(e.getMessage())));
                    skipRest("the restore failed");
                    return report(started, t0, 0, 0, 0, 0, sizes);
                }
                copy = seconds(c0);
                sizes = sizes();
                checks.add(new Check("restore", Result.OK, null, "copied in " + round(copy) + " s"));
                writeConfiguration();
                events.info("Starting PostgreSQL " + bins.version() + " on " + host.describe(socketFile.getParent()));
                long s0 = System.nanoTime();
                start(pitr);
                Double[] times = waitUntilReady(s0);
                if (times == null) {
                    checks.add(new Check("start", Result.FAILED, null, connectRefusal != null ? connectRefusal
                            : lastFatal != null ? lastFatal
                            : postgres != null && !postgres.isAlive() ? "PostgreSQL exited with code "
                            + postgres.exitValue() + (lastLogLine == null ? "" : ": " + lastLogLine)
                            : "PostgreSQL did not accept connections within " + settings.timeoutSeconds() + " s"));
                    skipRest("PostgreSQL did not start");
                    return report(started, t0, copy, seconds(s0), 0, 0, sizes);
                }
                replay = times[0];
                accept = times[1];
                checks.add(new Check("start", Result.OK, null, (consistentAt != null ? "consistent at "
                        + consistentAt + " after " + round(replay) + " s, " : "") + "accepts connections after "
                        + round(accept) + " s"));
                long k0 = System.nanoTime();
                runChecks(pitr);
                checking = seconds(k0);
                return report(started, t0, copy, replay, accept, checking, sizes);
            } catch (RuntimeException | IOException e) {
                // recorded all the same, so that check does not go on showing the previous drill's result
                String why = e instanceof IOException io ? IoReason.of(io) : e instanceof BarmanException
                        ? firstLine(e.getMessage()) : e.toString();
                checks.add(new Check("drill", Result.FAILED, null, "unexpected error: " + why));
                skipRest("the drill failed");
                return report(started, t0, copy, replay, accept, checking, sizes);
            } finally {
                stop();
                if (!options.keep()) {
                    try {
                        host.delete(scratch);
                    } catch (IOException e) {
                        events.warning("Cannot remove the drill's scratch folder " + host.describe(scratch) + ": "
                                + IoReason.of(e));
                    }
                } else {
                    keepSafely(pitr);
                    events.info("Scratch folder kept: " + host.describe(scratch));
                }
            }
        }

        private DrillReport report(OffsetDateTime started, long t0, double copy, double replay, double accept,
                                   double checking, long[] sizes) {
            RecoveryTarget t = options.target();
            String rest = t.describe(null, true);
            String target = t.count() == 0 && t.timeline() == null ? "end of the archived WAL"
                    : t.time() == null ? rest : "time: '" + t.time() + "'" + (rest.isEmpty() ? "" : ", " + rest);
            return new DrillReport(server.name(), backup.backupId(), started, now(), bins.version(), target,
                    List.copyOf(checks), new DrillReport.Figures(copy, replay, accept, checking, seconds(t0), sizes[0],
                    sizes[1], sizes[2], redo.measured()));
        }

        private void skipRest(String why) {
            for (String name : List.of("start", "recovery target", "page checksums", "amcheck")) {
                if (checks.stream().noneMatch(c -> c.name().equals(name))) {
                    checks.add(new Check(name, Result.SKIPPED, null, why));
                }
            }
            for (String p : settings.probes().keySet()) {
                if (checks.stream().noneMatch(c -> c.name().equals("probe " + p))) {
                    checks.add(new Check("probe " + p, Result.SKIPPED, null, why));
                }
            }
        }

        private void restore() {
            Map<String, String> tablespaces = new LinkedHashMap<>();
            for (BackupInfo.Tablespace t : backup.tablespaces()) {
                tablespaces.put(t.name(), scratch.resolve("tbs").resolve(String.valueOf(t.oid())).toString());
            }
            RecoveryTarget t = options.target();
            RecoveryTarget target = t.count() > 0 ? new RecoveryTarget(t.time(), t.xid(), t.lsn(), t.name(),
                    t.immediate(), t.timeline(), t.exclusive(), "promote") : t;
            Recovery.Options o = new Recovery.Options(host.remoteSshCommand(), false, target, tablespaces, false, null,
                    server.integer(Option.PARALLEL_JOBS) == null ? 1 : server.integer(Option.PARALLEL_JOBS), false,
                    barmanUser, "localhost", 0, 0, scratch.resolve("staging").toString());
            Events quiet = new Events() {
                @Override
                public void info(String message) {
                    events.debug(message);
                }

                @Override
                public void warning(String message) {
                    events.warning(message);
                }

                @Override
                public void error(String message) {
                    events.warning(message);
                }

                @Override
                public void debug(String message) {
                    events.debug(message);
                }
            };
            host.restore(new Recovery(server, backup, pgdata.toString(), o, quiet));
        }

        /** Bytes of the base backup copied, and the WAL segments staged (count, bytes). */
        private long[] sizes() throws IOException {
            long[] s = {0, 0, 0};
            host.files(scratch).forEach((file, size) -> {
                Path rel = pgdata.relativize(scratch.resolve(file));
                String first = rel.getNameCount() > 0 ? rel.getName(0).toString() : "";
                if ((first.equals("pg_wal") || first.equals("barman_wal")) && rel.getNameCount() == 2) {
                    String name = rel.getFileName().toString();
                    if (WalName.isSegment(name)) {
                        s[1]++;
                        s[2] += size;
                        if (lastStaged == null || name.compareTo(lastStaged) > 0) {
                            lastStaged = name;
                        }
                    }
                } else {
                    s[0] += size;
                }
            });
            return s;
        }

        private void writeConfiguration() throws IOException {
            Map<Path, String> files = new LinkedHashMap<>();
            files.put(scratch.resolve("drill.conf"), "# barman drill: the settings are given as -c flags\n");
            files.put(scratch.resolve("drill_hba.conf"), "local all all trust\n");
            files.put(scratch.resolve("drill_ident.conf"), "");
            host.write(files);
        }

        private void start(boolean pitr) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(bins.postgres().toString(), "-D", pgdata.toString()));
            serverSettings(pitr).forEach((k, v) -> {
                cmd.add("-c");
                cmd.add(k + "=" + v);
            });
            postgres = host.start(cmd, pgdata, log, socketFile);
            // drill_timeout bounds the whole life of the server, checks included: a probe that never ends (a read
            // on the socket waits for ever) is ended by killing the server, and its check fails.
            DrillHost.Postmaster started = postgres;
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(settings.timeoutSeconds());
            CompletableFuture.delayedExecutor(settings.timeoutSeconds(), TimeUnit.SECONDS).execute(() -> {
                if (started.isAlive()) {
                    timedOut = true;
                    events.warning("PostgreSQL of the drill still running after drill_timeout ("
                            + settings.timeoutSeconds() + " s): killed");
                    started.killAll();
                }
            });
        }

        /** The settings the drill's PostgreSQL is started with, as {@code -c} flags. */
        private Map<String, String> serverSettings(boolean pitr) {
            Map<String, String> c = new LinkedHashMap<>();
            c.put("config_file", scratch.resolve("drill.conf").toString());
            c.put("hba_file", scratch.resolve("drill_hba.conf").toString());
            c.put("ident_file", scratch.resolve("drill_ident.conf").toString());
            c.put("listen_addresses", "");
            c.put("port", String.valueOf(settings.port()));
            c.put("unix_socket_directories", scratch.resolve("run").toString());
            c.put("unix_socket_permissions", "0700");
            c.put("archive_mode", "off");
            c.put("primary_conninfo", "");
            c.put("primary_slot_name", "");
            c.put("max_logical_replication_workers", "0");
            c.put("synchronous_standby_names", "");
            c.put("hot_standby", "off");
            c.put("shared_preload_libraries", "");
            c.put("logging_collector", "off");
            c.put("log_destination", "stderr");
            c.put("external_pid_file", "");
            c.put("ssl", "off");
            c.put("cluster_name", CLUSTER_NAME);
            c.put("autovacuum", "off");
            // What a restored postgresql.auto.conf could set to subvert the drill: the log lines it reads are
            // LOG-level English messages; damaged pages must fail, not be zeroed or passed; no command may run
            // on the archive; no library may be loaded; memory as PostgreSQL's defaults, whatever the primary has.
            c.put("lc_messages", "C");
            c.put("log_min_messages", "warning");
            c.put("zero_damaged_pages", "off");
            c.put("ignore_checksum_failure", "off");
            c.put("archive_cleanup_command", "");
            c.put("recovery_end_command", "");
            c.put("session_preload_libraries", "");
            c.put("local_preload_libraries", "");
            c.put("huge_pages", "off");
            c.put("shared_buffers", "128MB");
            if (pitr && options.target().count() > 0) {
                c.put("recovery_target_action", "promote");
            }
            return c;
        }

        /**
         * The drill's safety settings appended to the kept pgdata's {@code postgresql.auto.conf}, so that the copy
         * started by hand ({@code pg_ctl -D <scratch>/pgdata start}) cannot archive, replicate, or listen on TCP.
         */
        private void keepSafely(boolean pitr) {
            StringBuilder lines = new StringBuilder("# barman drill --keep: the drill's settings, so that this copy "
                    + "cannot archive nor reach a primary\n");
            serverSettings(pitr).forEach((k, v) -> {
                if (KEPT.contains(k)) {
                    lines.append(k).append(" = '").append(v.replace("'", "''")).append("'\n");
                }
            });
            try {
                host.append(pgdata, "postgresql.auto.conf", lines.toString());
            } catch (IOException e) {
                events.warning("Cannot write the drill's settings into the kept " + pgdata
                        + "/postgresql.auto.conf: " + IoReason.of(e) + ": start it only with -c archive_mode=off");
            }
        }

        /** Seconds to consistency and to accepting connections, or null when it exited or timed out. */
        private Double[] waitUntilReady(long s0) throws IOException {
            Double consistent = null;
            while (System.nanoTime() < deadline) {
                boolean wasConsistent = consistentAt != null;
                readLog();
                if (!wasConsistent && consistentAt != null) {
                    consistent = seconds(s0);
                }
                if (ready) {
                    try (Connection ignored = connect("postgres")) {
                        double acceptTime = seconds(s0);
                        return new Double[] {consistent != null ? consistent : acceptTime, acceptTime};
                    } catch (SQLException e) {
                        if (isPermanent(e.getSQLState())) {
                            connectRefusal = "cannot connect as '" + user + "': " + firstLine(e.getMessage());
                            return null;
                        }
                        events.debug("drill: not connected yet: " + e.getMessage());
                    }
                }
                if (!postgres.isAlive()) {
                    readLog();
                    return null;
                }
                sleep(100);
            }
            return null;
        }

        /** The new lines of the server's log. */
        private void readLog() throws IOException {
            byte[] bytes = host.read(log, logOffset, 1 << 24);
            if (bytes.length == 0) {
                return;
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return;
            }
            logOffset += text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
            for (String line : text.substring(0, end).split("\n")) {
                events.debug("drill postgres: " + line);
                if (!line.isBlank()) {
                    lastLogLine = line.strip();
                }
                redo.line(line, System.nanoTime());
                Matcher m = CONSISTENT.matcher(line);
                if (m.find()) {
                    consistentAt = m.group(1);
                }
                m = REDO_DONE.matcher(line);
                if (m.find()) {
                    redoDoneAt = m.group(1);
                }
                m = STOPPING.matcher(line);
                if (m.find()) {
                    stoppingLine = m.group();
                }
                m = FATAL.matcher(line);
                if (m.find()) {
                    lastFatal = m.group();
                }
                if (READY.matcher(line).find()) {
                    ready = true;
                }
            }
        }

        private Connection connect(String database) throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", user);
            p.setProperty("socketFactory", UnixSocketFactory.class.getName());
            p.setProperty("socketFactoryArg", host.checksSocket(socketFile).toString());
            p.setProperty("sslmode", "disable");
            p.setProperty("gssEncMode", "disable");
            p.setProperty("ApplicationName", "barman drill");
            p.setProperty("connectTimeout", "10");
            // what is left of drill_timeout, so that a query that never ends fails with PostgreSQL's own reason
            p.setProperty("options", "-c statement_timeout=" + Math.min(Integer.MAX_VALUE,
                    remainingSeconds() * 1000L));
            return DriverManager.getConnection("jdbc:postgresql://localhost:" + settings.port() + "/" + database, p);
        }

        /** Whole seconds left of drill_timeout, at least 1 (0 would mean no limit to JDBC and PostgreSQL). */
        private int remainingSeconds() {
            long left = TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime());
            return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left));
        }

        /** {@code s}, which JDBC cancels once drill_timeout is over, should PostgreSQL not end it itself. */
        private <S extends Statement> S timed(S s) throws SQLException {
            s.setQueryTimeout(remainingSeconds());
            return s;
        }

        /** A check's failure; after drill_timeout (or a query cancelled by its timeout), says so first. */
        private String failure(SQLException e) {
            String why = firstLine(e.getMessage());
            boolean over = timedOut || System.nanoTime() >= deadline || "57014".equals(e.getSQLState());
            return over ? "drill_timeout (" + settings.timeoutSeconds()
                    + " s) reached: " + why : why;
        }

        private void runChecks(boolean pitr) throws IOException {
            targetCheck();
            boolean checksumsOn;
            List<String> databases = new ArrayList<>();
            try (Connection c = connect("postgres"); Statement s = timed(c.createStatement())) {
                try (ResultSet r = s.executeQuery("SHOW data_checksums")) {
                    r.next();
                    checksumsOn = "on".equals(r.getString(1));
                }
                try (ResultSet r = s.executeQuery("SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1")) {
                    while (r.next()) {
                        databases.add(r.getString(1));
                    }
                }
            } catch (SQLException e) {
                checks.add(new Check("page checksums", Result.FAILED, null, "cannot query PostgreSQL: "
                        + failure(e)));
                skipRest("PostgreSQL cannot be queried");
                return;
            }
            Path pgChecksums = bins.tool("pg_checksums");
            boolean offline = checksumsOn && pgChecksums != null;
            int checksumRow = checks.size();
            if (!offline) {
                checks.add(readEverything(databases, checksumsOn));
            }
            checks.add(amcheck(databases));
            for (Map.Entry<String, String> probe : settings.probes().entrySet()) {
                checks.add(probe(probe.getKey(), probe.getValue()));
            }
            if (offline) {
                boolean clean = stop();
                checks.add(checksumRow, clean ? pgChecksums(pgChecksums)
                        : new Check("page checksums", Result.FAILED, "pg_checksums --check",
                        "PostgreSQL did not shut down cleanly: " + (timedOut ? "killed at drill_timeout ("
                        + settings.timeoutSeconds() + " s)" : lastFatal == null ? "killed" : lastFatal)));
            }
        }

        private void targetCheck() throws IOException {
            readLog();
            RecoveryTarget t = options.target();
            String backupEnd = backup.get(BackupInfo.END_XLOG);
            if (t.count() > 0) {
                checks.add(stoppingLine != null ? new Check("recovery target", Result.OK, null, stoppingLine)
                        : new Check("recovery target", Result.FAILED, null, "the server log has no 'recovery "
                        + "stopping' line: the target was not reached" + (redoDoneAt == null ? ""
                        : " (redo done at " + redoDoneAt + ")")));
                return;
            }
            String end = redoDoneAt;
            if (end == null) {
                checks.add(new Check("recovery target", Result.OK, null, "no WAL to replay after the backup "
                        + "(backup end LSN " + backupEnd + ")"));
                return;
            }
            boolean reached = backupEnd == null || WalName.parseLsn(end) >= WalName.parseLsn(backupEnd);
            if (!reached) {
                checks.add(new Check("recovery target", Result.FAILED, null, "redo done at " + end
                        + ", before the backup end LSN " + backupEnd));
                return;
            }
            // Without a target the replay must reach the end of the archive: PostgreSQL stops at the first WAL
            // record it cannot read (a file damaged or missing) and opens all the same. The last record replayed
            // starts in the newest staged segment, unless one record spans all of it (a false alarm, not seen).
            String endSegment = lastStaged == null ? null : WalName.segmentOf(WalName.timeline(lastStaged),
                    WalName.parseLsn(end), backup.xlogSegmentSize());
            if (t.timeline() == null && endSegment != null
                    && endSegment.substring(8).compareTo(lastStaged.substring(8)) < 0) {
                checks.add(new Check("recovery target", Result.FAILED, null, "redo done at " + end + " (in "
                        + endSegment + "), before the end of the restored WAL (" + lastStaged + "): the WAL after it "
                        + "could not be replayed (a damaged or missing WAL file)"));
                return;
            }
            checks.add(new Check("recovery target", Result.OK, null, "redo done at " + end
                    + ", at or past the backup end LSN " + backupEnd + (lastStaged == null ? ""
                    : ", in the last restored WAL segment " + lastStaged)));
        }

        /**
         * Every block of every relation read through shared buffers ({@code pg_prewarm(..., 'buffer')}), which is
         * where PostgreSQL verifies page headers and, with data checksums on, checksums.
         */
        private Check readEverything(List<String> databases, boolean checksumsOn) {
            String method = "read of every relation (pg_prewarm)";
            int relations = 0;
            List<String> errors = new ArrayList<>();
            for (String db : databases) {
                try (Connection c = connect(db); Statement s = timed(c.createStatement())) {
                    s.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
                    List<String[]> rels = new ArrayList<>();
                    try (ResultSet r = s.executeQuery("SELECT c.oid, c.oid::regclass::text FROM pg_class c "
                            + "WHERE c.relkind IN ('r', 'i', 't', 'm', 'S') AND c.relpersistence <> 't' ORDER BY 1")) {
                        while (r.next()) {
                            rels.add(new String[] {r.getString(1), r.getString(2)});
                        }
                    }
                    try (PreparedStatement ps = c.prepareStatement("SELECT pg_prewarm(?::oid::regclass, 'buffer', "
                            + "'main')")) {
                        for (String[] rel : rels) {
                            ps.setString(1, rel[0]);
                            try {
                                timed(ps).executeQuery().close();
                                relations++;
                            } catch (SQLException e) {
                                errors.add(db + "." + rel[1] + ": " + failure(e));
                            }
                        }
                    }
                } catch (SQLException e) {
                    errors.add(db + ": " + failure(e));
                }
            }
            String checksums = checksumsOn ? "data checksums on" : "data checksums off: page headers only";
            if (!errors.isEmpty()) {
                return new Check("page checksums", Result.FAILED, method, errors.size() + " relation(s) unreadable, "
                        + "first: " + errors.get(0));
            }
            return new Check("page checksums", Result.OK, method, relations + " relations read in "
                    + databases.size() + " databases, " + checksums);
        }

        private Check pgChecksums(Path tool) {
            String method = "pg_checksums --check";
            try {
                Shell.Result r = host.run(List.of(tool.toString(), "--check", "-D", pgdata.toString()));
                String out = (r.out() + r.err()).strip();
                if (r.exit() == 0) {
                    String scanned = out.lines().filter(l -> l.startsWith("Blocks scanned")).findFirst()
                            .orElse("").replaceAll("\\s+", " ");
                    return new Check("page checksums", Result.OK, method, scanned.isEmpty() ? "no bad checksum"
                            : scanned.strip() + ", no bad checksum");
                }
                String bad = out.lines().filter(l -> l.startsWith("Bad checksums")).findFirst().orElse(null);
                String first = out.lines().filter(l -> l.contains("checksum verification failed")).findFirst()
                        .orElse(out.lines().findFirst().orElse("exit code " + r.exit()));
                return new Check("page checksums", Result.FAILED, method, (bad == null ? "" : bad.replaceAll("\\s+",
                        " ").strip() + ", first: ") + first);
            } catch (IOException e) {
                return new Check("page checksums", Result.FAILED, method, IoReason.of(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Check("page checksums", Result.FAILED, method, "interrupted");
            }
        }

        /** pg_amcheck of the same major when it is there, else amcheck's functions (heap from PostgreSQL 14). */
        private Check amcheck(List<String> databases) {
            int major = Integer.parseInt(bins.version().split("\\.")[0]);
            Path tool = bins.tool("pg_amcheck");
            if (tool != null) {
                String method = "pg_amcheck";
                try {
                    List<String> cmd = List.of(tool.toString(), "-h", socketFile.getParent().toString(), "-p",
                            String.valueOf(settings.port()), "-U", user, "--all", "--install-missing",
                            "--maintenance-db=postgres");
                    Shell.Result r = host.run(cmd);
                    String out = (r.out() + r.err()).strip();
                    if (r.exit() == 0) {
                        return new Check("amcheck", Result.OK, method, "heap and B-tree indexes of "
                                + databases.size() + " databases");
                    }
                    return new Check("amcheck", Result.FAILED, method, out.isEmpty() ? "exit code " + r.exit()
                            : String.join(" / ", out.lines().map(String::strip).filter(l -> !l.isEmpty()).limit(3)
                            .toList()));
                } catch (IOException e) {
                    return new Check("amcheck", Result.FAILED, method, IoReason.of(e));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new Check("amcheck", Result.FAILED, method, "interrupted");
                }
            }
            boolean heap = major >= 14;
            String method = heap ? "amcheck functions (verify_heapam, bt_index_check)"
                    : "amcheck functions (bt_index_check; no heap check before PostgreSQL 14)";
            int checked = 0;
            List<String> errors = new ArrayList<>();
            for (String db : databases) {
                try (Connection c = connect(db); Statement s = timed(c.createStatement())) {
                    s.execute("CREATE EXTENSION IF NOT EXISTS amcheck");
                    List<String[]> indexes = list(s, "SELECT c.oid, c.oid::regclass::text FROM pg_index i "
                            + "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                            + "WHERE a.amname = 'btree' AND i.indisvalid AND i.indisready AND c.relpersistence <> 't' "
                            + "ORDER BY 1");
                    for (String[] ix : indexes) {
                        try (PreparedStatement ps = c.prepareStatement("SELECT bt_index_check(?::oid::regclass)")) {
                            ps.setString(1, ix[0]);
                            timed(ps).executeQuery().close();
                            checked++;
                        } catch (SQLException e) {
                            errors.add(db + "." + ix[1] + ": " + failure(e));
                        }
                    }
                    if (heap) {
                        List<String[]> tables = list(s, "SELECT c.oid, c.oid::regclass::text FROM pg_class c "
                                + "WHERE c.relkind IN ('r', 'm', 't') AND c.relpersistence <> 't' ORDER BY 1");
                        for (String[] t : tables) {
                            try (PreparedStatement ps = c.prepareStatement("SELECT blkno, offnum, msg FROM "
                                    + "verify_heapam(?::oid::regclass) LIMIT 1")) {
                                ps.setString(1, t[0]);
                                try (ResultSet r = timed(ps).executeQuery()) {
                                    if (r.next()) {
                                        errors.add(db + "." + t[1] + " block " + r.getString(1) + ": "
                                                + r.getString(3));
                                    }
                                }
                                checked++;
                            } catch (SQLException e) {
                                errors.add(db + "." + t[1] + ": " + failure(e));
                            }
                        }
                    }
                } catch (SQLException e) {
                    errors.add(db + ": " + failure(e));
                }
            }
            if (!errors.isEmpty()) {
                return new Check("amcheck", Result.FAILED, method, errors.size() + " problem(s), first: "
                        + errors.get(0));
            }
            return new Check("amcheck", Result.OK, method, checked + " relations checked in " + databases.size()
                    + " databases");
        }

        private List<String[]> list(Statement s, String sql) throws SQLException {
            List<String[]> rows = new ArrayList<>();
            try (ResultSet r = s.executeQuery(sql)) {
                while (r.next()) {
                    rows.add(new String[] {r.getString(1), r.getString(2)});
                }
            }
            return rows;
        }

        private Check probe(String name, String sql) {
            String row = "probe " + name;
            try (Connection c = connect(settings.probeDatabase()); Statement s = timed(c.createStatement());
                 ResultSet r = s.executeQuery(sql)) {
                if (!r.next()) {
                    return new Check(row, Result.FAILED, null, "returned no row");
                }
                String v = r.getString(1);
                double n;
                try {
                    n = v == null ? 0 : Double.parseDouble(v.strip());
                } catch (NumberFormatException e) {
                    return new Check(row, Result.FAILED, null, "first column '" + v + "' is not a number");
                }
                return n > 0 ? new Check(row, Result.OK, null, "returned " + v)
                        : new Check(row, Result.FAILED, null, "returned " + v + ", expected > 0");
            } catch (SQLException e) {
                return new Check(row, Result.FAILED, null, failure(e));
            }
        }

        /**
         * Fast shutdown (SIGINT), then, after a minute, every process of the server killed ({@link DrillHost.Postmaster#killAll});
         * true when it shut down cleanly.
         */
        private boolean stop() {
            if (postgres == null) {
                return false;
            }
            DrillHost.Postmaster p = postgres;
            postgres = null;
            if (!p.isAlive()) {
                host.killLeft(pgdata);
                return false;
            }
            p.signal("INT");
            try {
                if (p.waitFor(60, TimeUnit.SECONDS)) {
                    host.killLeft(pgdata);
                    readLog();
                    // killed at drill_timeout meanwhile, an immediate shutdown may exit 0 too
                    return p.exitValue() == 0 && !timedOut;
                }
                events.warning("PostgreSQL of the drill did not stop within 60 s: killed");
                p.killAll();
            } catch (InterruptedException e) {
                p.killAll();
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                // the log is only read for the record
            }
            return false;
        }
    }

    /**
     * Whether a connection error will not go away by retrying: SQLSTATE class 28 (invalid authorization: no such
     * role, refused by hba) or 3D000 (no such database).
     */
    static boolean isPermanent(String sqlState) {
        return sqlState != null && (sqlState.startsWith("28") || sqlState.equals("3D000"));
    }

    /**
     * Whether a live process is the PostgreSQL of a drill in {@code pgdata}: its working folder is that PGDATA
     * (the postmaster changes into it) and its command line has the drill's {@code cluster_name} setting.
     */
    static boolean isDrillPostmaster(Path cwd, Path pgdata, List<String> cmdline) {
        return cwd != null && cwd.equals(pgdata) && cmdline.contains(CLUSTER_NAME_SETTING);
    }

    /** Whether a {@code /proc/<pid>/stat} line is of a zombie or dead process (state after the command's ')'). */
    static boolean isZombie(String stat) {
        int i = stat.lastIndexOf(')');
        String state = i < 0 ? "" : stat.substring(i + 1).strip();
        return state.startsWith("Z") || state.startsWith("X");
    }

    /** The refusal to remove a folder that is not a drill's. */
    static BarmanException notScratch(Path scratch) {
        return new BarmanException(ErrorCode.DRILL_REFUSED, "Refusing to remove " + scratch + ": it is not a "
                + "drill's scratch folder (a symbolic link, not a folder, or no " + MARKER + " file in it)");
    }

    /** The refusal to remove a drill's folder where a process other than the drill's PostgreSQL runs. */
    static BarmanException foreignProcess(Path scratch, long pid) {
        return new BarmanException(ErrorCode.DRILL_REFUSED, "Refusing to remove " + scratch + ": its postmaster.pid "
                + "names a live process (pid " + pid + ") that is not the drill's PostgreSQL");
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BarmanException(ErrorCode.IO, "Drill interrupted", e);
        }
    }

    private static OffsetDateTime now() {
        return ZonedDateTime.now().toOffsetDateTime();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static String round(double s) {
        return String.format(java.util.Locale.ROOT, "%.1f", s);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        return s.strip().lines().findFirst().orElse(s);
    }
}
