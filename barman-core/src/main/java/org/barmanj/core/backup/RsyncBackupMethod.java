package org.barmanj.core.backup;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.postgres.BackupControl;
import org.barmanj.core.postgres.PostgresConnection;
import org.barmanj.core.postgres.PostgresPlumbing;
import org.barmanj.core.remote.Rsync;
import org.barmanj.core.remote.SharedConnection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code backup_method = rsync} with {@code concurrent_backup} (Barman's {@code RsyncBackupExecutor}, spec §7.2):
 * the backup started and stopped on a PostgreSQL session ({@link ConcurrentBackupStrategy}), the files copied by
 * rsync over {@code ssh_command}, in parallel jobs when asked, reusing the previous backup's files as
 * {@code reuse_backup} says.
 */
public final class RsyncBackupMethod implements BackupMethod {
    /** Barman 3.17's default {@code keepalive_interval}. */
    private static final int DEFAULT_KEEPALIVE_SECONDS = 60;

    private final ServerConfig server;
    private final BackupOptions options;
    private final Map<String, String> env;
    private final String userHome;
    private final Rsync rsync;
    private volatile PostgresConnection connection;

    /**
     * {@code sshConnection} is the caller's, over the server's {@code ssh_command}: its short commands (the file
     * listing for parallel jobs, files outside PGDATA) ride it; the caller closes it.
     */
    public RsyncBackupMethod(ServerConfig server, BackupOptions options, Map<String, String> env, String userHome,
                             SharedConnection sshConnection) {
        this.server = server;
        this.options = options;
        this.env = env;
        this.userHome = userHome;
        this.rsync = new Rsync(sshConnection, server.flag(Option.NETWORK_COMPRESSION));
    }

    @Override
    public String mode() {
        return "rsync-concurrent";
    }

    @Override
    public String connect() {
        connection = PostgresConnection.open(server, env, userHome);
        return connection.value("SELECT system_identifier::text FROM pg_control_system()");
    }

    @Override
    public void backup(BackupJob.Context context) throws IOException, InterruptedException {
        ConcurrentBackupStrategy strategy = new ConcurrentBackupStrategy(connection);
        BackupControl.ServerFacts facts = strategy.start(context, options.immediateCheckpoint());
        context.purgeIfFirst();

        context.action("copying files");
        context.events().info("Starting backup copy via rsync/SSH for " + context.info().backupId()
                + (options.jobs() > 1 ? " (" + options.jobs() + " jobs)" : ""));
        Exception copyFailure = null;
        Integer keepalive = server.integer(Option.KEEPALIVE_INTERVAL);
        AutoCloseable pings = strategy.keepAlive(keepalive == null ? DEFAULT_KEEPALIVE_SECONDS : keepalive,
                context.events());
        try {
            context.copyDone(copy(context, strategy, facts));
            context.purgeIfFirst();
            context.action("issuing stop of the backup");
        } catch (IOException e) {
            copyFailure = e;
        } catch (BarmanException e) {
            if (e.code() != ErrorCode.RSYNC) {
                throw e;
            }
            copyFailure = e;
        } finally {
            closeQuietly(pings);
            if (copyFailure != null) {
                context.events().error("The backup has failed copying files");
            }
            context.events().info("Asking PostgreSQL server to finalize the backup.");
        }
        String copyAction = context.action();
        String label = strategy.stop(context);
        context.action("writing backup label");
        Path labelFile = context.directory().resolve("data").resolve("backup_label");
        if (copyFailure != null) {
            // The copy's failure is the one to report (a full disk, say, also fails this write).
            context.action(copyAction);
            writeQuietly(labelFile, label);
            if (copyFailure instanceof IOException io) {
                throw io;
            }
            throw (BarmanException) copyFailure;
        }
        Files.createDirectories(labelFile.getParent());
        Files.writeString(labelFile, label, StandardCharsets.UTF_8);
        // The backup folder is made durable and measured while PostgreSQL archives the last segment.
        context.filesWritten();
        strategy.awaitLastSegment(context);
        close();
    }

    private static void closeQuietly(AutoCloseable pings) throws InterruptedException {
        try {
            pings.close();
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, Object> copy(BackupJob.Context context, ConcurrentBackupStrategy strategy,
                                     BackupControl.ServerFacts facts) throws IOException, InterruptedException {
        BackupInfo info = context.info();
        Path backupDir = context.directory();
        Path data = backupDir.resolve("data");
        BackupInfo previous = options.reuse().equals("off") ? null : context.previousBackup();
        Path previousDir = previous == null ? null : backupDir.resolveSibling(previous.backupId());
        // previousBackup() only returns a backup with a begin time: its safe horizon.
        Long horizon = previous == null ? null : previous.beginTime().orElseThrow().toEpochSecond();
        long started = System.nanoTime();
        RsyncCopy copy;
        try (EarlySync early = new EarlySync()) {
            copy = new RsyncCopy(rsync, options.jobs(), options.retryTimes(), options.retrySleepSeconds(), early);
            List<String> protect = new ArrayList<>();
            Map<String, Integer> tablespaceLimits = tablespaceLimits();
            for (BackupInfo.Tablespace t : facts.tablespaces()) {
                if (t.location().startsWith(facts.dataDirectory() + "/")) {
                    protect.add("--exclude=" + t.location().substring(facts.dataDirectory().length()));
                }
                protect.add("--exclude=/pg_tblspc/" + t.oid());
                List<String> filters = new ArrayList<>(List.of("--include=/" + PostgresPlumbing.tablespaceVersionFolder(facts.version()), "--exclude=/*"));
                PostgresPlumbing.EXCLUDES.forEach(x -> filters.add("--exclude=" + x));
                Integer limit = tablespaceLimits.getOrDefault(t.name(), options.bwlimit());
                Path dest = backupDir.resolve(String.valueOf(t.oid()));
                copy.folder(t.name(), rsync.remote(t.location() + "/"), Rsync.into(dest), dest, filters, limit,
                        previousDir == null ? null : previousDir.resolve(String.valueOf(t.oid())), options.reuse(),
                        horizon);
            }
            List<String> filters = new ArrayList<>();
            PostgresPlumbing.PGDATA_EXCLUDES.forEach(x -> filters.add("--exclude=" + x));
            PostgresPlumbing.EXCLUDES.forEach(x -> filters.add("--exclude=" + x));
            filters.addAll(protect);
            copy.folder("pgdata", rsync.remote(facts.dataDirectory() + "/"), Rsync.into(data), data, filters,
                    options.bwlimit(),
                    previousDir == null ? null : previousDir.resolve("data"), options.reuse(), horizon);
            byte[] pgControl = strategy.readControlFile();
            if (pgControl != null) {
                // Read on the open session (a superuser's right): no ssh connection for one 8 kB file.
                copy.write("pg_control", data.resolve("global").resolve("pg_control"), pgControl);
            } else {
                copy.files("pg_control", List.of(facts.dataDirectory() + "/global/pg_control"), data.resolve("global"),
                        options.bwlimit());
            }
            List<String> external = new ArrayList<>();
            for (String key : List.of("config_file", "hba_file", "ident_file")) {
                String file = info.raw(key);
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
        return stats;
    }

    private Map<String, Integer> tablespaceLimits() {
        Object limits = server.get(Option.TABLESPACE_BANDWIDTH_LIMIT);
        Map<String, Integer> result = new LinkedHashMap<>();
        if (limits instanceof Map<?, ?> m) {
            m.forEach((k, v) -> result.put(String.valueOf(k), ((Number) v).intValue()));
        }
        return result;
    }

    @Override
    public void abort() {
        rsync.killAll();
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

    private static void writeQuietly(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            // The backup is failing already; this write only helps people looking at it.
        }
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1e6) / 1e6;
    }
}
