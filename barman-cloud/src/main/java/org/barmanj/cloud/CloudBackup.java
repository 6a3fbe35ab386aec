package org.barmanj.cloud;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.postgres.BackupControl;
import org.barmanj.core.postgres.PostgresConnection;

/**
 * barman-cloud-backup: a concurrent backup of a live PostgreSQL server streamed to PREFIX/SERVER/base/ID/ as
 * Barman 3.4's CloudBackupUploader writes it: one tar per tablespace (named by its OID), {@code data.tar} for
 * PGDATA (then {@code global/pg_control}, external configuration files, {@code backup_label}), split into
 * {@code NAME_0001.tar}... once an archive passes {@code --max-archive-size}, compressed on the fly, uploaded as
 * multipart uploads by {@code -J} workers ({@link MultipartUpload}); backup.info last, FAILED with the error when
 * something went wrong after the start.
 */
public final class CloudBackup {
    static final String PROG = "barman-cloud-backup";
    private static final String DESCRIPTION = "This script can be used to perform a backup of a local PostgreSQL"
            + " instance and ship the resulting tarball(s) to the Cloud. barmanj supports the aws-s3 cloud provider.";
    static final int MIN_CHUNK_SIZE = 5 << 20;
    static final int MAX_CHUNKS_PER_FILE = 10000;
    static final long MAX_ARCHIVE_SIZE = 1L << 40;

    private static final List<CloudOption> OPTIONS = List.of(
            CloudCompression.GZIP.option("the WAL"), CloudCompression.BZIP2.option("the WAL"),
            CloudCompression.SNAPPY.option("the WAL"),
            CloudOption.value("HOST", "host or Unix socket for PostgreSQL connection (default: libpq settings)",
                    "-h", "--host"),
            CloudOption.value("PORT", "port for PostgreSQL connection (default: libpq settings)", "-p", "--port"),
            CloudOption.value("USER", "user name for PostgreSQL connection (default: libpq settings)",
                    "-U", "--user"),
            CloudOption.flag("forces the initial checkpoint to be done as quickly as possible",
                    "--immediate-checkpoint"),
            CloudOption.value("JOBS", "number of subprocesses to upload data to cloud storage (default: 2)",
                    "-J", "--jobs"),
            CloudOption.value("MAX_ARCHIVE_SIZE", "maximum size of an archive when uploading to cloud storage"
                    + " (default: 100GB)", "-S", "--max-archive-size"),
            CloudOption.value("DBNAME", "Database name or conninfo string for Postgres connection (default:"
                    + " postgres)", "-d", "--dbname"),
            CloudOption.value("BACKUP_NAME", "a name which can be used to reference this backup in commands such as"
                    + " barman-cloud-restore and barman-cloud-backup-delete", "-n", "--name"),
            CloudOption.value("SNAPSHOT_INSTANCE", "Instance where the disks to be backed up as snapshots are"
                    + " attached (barmanj: snapshot backups are not implemented)", "--snapshot-instance"),
            CloudOption.value("NAME", "Name of a disk from which snapshots should be taken (barmanj: not"
                    + " implemented)", "--snapshot-disk"),
            CloudOption.value("SNAPSHOT_ZONE", "Zone of the disks from which snapshots should be taken (barmanj:"
                    + " not implemented)", "--snapshot-zone"),
            CloudOption.value("SNAPSHOT_GCP_PROJECT", "GCP project under which disk snapshots should be stored"
                    + " (barmanj: not implemented)", "--snapshot-gcp-project"),
            CloudOption.tags("TAGS", "Tags to be added to all uploaded files in cloud storage", "--tags"),
            CloudArgs.ENCRYPTION);

    /** Barman's PGDATA_EXCLUDE_LIST and EXCLUDE_LIST (postgres_plumbing.py), rsync-like rules. */
    static final List<String> PGDATA_EXCLUDE = List.of("/pg_log/*", "/log/*", "/pg_xlog/*", "/pg_wal/*",
            "/global/pg_control");
    static final List<String> EXCLUDE = List.of("pgsql_tmp*", "postgresql.auto.conf.tmp", "current_logfiles.tmp",
            "pg_internal.init", "postmaster.pid", "postmaster.opts", "recovery.conf", "standby.signal",
            "pg_dynshmem/*", "pg_notify/*", "pg_replslot/*", "pg_serial/*", "pg_stat_tmp/*", "pg_snapshots/*",
            "pg_subtrans/*");

    private CloudBackup() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = new CloudArgs(PROG, DESCRIPTION, List.of(CloudArgs.url("destination"),
                    CloudArgs.SERVER_NAME), 2, OPTIONS).parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            int jobs = positive(args, "--jobs", "2");
            long maxArchiveSize = size(args, args.values.getOrDefault("--max-archive-size", "100GB"));
            String name = args.value("--name");
            if (name != null) {
                if (name.isEmpty()) {
                    args.fail(System.err, "argument -n/--name: Backup name cannot be empty");
                }
                if (BackupCatalog.isBackupId(name)) {
                    args.fail(System.err, "argument -n/--name: Backup name '" + name + "' is not allowed: backup ID");
                }
                if (List.of("latest", "last", "oldest", "first", "last-failed").contains(name)) {
                    args.fail(System.err, "argument -n/--name: Backup name '" + name
                            + "' is not allowed: reserved word");
                }
            }
            return backup(args, jobs, maxArchiveSize, name);
        } catch (CloudExit e) {
            return e.code;
        }
    }

    private static int positive(CloudArgs args, String option, String dflt) {
        String v = args.values.getOrDefault(option, dflt);
        int n;
        try {
            n = Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            args.fail(System.err, "argument -J/--jobs: '" + v + "' is not a valid input");
            return 0;
        }
        if (n < 1) {
            args.fail(System.err, "argument -J/--jobs: '" + v + "' is not a valid positive integer");
        }
        return n;
    }

    /** Barman's check_size: {@code 100GB} (base 1024), {@code 1GiB} (base 1000, as Barman reads it), or bytes. */
    static long size(CloudArgs args, String value) {
        String v = value.toUpperCase(java.util.Locale.ROOT);
        long result;
        try {
            if (v.endsWith("B")) {
                int base = v.length() >= 2 && v.charAt(v.length() - 2) == 'I' ? 1000 : 1024;
                int idx = base == 1000 ? 3 : 2;
                long multiplier = base;
                Long found = null;
                if (v.length() >= idx) {
                    for (char prefix : "KMGTPEZY".toCharArray()) {
                        if (v.charAt(v.length() - idx) == prefix) {
                            found = (long) (Double.parseDouble(v.substring(0, v.length() - idx)) * multiplier);
                            break;
                        }
                        multiplier *= base;
                    }
                }
                result = found != null ? found : Long.parseLong(v.substring(0, v.length() - idx + 1));
            } else {
                result = Long.parseLong(v);
            }
        } catch (RuntimeException e) {
            args.fail(System.err, "argument -S/--max-archive-size: '" + v + "' is not a valid size string");
            return 0;
        }
        if (result < 1) {
            args.fail(System.err, "argument -S/--max-archive-size: '" + v + "' is not a valid size string");
        }
        return result;
    }

    /** Barman's build_conninfo: -d as a conninfo when it has '=', else host/port/user/dbname. */
    static String conninfo(CloudArgs args) {
        String dbname = args.values.getOrDefault("--dbname", "postgres");
        if (dbname.isEmpty() || dbname.contains("=")) {
            return dbname;
        }
        List<String> parts = new ArrayList<>();
        for (String[] kv : new String[][] {{"host", args.value("--host")}, {"port", args.value("--port")},
                {"user", args.value("--user")}, {"dbname", dbname}}) {
            if (kv[1] != null && !kv[1].isEmpty()) {
                parts.add(kv[0] + "=" + quote(kv[1]));
            }
        }
        return String.join(" ", parts);
    }

    private static String quote(String v) {
        if (!v.matches("(?s).*\\s.*")) {
            return v;
        }
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static int backup(CloudArgs args, int jobs, long maxArchiveSize, String name) {
        for (String snapshot : List.of("--snapshot-instance", "--snapshot-disk", "--snapshot-zone",
                "--snapshot-gcp-project")) {
            if (args.value(snapshot) != null) {
                CloudLog.error("Barman cloud backup exception: snapshot backups (" + snapshot
                        + ") are not implemented by barmanj");
                return CloudExit.GENERAL;
            }
        }
        return CloudCommand.run(args, "backup", CloudCommand.Bucket.CREATE, cloud -> {
            cloud.encryption = args.value("--encryption");
            if (hookScript(System.getenv())) {
                return hook(args, cloud, jobs, maxArchiveSize, name, System.getenv());
            }
            String conninfo = conninfo(args);
            if (!conninfo.contains("application_name")) {
                conninfo = (conninfo.isEmpty() ? "" : conninfo + " ") + "application_name=barman_cloud_backup";
            }
            PostgresConnection pg;
            try {
                pg = PostgresConnection.open(conninfo, System.getenv(), System.getProperty("user.home"), 30);
            } catch (RuntimeException e) {
                CloudLog.error("Cannot connect to postgres: " + S3Cloud.describe(e));
                return CloudExit.OPERATION;
            }
            try (pg) {
                abortLeftovers(cloud, pg, args.positionals.get(1));
                Upload upload = new Upload(cloud, args.positionals.get(1), compression(args), jobs,
                        maxArchiveSize, args.tagLists.get("--tags"), name);
                upload.immediate = args.setFlags.contains("--immediate-checkpoint");
                return upload.backup(pg);
            }
        });
    }

    /**
     * Barman 3.4's hook-script test: BARMAN_HOOK and BARMAN_PHASE both set mean a hook, which must be the
     * {@code post} phase of {@code backup_script} or {@code backup_retry_script}.
     */
    static boolean hookScript(Map<String, String> env) {
        String hook = env.get("BARMAN_HOOK");
        String phase = env.get("BARMAN_PHASE");
        if (hook == null || phase == null) {
            return false;
        }
        if ((hook.equals("backup_script") || hook.equals("backup_retry_script")) && phase.equals("post")) {
            return true;
        }
        throw new IllegalStateException(PROG + " called as unsupported hook script: " + phase + "_" + hook);
    }

    /**
     * Hook mode: the finished backup BARMAN_BACKUP_ID of Barman's catalog, from BARMAN_BACKUP_DIR (its
     * {@code data/}, its tablespaces' {@code OID/} directories and its backup.info) instead of a live server.
     * A backup that is not DONE exits 63 (a retry script's "abort, stop": Barman does not run it again).
     */
    private static int hook(CloudArgs args, S3Cloud cloud, int jobs, long maxArchiveSize, String name,
            Map<String, String> env) throws Exception {
        if (name != null) {
            throw new IllegalStateException("Cannot set backup name when running as a hook script");
        }
        String dir = env.get("BARMAN_BACKUP_DIR");
        if (dir == null) {
            throw new IllegalStateException("BARMAN_BACKUP_DIR environment variable not set");
        }
        String id = env.get("BARMAN_BACKUP_ID");
        if (id == null) {
            throw new IllegalStateException("BARMAN_BACKUP_ID environment variable not set");
        }
        if (!"DONE".equals(env.get("BARMAN_STATUS"))) {
            CloudLog.error("Barman cloud backup exception: backup in '" + dir + "' has status '"
                    + env.get("BARMAN_STATUS") + "' (status should be: DONE)");
            return UNRECOVERABLE_HOOK;
        }
        Upload upload = new Upload(cloud, args.positionals.get(1), compression(args), jobs, maxArchiveSize,
                args.tagLists.get("--tags"), null);
        return upload.backupBarman(Path.of(dir), id);
    }

    /** Barman's exit code for UnrecoverableHookScriptError: the retry hooks' ABORT_STOP. */
    static final int UNRECOVERABLE_HOOK = 63;

    /** Python's str() of a naive datetime. */
    static String pyStr(LocalDateTime t) {
        return t.format(DateTimeFormatter.ofPattern(t.getNano() / 1000 == 0 ? "yyyy-MM-dd HH:mm:ss"
                : "yyyy-MM-dd HH:mm:ss.SSSSSS"));
    }

    /**
     * The multipart uploads an earlier backup of this server could not abort ({@link StaleUploads}), unless
     * another barman-cloud-backup (ours or Barman's: both connect as application_name barman_cloud_backup) is
     * connected to this PostgreSQL now: its uploads are in progress, not left over.
     */
    private static void abortLeftovers(S3Cloud cloud, PostgresConnection pg, String server) {
        String others = pg.value("SELECT count(*) FROM pg_stat_activity WHERE application_name ="
                + " 'barman_cloud_backup' AND pid <> pg_backend_pid()");
        if (!"0".equals(others)) {
            CloudLog.info("Another barman-cloud-backup is connected to PostgreSQL: incomplete multipart uploads"
                    + " of earlier backups are left alone");
            return;
        }
        int n = StaleUploads.abortLeftovers(cloud, server);
        if (n > 0) {
            CloudLog.info("Aborted " + n + " incomplete multipart upload(s) left by earlier backups");
        }
    }

    private static CloudCompression compression(CloudArgs args) {
        return CloudCompression.chosen(args);
    }

    /** Barman's fs.path_allowed: include rules accept, exclude rules reject, else accepted. */
    static boolean pathAllowed(List<String> exclude, List<String> include, String path, boolean isDir) {
        if (include != null && matchPath(include, path, isDir)) {
            return true;
        }
        return exclude == null || !matchPath(exclude, path, isDir);
    }

    private static final Map<String, Pattern> PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    private static boolean matchPath(List<String> rules, String path, boolean isDir) {
        for (String rule : rules) {
            if (rule.endsWith("/")) {
                if (!isDir) {
                    continue;
                }
                rule = rule.substring(0, rule.length() - 1);
            }
            boolean anchored = false;
            if (rule.startsWith("/")) {
                rule = rule.substring(1);
                anchored = true;
            }
            if (wildcard(rule).matcher(path).matches() || !anchored && wildcard("**/" + rule).matcher(path).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Barman's _translate_to_regexp: ? any char, * no slash, ** anything. */
    private static Pattern wildcard(String pattern) {
        return PATTERNS.computeIfAbsent(pattern, p -> {
            StringBuilder re = new StringBuilder();
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (p.startsWith("**", i)) {
                    re.append(".*");
                    i++;
                } else if (c == '*') {
                    re.append("[^/]*");
                } else if (c == '?') {
                    re.append('.');
                } else {
                    re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return Pattern.compile(re.toString(), Pattern.DOTALL);
        });
    }

    /** One archive being written: tar over a compressor over a multipart upload. */
    static final class Archive {
        final MultipartUpload upload;
        final OutputStream compressed;
        final PyTarWriter tar;

        Archive(MultipartUpload upload, CloudCompression compression) throws IOException {
            this.upload = upload;
            this.compressed = new BufferedOutputStream(compression == null ? upload : compression.compressor(upload),
                    1 << 16);
            this.tar = new PyTarWriter(compressed);
        }

        void close() throws IOException {
            tar.finish();
            compressed.close();
        }
    }

    /** Barman's CloudUploadController and CloudBackupUploader: the archives of one backup and its steps. */
    static final class Upload {
        private final S3Cloud cloud;
        private final String server;
        private final CloudCompression compression;
        private final int jobs;
        private final long maxArchiveSize;
        private final int chunkSize;
        private final List<String[]> tags;
        private final String backupName;
        private final MultipartUpload.Pool pool;
        private final Map<String, List<Archive>> archives = new LinkedHashMap<>();
        private final Map<String, List<MultipartUpload>> finished = new LinkedHashMap<>();
        private BackupInfo info;
        private LocalDateTime copyStart;
        private LocalDateTime copyEnd;

        Upload(S3Cloud cloud, String server, CloudCompression compression, int jobs, long maxArchiveSize,
                List<String[]> tags, String backupName) {
            this.cloud = cloud;
            this.server = server;
            this.compression = compression;
            this.jobs = jobs;
            if (maxArchiveSize >= MAX_ARCHIVE_SIZE) {
                CloudLog.warning("max-archive-size too big. Capping it to to 1.0 TiB");
                maxArchiveSize = MAX_ARCHIVE_SIZE;
            }
            this.maxArchiveSize = maxArchiveSize;
            this.chunkSize = (int) Math.min(Math.max(2 * (maxArchiveSize / MAX_CHUNKS_PER_FILE), MIN_CHUNK_SIZE),
                    256L << 20);
            this.tags = tags;
            this.backupName = backupName;
            this.pool = new MultipartUpload.Pool(jobs);
        }

        private String prefix() {
            return WalNames.join(cloud.path, server, "base", info.backupId());
        }

        private String destName(String name, int count) {
            return name + (count > 0 ? String.format("_%04d", count) : "") + ".tar"
                    + (compression == null ? "" : compression.suffix);
        }

        /** Barman's _get_tar: the archive for name, a new part once the current one passed max-archive-size. */
        private PyTarWriter tar(String name) throws IOException {
            List<Archive> list = archives.computeIfAbsent(name, n -> new ArrayList<>());
            if (list.isEmpty()) {
                list.add(open(name, 0));
            }
            Archive current = list.get(list.size() - 1);
            if (current.upload.size > maxArchiveSize) {
                current.close();
                current = open(name, list.size());
                list.add(current);
            }
            return current.tar;
        }

        private Archive open(String name, int count) throws IOException {
            String key = WalNames.join(prefix(), destName(name, count));
            return new Archive(new MultipartUpload(cloud, key, chunkSize, pool, tags), compression);
        }

        /** Barman's upload_directory: os.walk order (top-down, readdir order), filtered by the rules. */
        void uploadDirectory(String label, Path src, String dst, List<String> exclude, List<String> include)
                throws IOException {
            CloudLog.info("Uploading '" + label + "' directory '" + src + "' as '" + destName(dst, 0) + "'");
            walk(src, ".", dst, exclude, include);
        }

        private void walk(Path dir, String rel, String dst, List<String> exclude, List<String> include)
                throws IOException {
            List<Path> dirs = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    // os.walk: a link to a directory counts as a directory and is not followed.
                    if (Files.isDirectory(p)) {
                        dirs.add(p);
                    } else {
                        files.add(p);
                    }
                }
            } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
                return; // os.walk ignores directories it cannot list
            }
            boolean allowed = pathAllowed(exclude, include, rel, true);
            if (allowed && tar(dst).add(dir, rel)) {
                for (Path f : files) {
                    String item = rel + "/" + f.getFileName();
                    if (!pathAllowed(exclude, include, item, false)) {
                        continue;
                    }
                    CloudLog.debug("Uploading " + item);
                    tar(dst).add(f, item);
                }
            }
            for (Path d : dirs) {
                if (Files.isSymbolicLink(d)) {
                    continue;
                }
                String child = rel.equals(".") ? d.getFileName().toString() : rel + "/" + d.getFileName();
                walk(d, child, dst, exclude, include);
            }
        }

        /** Closes the archives of name (the tablespaces' are done before PGDATA starts). */
        private void closeArchives(String name) throws IOException {
            List<Archive> list = archives.get(name);
            if (list == null || list.isEmpty()) {
                return;
            }
            CloudLog.info("Marking the archives of '" + name + "' as 'completed'");
            list.get(list.size() - 1).close();
            finished.put(name, list.stream().map(a -> a.upload).toList());
            archives.put(name, List.of());
        }

        private void abortAll() {
            for (List<Archive> list : archives.values()) {
                for (Archive a : list) {
                    a.upload.abort();
                }
            }
        }

        /**
         * Barman's CloudBackupUploaderBarman: the backup already in Barman's catalog at {@code dir}; its
         * backup.info (read with barman-core's catalog, uploaded byte for byte, last) is left as it is when the
         * upload fails: the error is only logged, as Barman 3.4 does.
         */
        int backupBarman(Path dir, String backupId) throws Exception {
            Path infoFile = dir.resolve("backup.info");
            Path meta = dir.getParent() == null || dir.getParent().getParent() == null ? null
                    : dir.getParent().getParent().resolve("meta").resolve(backupId + "-backup.info");
            if (!Files.exists(infoFile) && meta != null && Files.exists(meta)) {
                infoFile = meta; // a catalog in Barman 3.13+'s layout keeps backup.info in meta/
            }
            byte[] raw = Files.readAllBytes(infoFile);
            info = BackupInfo.parse(backupId, server, new String(raw, StandardCharsets.UTF_8), infoFile.toString());
            // Barman 3.4 has neither; its uploader would put the tarballs of a compressed backup inside data.tar
            // and an incremental's INCREMENTAL.* files, which no restore of the bucket can start from.
            Map<String, BackupInfo.Field<String>> refused = new LinkedHashMap<>();
            refused.put("compression", BackupInfo.COMPRESSION);
            refused.put("parent_backup_id", BackupInfo.PARENT_BACKUP_ID);
            refused.put("encryption", BackupInfo.ENCRYPTION);
            for (var field : refused.entrySet()) {
                if (info.get(field.getValue()) != null) {
                    CloudLog.error("Barman cloud backup exception: backup " + backupId + " in '" + dir + "' has "
                            + field.getKey() + "=" + info.get(field.getValue()) + ": barmanj uploads only plain,"
                            + " full catalog backups in hook mode");
                    return UNRECOVERABLE_HOOK;
                }
            }
            copyStart = LocalDateTime.now();
            try {
                Long version = info.get(BackupInfo.VERSION);
                if (version == null) {
                    throw new IllegalStateException("backup.info " + infoFile + " has no PostgreSQL version");
                }
                Path data = dir.resolve("data");
                List<String> exclude = new ArrayList<>();
                String pgdata = info.get(BackupInfo.PGDATA);
                for (BackupInfo.Tablespace ts : info.tablespaces()) {
                    if (pgdata != null && ts.location().startsWith(pgdata + "/")) {
                        exclude.add(ts.location().substring(pgdata.length()));
                    }
                    exclude.add("/pg_tblspc/" + ts.oid());
                    uploadTablespace(ts, dir.resolve(Long.toString(ts.oid())), version.intValue());
                }
                uploadPgdata(data, exclude);
                CloudLog.info("Marking all the uploaded archives as 'completed'");
                for (String archive : new ArrayList<>(archives.keySet())) {
                    closeArchives(archive);
                }
                copyEnd = LocalDateTime.now();
                cloud.put(WalNames.join(prefix(), "backup.info"), raw, tags);
            } catch (Exception | LinkageError e) {
                abortAll();
                String m = S3Cloud.describe(e).strip();
                String first = m.isEmpty() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
                CloudLog.error("Backup upload failed uploading data (" + first + ")");
                return networkFailure(e) ? CloudExit.NETWORK : CloudExit.OPERATION;
            } finally {
                pool.close();
            }
            CloudLog.info("Upload of backup completed (start time: " + pyStr(copyStart) + ", elapsed time: "
                    + org.barmanj.core.compat.Formats.duration(Duration.between(copyStart, LocalDateTime.now()))
                    + ")");
            return CloudExit.OK;
        }

        int backup(PostgresConnection pg) throws Exception {
            String backupId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss"));
            info = BackupInfo.create(backupId, false);
            info.set(BackupInfo.SERVER_NAME, "cloud");
            BackupControl control = new BackupControl(pg);
            info.set(BackupInfo.SYSTEMID, pg.value("SELECT system_identifier::text FROM pg_control_system()"));
            int version = pg.serverVersionNum();
            if (version < 90600) {
                throw new IllegalStateException("unsupported PostgresSQL version " + version / 10000 + "."
                        + version / 100 % 100 + ". Expecting 9.6 or above.");
            }
            copyStart = LocalDateTime.now();
            int code = CloudExit.OK;
            Throwable failure = null;
            try {
                coordinate(control);
                info.set(BackupInfo.STATUS, BackupInfo.Status.DONE);
            } catch (Exception | LinkageError e) {
                failure = e;
                abortAll();
                fail("uploading data", e);
                code = networkFailure(e) ? CloudExit.NETWORK : CloudExit.OPERATION;
            } finally {
                pool.close();
            }
            if (backupName != null) {
                info.set(BackupInfo.BACKUP_NAME, backupName);
            }
            try {
                String key = WalNames.join(prefix(), "backup.info");
                CloudLog.info("Uploading '" + key + "'");
                cloud.put(key, info.render().getBytes(StandardCharsets.UTF_8), tags,
                        failure != null && code == CloudExit.NETWORK ? FaultBudget.afterFailure() : null);
            } catch (RuntimeException e) {
                fail("uploading backup.info file", e);
                return failure != null ? code : (networkFailure(e) ? CloudExit.NETWORK : CloudExit.OPERATION);
            }
            if (failure == null) {
                CloudLog.info(String.format("Backup end at LSN: %s (%s, %08X)", info.raw("end_xlog"),
                        info.endWal(), info.get(BackupInfo.END_OFFSET)));
                CloudLog.info("Backup completed (start time: " + copyStart + ", elapsed time: "
                        + Duration.between(copyStart, LocalDateTime.now()).toMillis() / 1000.0 + " seconds)");
            }
            return code;
        }

        private static boolean networkFailure(Throwable e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof java.net.ConnectException || t instanceof java.net.SocketException
                        || t instanceof java.net.SocketTimeoutException || t instanceof java.net.UnknownHostException
                        || t instanceof java.io.InterruptedIOException
                        || t instanceof software.amazon.awssdk.core.exception.ApiCallTimeoutException
                        || t instanceof software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException) {
                    return true;
                }
            }
            return false;
        }

        private void fail(String action, Throwable e) {
            String m = S3Cloud.describe(e).strip();
            String first = m.isEmpty() ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
            info.set(BackupInfo.STATUS, BackupInfo.Status.FAILED);
            info.set(BackupInfo.ERROR, "failure " + action + " (" + first + ")");
            CloudLog.error("Backup failed " + action + " (" + first + ")");
        }

        private void coordinate(BackupControl control) throws Exception {
            BackupControl.ServerFacts facts = control.facts();
            info.set(BackupInfo.PGDATA, facts.dataDirectory());
            info.set(BackupInfo.VERSION, (long) facts.version());
            info.set(BackupInfo.XLOG_SEGMENT_SIZE, facts.segmentSize());
            info.set(BackupInfo.CONFIG_FILE, facts.configFile());
            info.set(BackupInfo.HBA_FILE, facts.hbaFile());
            info.set(BackupInfo.IDENT_FILE, facts.identFile());
            info.set(BackupInfo.INCLUDED_FILES, facts.includedFiles());
            info.set(BackupInfo.TABLESPACES, facts.tablespaces());
            CloudLog.info("Starting backup '" + info.backupId() + "'");
            BackupControl.Mark begin = control.start("Barman backup cloud " + info.backupId(),
                    immediate);
            long beginLsn = WalName.parseLsn(begin.lsn());
            info.set(BackupInfo.STATUS, BackupInfo.Status.STARTED);
            info.set(BackupInfo.BEGIN_TIME, PyDateTime.parse(begin.timestamp()));
            info.set(BackupInfo.BEGIN_XLOG, begin.lsn());
            info.set(BackupInfo.TIMELINE, (long) begin.timeline());
            info.set(BackupInfo.BEGIN_WAL, WalName.segmentOf(begin.timeline(), beginLsn, facts.segmentSize()));
            info.set(BackupInfo.BEGIN_OFFSET, WalName.offsetOf(beginLsn, facts.segmentSize()));

            takeBackup(facts);

            CloudLog.info("Stopping backup '" + info.backupId() + "'");
            BackupControl.Mark end = control.stop();
            long endLsn = WalName.parseLsn(end.lsn());
            info.set(BackupInfo.BACKUP_LABEL, end.backupLabel());
            info.set(BackupInfo.END_TIME, PyDateTime.parse(end.timestamp()));
            info.set(BackupInfo.END_XLOG, end.lsn());
            info.set(BackupInfo.END_WAL, WalName.segmentOf(end.timeline(), endLsn, facts.segmentSize()));
            info.set(BackupInfo.END_OFFSET, WalName.offsetOf(endLsn, facts.segmentSize()));
            if (!facts.inRecovery()) {
                // pg_backup_stop's own wait for the end segment's archiving, polled finer; then Barman's switch.
                if (!control.waitForArchiving(info.endWal(), 600_000)) {
                    CloudLog.warning("WAL segment " + info.endWal() + " not archived after 600 seconds");
                }
                control.switchWal();
            }
            control.createRestorePoint("barman_" + info.backupId());

            // backup_label: added with TarInfo defaults, uid 0 and PGDATA's group (as Barman 3.4 does).
            String label = end.backupLabel();
            if (label != null && !label.isEmpty()) {
                Map<String, Object> st = Files.readAttributes(Path.of(facts.dataDirectory()), "unix:gid");
                CloudLog.info("Uploading 'backup_label' file to '" + destName("data", 0) + "' with path 'backup_label'");
                tar("data").addBytes("backup_label", label.getBytes(StandardCharsets.UTF_8), 0644, 0,
                        ((Integer) st.get("gid")) & 0xffffffffL);
            }
            CloudLog.info("Marking all the uploaded archives as 'completed'");
            for (String name : new ArrayList<>(archives.keySet())) {
                closeArchives(name);
            }
            copyEnd = LocalDateTime.now();
            info.set(BackupInfo.COPY_STATS, statistics());
        }

        boolean immediate;

        private void takeBackup(BackupControl.ServerFacts facts) throws IOException {
            String pgdata = facts.dataDirectory();
            List<String> exclude = new ArrayList<>();
            for (BackupInfo.Tablespace ts : facts.tablespaces()) {
                if (ts.location().startsWith(pgdata + "/")) {
                    exclude.add(ts.location().substring(pgdata.length()));
                }
                exclude.add("/pg_tblspc/" + ts.oid());
                uploadTablespace(ts, Path.of(ts.location()), facts.version());
            }
            Path dataDir = uploadPgdata(Path.of(pgdata), exclude);
            // External configuration files (those outside PGDATA), as Barman's _backup_config_files.
            String[][] configs = {{"config_file", facts.configFile()}, {"hba_file", facts.hbaFile()},
                {"ident_file", facts.identFile()}};
            for (String[] c : configs) {
                if (c[1] == null || c[1].isEmpty() || c[1].startsWith(pgdata)) {
                    continue;
                }
                Path p = Path.of(c[1]);
                if (c[0].equals("ident_file") && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                CloudLog.info("Uploading '" + c[0] + "' file from '" + p + "' to '" + destName("data", 0)
                        + "' with path '" + p.getFileName() + "'");
                if (!tar("data").add(p, p.getFileName().toString())) {
                    throw new java.nio.file.NoSuchFileException(c[1]);
                }
            }
            List<String> included = facts.includedFiles().stream().filter(f -> !f.startsWith(pgdata)).toList();
            if (!included.isEmpty()) {
                CloudLog.warning("The usage of include directives is not supported for files that reside outside"
                        + " PGDATA.\nPlease manually backup the following files:\n\t" + String.join("\n\t", included)
                        + "\n");
            }
        }

        /**
         * Barman's _backup_data_files for one tablespace (from {@code src}: its location on the server, or its
         * {@code OID/} directory in Barman's catalog): only {@code PG_MAJOR_*}, in the archive named by its OID.
         */
        private void uploadTablespace(BackupInfo.Tablespace ts, Path src, int version) throws IOException {
            List<String> tsExclude = new ArrayList<>(List.of("/*"));
            tsExclude.addAll(EXCLUDE);
            uploadDirectory(ts.name(), src, Long.toString(ts.oid()), tsExclude,
                    List.of("/PG_" + major(version) + "_*"));
            closeArchives(Long.toString(ts.oid()));
        }

        /** PGDATA (a link followed) without the excluded paths, then {@code global/pg_control}; its real path. */
        private Path uploadPgdata(Path dataDir, List<String> exclude) throws IOException {
            if (Files.isSymbolicLink(dataDir)) {
                dataDir = dataDir.toRealPath();
            }
            List<String> dataExclude = new ArrayList<>(PGDATA_EXCLUDE);
            dataExclude.addAll(EXCLUDE);
            dataExclude.addAll(exclude);
            uploadDirectory("pgdata", dataDir, "data", dataExclude, null);
            CloudLog.info("Uploading 'pg_control' file from '" + dataDir + "/global/pg_control' to '"
                    + destName("data", 0) + "' with path 'global/pg_control'");
            if (!tar("data").add(dataDir.resolve("global/pg_control"), "global/pg_control")) {
                // Barman's add_file(optional=False): no backup without its control file.
                throw new java.nio.file.NoSuchFileException(dataDir.resolve("global/pg_control").toString());
            }
            return dataDir;
        }

        private static String major(int version) {
            return version >= 100000 ? Integer.toString(version / 10000)
                    : (version / 10000) + "." + (version / 100 % 100);
        }

        private static double seconds(LocalDateTime a, LocalDateTime b) {
            return Duration.between(a, b).toNanos() / 1000 / 1e6;
        }

        /** Barman's CloudUploadController.statistics, the copy_stats of backup.info. */
        private Map<Object, Object> statistics() {
            Map<Object, Object> stat = new LinkedHashMap<>();
            stat.put("total_time", seconds(copyStart, copyEnd));
            stat.put("number_of_workers", (long) jobs);
            stat.put("analysis_time", 0L);
            Map<Object, Object> analysis = new LinkedHashMap<>();
            Map<Object, Object> copy = new LinkedHashMap<>();
            Map<Object, Object> serialized = new LinkedHashMap<>();
            stat.put("analysis_time_per_item", analysis);
            stat.put("copy_time_per_item", copy);
            stat.put("serialized_copy_time_per_item", serialized);
            LocalDateTime start = null;
            LocalDateTime end = null;
            long serializedTotal = 0;
            for (Map.Entry<String, List<MultipartUpload>> e : finished.entrySet()) {
                LocalDateTime nameStart = null;
                LocalDateTime nameEnd = null;
                long total = 0;
                for (MultipartUpload u : e.getValue()) {
                    if (nameStart == null || u.startTime.isBefore(nameStart)) {
                        nameStart = u.startTime;
                    }
                    if (nameEnd == null || u.endTime.isAfter(nameEnd)) {
                        nameEnd = u.endTime;
                    }
                    synchronized (u.partMicros) {
                        for (long s : u.partMicros) {
                            total += s;
                        }
                    }
                }
                serialized.put(e.getKey(), total / 1e6);
                serializedTotal += total;
                analysis.put(e.getKey(), 0L);
                copy.put(e.getKey(), seconds(nameStart, nameEnd));
                if (start == null || nameStart.isBefore(start)) {
                    start = nameStart;
                }
                if (end == null || nameEnd.isAfter(end)) {
                    end = nameEnd;
                }
            }
            stat.put("copy_time", start == null ? 0.0 : seconds(start, end));
            stat.put("serialized_copy_time", serializedTotal / 1e6);
            return stat;
        }
    }
}
