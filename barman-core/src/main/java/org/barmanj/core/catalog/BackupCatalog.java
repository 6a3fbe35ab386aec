package org.barmanj.core.catalog;

import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.compat.Printable;
import org.barmanj.core.compression.Compression;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.fs.IoReason;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** The backups and WAL catalog of one server, read from disk in either dialect. */
public final class BackupCatalog {
    private static final Pattern BACKUP_ID = Pattern.compile("\\d{8}T\\d{6}");
    /** Retention statuses, as Barman names them (computed by the retention package). */
    public static final String VALID = "VALID";
    public static final String OBSOLETE = "OBSOLETE";
    public static final String POTENTIALLY_OBSOLETE = "OBSOLETE*";
    public static final String KEEP_FULL = "KEEP:FULL";
    public static final String KEEP_STANDALONE = "KEEP:STANDALONE";
    public static final String NONE = "-";

    private final ServerConfig config;
    private final CatalogLayout layout;
    private final TreeMap<String, BackupInfo> backups = new TreeMap<>();
    private final Map<String, String> unreadable = new TreeMap<>();
    private final List<String> foldersWithoutInfo = new ArrayList<>();
    private List<WalFileEntry> xlog;

    private BackupCatalog(ServerConfig config) {
        this.config = config;
        this.layout = new CatalogLayout(config);
    }

    /** Reads every backup.info of the server; unreadable ones are kept aside with the reason. */
    public static BackupCatalog load(ServerConfig config) {
        BackupCatalog catalog = new BackupCatalog(config);
        catalog.readClassic();
        catalog.readNewer();
        return catalog;
    }

    /** True when the string has the shape of a backup id ({@code YYYYMMDDTHHMMSS}). */
    public static boolean isBackupId(String s) {
        return BACKUP_ID.matcher(s).matches();
    }

    private void readClassic() {
        Path base = layout.basebackupsDirectory();
        if (!Files.isDirectory(base)) {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base)) {
            for (Path dir : dirs) {
                Path info = dir.resolve("backup.info");
                // Anything there that is not a readable file (a folder, say) is reported, not skipped.
                if (Files.exists(info, LinkOption.NOFOLLOW_LINKS)) {
                    read(dir.getFileName().toString(), info);
                } else if (isBackupId(dir.getFileName().toString())) {
                    foldersWithoutInfo.add(dir.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot list " + base + ": " + IoReason.of(e), e);
        }
    }

    private void readNewer() {
        Path meta = layout.metaDirectory();
        if (!Files.isDirectory(meta)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(meta, "*-backup.info")) {
            for (Path info : files) {
                String name = info.getFileName().toString();
                read(name.substring(0, name.length() - "-backup.info".length()), info);
            }
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot list " + meta + ": " + IoReason.of(e), e);
        }
    }

    private void read(String id, Path file) {
        try {
            backups.put(id, BackupInfo.parse(id, config.name(), Files.readString(file, StandardCharsets.UTF_8),
                    file.toString()));
            unreadable.remove(id);
        } catch (BarmanException e) {
            backups.remove(id);
            unreadable.put(id, e.getMessage());
        } catch (IOException e) {
            backups.remove(id);
            unreadable.put(id, "cannot read " + file + ": " + IoReason.of(e));
        }
    }

    /**
     * The folders of {@code base} named as a backup id that hold no backup of this catalog (no backup.info in
     * either dialect): a backup being taken, or what an interrupted delete left.
     */
    public List<String> foldersWithoutInfo() {
        return foldersWithoutInfo.stream().filter(id -> !backups.containsKey(id) && !unreadable.containsKey(id))
                .sorted().toList();
    }

    public ServerConfig config() {
        return config;
    }

    /** Every readable backup, oldest first. */
    public List<BackupInfo> all() {
        return new ArrayList<>(backups.values());
    }

    /** Backups whose backup.info could not be read, with the reason (id to message). */
    public Map<String, String> unreadable() {
        return unreadable;
    }

    /**
     * Whether a backup older than {@code backupId} may have a complete copy: an available one, or one whose
     * backup.info cannot be read (it may be complete; its WAL files are needed). False: the first backup.
     */
    public boolean mayHaveAvailableBefore(String backupId) {
        for (String id : backups.headMap(backupId, false).keySet()) {
            if (backups.get(id).copyDone()) {
                return true;
            }
        }
        for (String id : unreadable.keySet()) {
            if (id.compareTo(backupId) < 0) {
                return true;
            }
        }
        return false;
    }

    /** Backups with a complete copy (DONE or WAITING_FOR_WALS), oldest first. */
    public List<BackupInfo> available() {
        List<BackupInfo> result = new ArrayList<>();
        for (BackupInfo b : backups.values()) {
            if (b.copyDone()) {
                result.add(b);
            }
        }
        return result;
    }

    public List<BackupInfo> withStatus(BackupInfo.Status status) {
        List<BackupInfo> result = new ArrayList<>();
        for (BackupInfo b : backups.values()) {
            if (b.status() == status) {
                result.add(b);
            }
        }
        return result;
    }

    /**
     * Finds a backup by id, by Barman's shortcuts ({@code latest}/{@code last}, {@code oldest}/{@code first},
     * {@code last-failed}) or by name.
     */
    public BackupInfo find(String idOrAlias) {
        String id;
        List<BackupInfo> available = available();
        if (idOrAlias.equals("latest") || idOrAlias.equals("last")) {
            id = available.isEmpty() ? null : available.get(available.size() - 1).backupId();
            refuseIfUnreadableBeyond(idOrAlias, id, true);
        } else if (idOrAlias.equals("oldest") || idOrAlias.equals("first")) {
            id = available.isEmpty() ? null : available.get(0).backupId();
            refuseIfUnreadableBeyond(idOrAlias, id, false);
        } else if (idOrAlias.equals("last-failed")) {
            List<BackupInfo> failed = withStatus(BackupInfo.Status.FAILED);
            id = failed.isEmpty() ? null : failed.get(failed.size() - 1).backupId();
            refuseIfUnreadableBeyond(idOrAlias, id, true);
        } else if (isBackupId(idOrAlias)) {
            id = idOrAlias;
        } else {
            id = idByName(idOrAlias, available);
        }
        if (id != null && unreadable.containsKey(id)) {
            throw new BarmanException(ErrorCode.CATALOG_CORRUPT, unreadable.get(id));
        }
        BackupInfo info = id == null ? null : backups.get(id);
        if (info == null) {
            throw new BarmanException(ErrorCode.UNKNOWN_BACKUP,
                    "Unknown backup '" + idOrAlias + "' for server '" + config.name() + "'");
        }
        return info;
    }

    /**
     * An alias picks a backup by its place among those of some status; a backup whose backup.info cannot be read
     * has no known status, so when one lies past the backup picked ({@code newer}: after it in time, else before;
     * any, when none was picked) it may be the one the alias means, and picking another would act on a backup
     * the user did not ask for.
     */
    private void refuseIfUnreadableBeyond(String alias, String picked, boolean newer) {
        List<String> beyond = new ArrayList<>();
        unreadable.forEach((id, problem) -> {
            if (picked == null || (newer ? id.compareTo(picked) > 0 : id.compareTo(picked) < 0)) {
                beyond.add(problem);
            }
        });
        if (!beyond.isEmpty()) {
            throw new BarmanException(ErrorCode.CATALOG_CORRUPT, "Cannot tell which backup is '" + alias
                    + "' for server '" + config.name() + "': " + String.join("; ", beyond)
                    + "; give the backup ID instead");
        }
    }

    private String idByName(String name, List<BackupInfo> available) {
        List<String> ids = new ArrayList<>();
        for (BackupInfo b : available) {
            if (name.equals(b.backupName())) {
                ids.add(b.backupId());
            }
        }
        if (ids.size() > 1) {
            throw new BarmanException(ErrorCode.UNKNOWN_BACKUP, "Multiple backups found matching name '" + name
                    + "' (try using backup ID instead): " + String.join(" ", ids));
        }
        return ids.isEmpty() ? null : ids.get(0);
    }

    /** The nearest older available (DONE or WAITING_FOR_WALS) backup, or null. */
    public BackupInfo previous(BackupInfo backup) {
        BackupInfo result = null;
        for (BackupInfo b : backups.headMap(backup.backupId(), false).values()) {
            if (b.copyDone()) {
                result = b;
            }
        }
        return result;
    }

    /** The nearest newer available (DONE or WAITING_FOR_WALS) backup, or null. */
    public BackupInfo next(BackupInfo backup) {
        for (BackupInfo b : backups.tailMap(backup.backupId(), false).values()) {
            if (b.copyDone()) {
                return b;
            }
        }
        return null;
    }

    /** The WAL catalog entries, read once. */
    public List<WalFileEntry> xlog() {
        if (xlog == null) {
            xlog = layout.xlogDb().read();
        }
        return xlog;
    }

    /** Barman's {@code get_wal_info}: WAL counts and sizes for a backup, from {@code xlog.db}. */
    public WalInfo walInfo(BackupInfo backup) {
        String begin = backup.beginWal();
        String end = backup.endWal();
        BackupInfo nextBackup = next(backup);
        String nextEnd = nextBackup == null ? null : nextBackup.endWal();
        int backupTli = WalName.timeline(begin);
        long walNum = 0;
        long walSize = 0;
        long untilNum = 0;
        long untilSize = 0;
        String first = null;
        double firstTime = 0;
        String last = null;
        double lastTime = 0;
        for (WalFileEntry e : xlog()) {
            String name = e.name();
            if (WalName.isHistory(name) || name.compareTo(begin) < 0) {
                continue;
            }
            if (WalName.timeline(name) > backupTli || !WalName.isSegment(name)) {
                continue;
            }
            if (nextEnd != null && name.compareTo(nextEnd) > 0) {
                break;
            }
            if (name.equals(begin)) {
                first = name;
                firstTime = e.timeSeconds();
            }
            if (name.compareTo(end) <= 0) {
                walNum++;
                walSize += e.size();
            } else {
                untilNum++;
                untilSize += e.size();
            }
            last = name;
            lastTime = e.timeSeconds();
        }
        double perSecond = 0;
        double walRatio = 0;
        double untilRatio = 0;
        if (first != null && last != null) {
            double seconds = lastTime - firstTime;
            if (seconds > 0) {
                perSecond = (walNum + untilNum) / seconds;
            }
            double segment = backup.xlogSegmentSize();
            walRatio = walNum == 0 ? 0 : 1 - walSize / (walNum * segment);
            untilRatio = untilNum == 0 ? 0 : 1 - untilSize / (untilNum * segment);
        }
        return new WalInfo(walNum, walSize, untilNum, untilSize, first, last, perSecond, walRatio, untilRatio);
    }

    /** A timeline that branched off {@code timeline}, as recorded in a history file. */
    public record ChildTimeline(int timeline, long switchpoint) {
    }

    /**
     * Timelines branching off the backup's timeline after its end LSN (Barman's "Reachable timelines"),
     * from {@code wals/<TLI>.history} files.
     */
    public List<ChildTimeline> childTimelines(BackupInfo backup) {
        List<ChildTimeline> children = new ArrayList<>();
        int tli = backup.timeline();
        long forkedAfter = backup.get(BackupInfo.END_XLOG) == null ? 0 : WalName.parseLsn(backup.get(BackupInfo.END_XLOG));
        for (int child = tli + 1; ; child++) {
            Path history = layout.walsDirectory().resolve(String.format("%08X.history", child));
            if (!Files.exists(history)) {
                break;
            }
            String[] lines = readHistory(history).split("\n");
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i].strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\\s+");
                if (f.length < 2) {
                    continue;
                }
                long parent;
                long switchpoint;
                try {
                    parent = Long.parseLong(f[0]);
                    switchpoint = WalName.parseLsn(f[1]);
                } catch (IllegalArgumentException e) {
                    throw new BarmanException(ErrorCode.CATALOG_CORRUPT, "corrupt history file " + history + " line "
                            + (i + 1) + ": '" + Printable.of(line) + "' (expected: parent timeline, switch LSN, reason)");
                }
                if (parent != tli) {
                    continue;
                }
                if (switchpoint >= forkedAfter) {
                    children.add(new ChildTimeline(child, switchpoint));
                }
            }
        }
        return children;
    }

    private static String readHistory(Path file) {
        try {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            Compression.decompress(Compression.detect(file), file, content);
            return content.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BarmanException(ErrorCode.IO, "Cannot read " + file + ": " + IoReason.of(e), e);
        }
    }
}
