package org.barmanj.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Writes the catalog of server {@code demo} as Barman 3.4 leaves it after a history of archiving and backups, without
 * a PostgreSQL: {@code base/<id>/backup.info} (3.4's key set and encodings, as in the recorded tutorial catalog),
 * {@code data/} and a tablespace directory per backup, archived segments, {@code .backup} label files and history
 * files under {@code wals/}, their {@code xlog.db} lines, keep annotations. Events are applied in the order called,
 * like a real server's life: {@link #wal} archives segments, {@link #backup} takes a concurrent backup that starts
 * in the next segment and ends in the one after, {@link #promote} switches timeline.
 *
 * <p>The segments are {@link #WAL_FILE_SIZE} bytes (a real one is 16 MiB; retention never reads their contents, and
 * xlog.db records the size the file has, as Barman's archiver would). Their names still step through a 16 MiB
 * segment space, which is what backup.info's {@code xlog_segment_size} says.
 */
final class SyntheticCatalog {
    static final String SERVER = "demo";
    static final int WAL_FILE_SIZE = 4096;
    private static final long SEGMENT = 16L * 1024 * 1024;
    private static final String SYSTEM_ID = "7711878765630343774";
    private static final String TABLESPACE_OID = "16386";
    private static final DateTimeFormatter BACKUP_ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");
    private static final DateTimeFormatter LABEL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private final Path server;
    private final StringBuilder xlogDb = new StringBuilder();
    private final List<String> backupIds = new ArrayList<>();
    private int timeline = 1;
    private int segment = 1;
    /** When the next archived file gets its mtime; advances with every file. */
    private Instant clock;

    /** A catalog under {@code serverDirectory} whose first WAL file is archived at {@code start}. */
    SyntheticCatalog(Path serverDirectory, Instant start) throws IOException {
        this.server = serverDirectory;
        this.clock = start;
        for (String dir : List.of("base", "wals", "incoming", "streaming", "errors")) {
            Files.createDirectories(server.resolve(dir));
        }
        Files.writeString(server.resolve("identity.json"),
                "{\n    \"systemid\": \"" + SYSTEM_ID + "\",\n    \"version\": \"15\"\n}", StandardCharsets.UTF_8);
    }

    /** Archives {@code count} segments of the current timeline. */
    SyntheticCatalog wal(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            archive(segmentName(segment++), new byte[WAL_FILE_SIZE]);
        }
        return this;
    }

    /**
     * A DONE concurrent backup started at {@code begin} (its id is that instant in the host's zone, as Barman names
     * it): it begins in the next segment and ends in the one after, both archived with the .backup label file.
     */
    SyntheticCatalog backup(Instant begin) throws IOException {
        String id = BACKUP_ID.format(begin.atZone(ZoneId.systemDefault()));
        clock = begin;
        int beginSegment = segment;
        String beginWal = segmentName(beginSegment);
        String endWal = segmentName(beginSegment + 1);
        long beginLsn = beginSegment * SEGMENT + 0x28;
        long endLsn = (beginSegment + 1) * SEGMENT + 0x100;
        Instant end = begin.plusMillis(2_434).plusNanos(831_000);
        String label = "START WAL LOCATION: " + lsn(beginLsn) + " (file " + beginWal + ")\\n"
                + "CHECKPOINT LOCATION: " + lsn(beginLsn + 0x38) + "\\n"
                + "BACKUP METHOD: streamed\\nBACKUP FROM: primary\\n"
                + "START TIME: " + LABEL_TIME.format(begin) + "\\n"
                + "LABEL: Barman backup " + SERVER + " " + id + "\\n"
                + "START TIMELINE: " + timeline + "\\n";
        TreeMap<String, String> info = commonInfo();
        info.put("backup_label", "'" + label + "'");
        info.put("begin_offset", "40");
        info.put("begin_time", pythonTime(begin));
        info.put("begin_wal", beginWal);
        info.put("begin_xlog", lsn(beginLsn));
        info.put("copy_stats", "{'total_time': 2.395742, 'number_of_workers': 1, 'analysis_time_per_item': "
                + "{'tbs1': 0.495712, 'pgdata': 0.507113}, 'copy_time_per_item': {'tbs1': 0.495375, "
                + "'pgdata': 0.65059, 'pg_control': 0.227705}, 'serialized_copy_time_per_item': {'tbs1': 0.49461, "
                + "'pgdata': 0.647707, 'pg_control': 0.227705}, 'analysis_time': 1.002837, 'copy_time': 1.376753, "
                + "'serialized_copy_time': 1.370022}");
        info.put("deduplicated_size", String.valueOf(7_127_930 + 1_000 * backupIds.size()));
        info.put("end_offset", "256");
        info.put("end_time", pythonTime(end));
        info.put("end_wal", endWal);
        info.put("end_xlog", lsn(endLsn));
        info.put("error", "None");
        info.put("size", String.valueOf(29_858_204 + 81_920 * backupIds.size()));
        info.put("status", "DONE");
        writeBackup(id, info);

        archive(beginWal, new byte[WAL_FILE_SIZE]);
        archive(beginWal + ".00000028.backup",
                backupLabelFile(id, begin, end, beginLsn, endLsn).getBytes(StandardCharsets.US_ASCII));
        archive(endWal, new byte[WAL_FILE_SIZE]);
        segment += 2;
        return this;
    }

    /** A backup that failed copying files after pg_backup_start(): it has a begin but no end. */
    SyntheticCatalog failedBackup(Instant begin) throws IOException {
        String id = BACKUP_ID.format(begin.atZone(ZoneId.systemDefault()));
        clock = begin;
        long beginLsn = segment * SEGMENT + 0x28;
        TreeMap<String, String> info = commonInfo();
        info.put("backup_label", "None");
        info.put("begin_offset", "40");
        info.put("begin_time", pythonTime(begin));
        info.put("begin_wal", segmentName(segment));
        info.put("begin_xlog", lsn(beginLsn));
        info.put("copy_stats", "None");
        info.put("deduplicated_size", "None");
        info.put("end_offset", "None");
        info.put("end_time", "None");
        info.put("end_wal", "None");
        info.put("end_xlog", "None");
        info.put("error", "failure copying files (rsync exited with code 23)");
        info.put("size", "None");
        info.put("status", "FAILED");
        writeBackup(id, info);
        return this;
    }

    /** The server is promoted onto the next timeline: its history file is archived, segments continue on it. */
    SyntheticCatalog promote() throws IOException {
        int parent = timeline++;
        String history = "%d\t%s\tno recovery target specified\n".formatted(parent, lsn(segment * SEGMENT + 0xA0));
        Path file = server.resolve("wals").resolve("%08X.history".formatted(timeline));
        Files.writeString(file, history, StandardCharsets.US_ASCII);
        record(file, history.length());
        return this;
    }

    /** A keep annotation as Barman 3.4's {@code keep --target} writes it ({@code full} or {@code standalone}). */
    SyntheticCatalog keep(String backupId, String target) throws IOException {
        Path annotations = server.resolve("base").resolve(backupId).resolve("annotations");
        Files.createDirectories(annotations);
        Files.writeString(annotations.resolve("keep"), target, StandardCharsets.US_ASCII);
        return this;
    }

    /** The ids of the backups written so far, oldest first. */
    List<String> ids() {
        return List.copyOf(backupIds);
    }

    /** Writes xlog.db; call once, after the last event. */
    void finish() throws IOException {
        Files.writeString(server.resolve("wals/xlog.db"), xlogDb, StandardCharsets.US_ASCII);
    }

    private TreeMap<String, String> commonInfo() {
        TreeMap<String, String> info = new TreeMap<>();
        info.put("compression", "None");
        info.put("config_file", "/var/lib/edb/pg1/data/postgresql.conf");
        info.put("hba_file", "/var/lib/edb/pg1/data/pg_hba.conf");
        info.put("ident_file", "/var/lib/edb/pg1/data/pg_ident.conf");
        info.put("included_files", "None");
        info.put("mode", "rsync-concurrent");
        info.put("pgdata", "/var/lib/edb/pg1/data");
        info.put("server_name", SERVER);
        info.put("systemid", SYSTEM_ID);
        info.put("tablespaces", "[('tbs1', " + TABLESPACE_OID + ", '/var/lib/edb/pg1/tbs1')]");
        info.put("timeline", String.valueOf(timeline));
        info.put("version", "150018");
        info.put("xlog_segment_size", String.valueOf(SEGMENT));
        return info;
    }

    /** backup.info plus a few files of the copied PGDATA and tablespace, which delete must remove. */
    private void writeBackup(String id, TreeMap<String, String> info) throws IOException {
        Path dir = server.resolve("base").resolve(id);
        Files.createDirectories(dir.resolve("data/global"));
        Files.writeString(dir.resolve("data/PG_VERSION"), "15\n");
        Files.write(dir.resolve("data/global/pg_control"), new byte[8192]);
        Path tablespace = dir.resolve(TABLESPACE_OID).resolve("PG_15_202209061/16384");
        Files.createDirectories(tablespace);
        Files.write(tablespace.resolve("16385"), new byte[8192]);
        StringBuilder text = new StringBuilder();
        info.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        Files.writeString(dir.resolve("backup.info"), text, StandardCharsets.UTF_8);
        backupIds.add(id);
    }

    private String backupLabelFile(String id, Instant begin, Instant end, long beginLsn, long endLsn) {
        return "START WAL LOCATION: " + lsn(beginLsn) + " (file " + segmentName(segmentOf(beginLsn)) + ")\n"
                + "STOP WAL LOCATION: " + lsn(endLsn) + " (file " + segmentName(segmentOf(endLsn)) + ")\n"
                + "CHECKPOINT LOCATION: " + lsn(beginLsn + 0x38) + "\n"
                + "BACKUP METHOD: streamed\nBACKUP FROM: primary\n"
                + "START TIME: " + LABEL_TIME.format(begin) + "\n"
                + "LABEL: Barman backup " + SERVER + " " + id + "\n"
                + "START TIMELINE: " + timeline + "\n"
                + "STOP TIME: " + LABEL_TIME.format(end) + "\n"
                + "STOP TIMELINE: " + timeline + "\n";
    }

    /** Archives a file into its hash directory. */
    private void archive(String name, byte[] content) throws IOException {
        Path dir = server.resolve("wals").resolve(name.substring(0, 16));
        Files.createDirectories(dir);
        Path file = dir.resolve(name);
        Files.write(file, content);
        record(file, content.length);
    }

    /**
     * An xlog.db line with the file's mtime as Python's {@code str(float)} prints it: ten integer digits and five
     * decimals (last one non-zero) is at most 15 significant digits, which a double keeps exactly and which is then
     * also its shortest repr, so Barman rewrites the line unchanged.
     */
    private void record(Path file, long size) throws IOException {
        clock = clock.plusMillis(1_200);
        long fraction = (clock.getNano() / 10_000) | 1;
        Instant mtime = Instant.ofEpochSecond(clock.getEpochSecond(), fraction * 10_000);
        Files.setLastModifiedTime(file, FileTime.from(mtime));
        xlogDb.append(file.getFileName()).append('\t').append(size).append('\t')
                .append(mtime.getEpochSecond()).append('.').append(String.format(Locale.ROOT, "%05d", fraction))
                .append('\t').append("None").append('\n');
    }

    private String segmentName(int number) {
        return "%08X%08X%08X".formatted(timeline, 0, number);
    }

    private static int segmentOf(long lsn) {
        return (int) (lsn / SEGMENT);
    }

    private static String lsn(long value) {
        return "%X/%X".formatted(value >>> 32, value & 0xFFFFFFFFL);
    }

    /** Python's {@code str(datetime)} of a UTC instant: microseconds only when non-zero. */
    private static String pythonTime(Instant t) {
        String seconds = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC).format(t);
        int micros = t.getNano() / 1_000;
        return seconds + (micros == 0 ? "" : ".%06d".formatted(micros)) + "+00:00";
    }

    static Instant daysAgo(Instant now, double days) {
        return now.minus(Duration.ofSeconds((long) (days * 86_400)));
    }
}
