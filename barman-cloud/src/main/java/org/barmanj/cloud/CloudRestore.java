package org.barmanj.cloud;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.barmanj.core.catalog.BackupInfo;

/**
 * barman-cloud-restore: downloads a backup written by barman-cloud-backup into a recovery directory (and its
 * tablespaces to their locations, or where {@code --tablespace NAME:LOCATION} says), as Barman 3.4 does.
 */
public final class CloudRestore {
    static final String PROG = "barman-cloud-restore";
    /** Tars downloaded and extracted at a time (Barman 3.4: one after the other). */
    static final int WORKERS = 2;

    private static final String DESCRIPTION = "This script can be used to download a backup previously made with"
            + " barman-cloud-backup command. barmanj supports the aws-s3 cloud provider.";

    private CloudRestore() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] argv) {
        try {
            CloudArgs args = new CloudArgs(PROG, DESCRIPTION, List.of(CloudArgs.url("source"), CloudArgs.SERVER_NAME,
                    new CloudArgs.Positional("backup_id", "the backup ID"),
                    new CloudArgs.Positional("recovery_dir", "the path to a directory for recovery.")),
                    4, List.of(
                            CloudOption.multi("NAME:LOCATION", "tablespace relocation rule", "--tablespace"),
                            CloudOption.value("SNAPSHOT_RECOVERY_INSTANCE", "Instance where the disks recovered from"
                                    + " the snapshots are attached (barmanj: snapshot backups are not supported)",
                                    "--snapshot-recovery-instance"),
                            CloudOption.value("SNAPSHOT_RECOVERY_ZONE", "Zone containing the instance and disks for"
                                    + " the snapshot recovery (barmanj: snapshot backups are not supported)",
                                    "--snapshot-recovery-zone")))
                    .parse(argv, System.out, System.err);
            CloudLog.configure(args.verbose, args.quiet);
            return restore(args);
        } catch (CloudExit e) {
            return e.code;
        }
    }

    private static int restore(CloudArgs args) {
        String server = args.positionals.get(1);
        Path recoveryDir = Path.of(args.positionals.get(3));
        return CloudCommand.run(args, "restore", CloudCommand.Bucket.REQUIRED, cloud -> {
            BucketCatalog catalog = new BucketCatalog(cloud, server);
            String backupId = catalog.parseBackupId(args.positionals.get(2));
            BackupInfo info = catalog.info(backupId);
            if (info == null) {
                CloudLog.error("Backup " + backupId + " for server " + server + " does not exists");
                return CloudExit.OPERATION;
            }
            if (info.get(BackupInfo.SNAPSHOTS_INFO) != null) {
                CloudLog.error("Barman cloud restore exception: backup " + backupId
                        + " is a snapshot backup, which barmanj does not restore");
                return CloudExit.GENERAL;
            }
            Map<String, String> relocations = tablespaceMap(args.multiValues.getOrDefault("--tablespace", List.of()));
            download(cloud, catalog, info, recoveryDir, relocations);
            return CloudExit.OK;
        });
    }

    /** Barman's tablespace_map: NAME:LOCATION rules, the last one for a name winning; a rule without ':' exits 3. */
    static Map<String, String> tablespaceMap(List<String> rules) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String rule : rules) {
            int colon = rule.indexOf(':');
            if (colon < 0) {
                CloudLog.error("Invalid tablespace relocation rule '" + rule + "'\nHINT: The valid syntax for a"
                        + " relocation rule is NAME:LOCATION");
                throw new CloudExit(CloudExit.USAGE);
            }
            map.put(rule.substring(0, colon), rule.substring(colon + 1));
        }
        return map;
    }

    private static void download(S3Cloud cloud, BucketCatalog catalog, BackupInfo info, Path recoveryDir,
            Map<String, String> relocations) throws IOException {
        refuseNonEmpty(recoveryDir);
        CloudDownload downloader = new CloudDownload(cloud);
        Map<Long, CloudDownload.BackupFile> files = downloader.backupFiles(catalog, info);
        List<BackupInfo.Tablespace> tablespaces = info.get(BackupInfo.TABLESPACES);
        List<CloudDownload.Tar> tars = new ArrayList<>();
        Map<Path, TarExtract> extractors = new LinkedHashMap<>();
        List<Path[]> links = new ArrayList<>();
        for (CloudDownload.BackupFile f : files.values()) {
            Path target = recoveryDir;
            if (f.oid != null) {
                BackupInfo.Tablespace t = tablespaces.stream().filter(x -> x.oid() == f.oid).findFirst().orElseThrow();
                target = Path.of(t.location());
                if (relocations.containsKey(t.name())) {
                    // Barman: os.path.realpath of the new location.
                    target = realPath(Path.of(relocations.get(t.name())));
                }
                CloudLog.debug("Tablespace " + t.name() + " (oid=" + t.oid() + ") will be located at " + target);
                links.add(new Path[] {recoveryDir.resolve("pg_tblspc").resolve(String.valueOf(f.oid)), target});
            }
            refuseNonEmpty(target);
            extractors.put(target, new TarExtract(target));
            tars.add(new CloudDownload.Tar(f.oid, f.main, f.mainCompression, target));
            for (int i = 0; i < f.parts.size(); i++) {
                tars.add(new CloudDownload.Tar(f.oid, f.parts.get(i), f.partCompressions.get(i), target));
            }
        }
        downloader.extractAll(tars, extractors, WORKERS);
        for (Path[] link : links) {
            Files.createDirectories(link[0].getParent());
            Files.createSymbolicLink(link[0], link[1]);
        }
        // pg_wal is not in the tar when it was a link: recreate it, as Barman does.
        Long version = info.get(BackupInfo.VERSION);
        Path wal = recoveryDir.resolve(version != null && version < 100000 ? "pg_xlog" : "pg_wal");
        if (!Files.exists(wal)) {
            Files.createDirectory(wal);
        }
    }

    private static void refuseNonEmpty(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isEmpty()) {
                    return;
                }
            }
        } else if (!Files.exists(dir)) {
            return;
        } else {
            // Barman 3.4: os.listdir fails, a general error (exit 4).
            throw new IOException("[Errno 20] Not a directory: '" + dir + "'");
        }
        CloudLog.error("Destination " + dir + " already exists and it is not empty");
        throw new CloudExit(CloudExit.OPERATION);
    }

    /** os.path.realpath: the links of the existing part resolved, the rest appended. */
    private static Path realPath(Path p) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        Path rest = abs.getFileSystem().getPath("");
        while (existing != null && !Files.exists(existing)) {
            rest = existing.getFileName().resolve(rest);
            existing = existing.getParent();
        }
        return existing == null ? abs : existing.toRealPath().resolve(rest).normalize();
    }
}
