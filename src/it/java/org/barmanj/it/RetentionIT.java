package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention with real backups (issue 16, must-show 1, 3 and 6): {@code barman cron} under {@code REDUNDANCY} and
 * {@code RECOVERY WINDOW} removes exactly the obsolete backups and the WAL files no remaining backup needs, and
 * every remaining backup still recovers with exactly its rows; {@code minimum_redundancy} and {@code keep} protect
 * backups as in Barman 3.4 (which reads the same catalog and prints the same statuses); overlapping cron, backup
 * and delete runs, and a delete killed with SIGKILL at many points, leave a catalog both tools read and that a later
 * delete finishes.
 *
 * <p>Each backup is preceded by a numbered batch of 100 rows, so backup k restored to its end holds batches 1..k.
 */
class RetentionIT {
    private static final Pattern ENFORCING = Pattern.compile("Enforcing retention policy: removing backup (\\S+) for "
            + "server demo");
    private static final Pattern DELETING = Pattern.compile("Deleting backup (\\S+) for server demo");
    private static final Pattern DELETED = Pattern.compile("Deleted backup (\\S+) \\(start time: .+, elapsed time: "
            + ".+\\)");
    private static final DateTimeFormatter PY_SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    /** A lab primary archiving into a home's demo server, writing a numbered batch of rows before each backup. */
    private static final class Primary {
        final String name;
        final int major;
        final int port;
        final BarmanHome home;
        int batches;

        Primary(String name, int major, int port, BarmanHome home) {
            this.name = name;
            this.major = major;
            this.port = port;
            this.home = home;
            Lab.lab("pg", "destroy", name);
            String version = Lab.lab("pg", "start", name, String.valueOf(major), "pg1-srv", String.valueOf(port),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p").out().strip();
            System.out.println("RetentionIT: " + name + " runs PostgreSQL " + version);
            assertTrue(version.startsWith(major + "."), version);
            Lab.psql(name, "CREATE TABLE batches (batch int NOT NULL, n int NOT NULL)");
        }

        /** The next batch of rows, its WAL switched and archived (WAL between backups). */
        void writeBatch() {
            batches++;
            Lab.psql(name, "INSERT INTO batches SELECT " + batches + ", g FROM generate_series(1, 100) g");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
        }

        /** A batch, then {@code backup demo --wait}; returns the backup id. */
        String backup(String... options) {
            writeBatch();
            List<String> args = new ArrayList<>(List.of("backup"));
            args.addAll(List.of(options));
            args.addAll(List.of("demo", "--wait"));
            return backupId(home.barman(args.toArray(new String[0])).ok().out());
        }

        void destroy() {
            Lab.lab("pg", "destroy", name);
        }
    }

    private static String backupId(String backupOutput) {
        return backupOutput.lines().filter(l -> l.startsWith("Starting backup using")).findFirst().orElseThrow()
                .replaceAll(".*/base/(\\S+)$", "$1");
    }

    /** The tutorial's demo server for a primary on {@code port}, immediate checkpoints so backups are quick. */
    private static BarmanHome home(String name, int port, String options) throws IOException {
        return new BarmanHome(name).tutorialServer("pg1-srv", port)
                .withOptions("immediate_checkpoint = true\n" + options).ownedByBarman();
    }

    /** Sets (replacing or appending) an option of the demo server's section. */
    private static void setOption(BarmanHome home, String option, String value) throws IOException {
        Path demo = home.root.resolve("barman.d/demo.conf");
        String text = Files.readString(demo);
        Pattern line = Pattern.compile("(?m)^" + Pattern.quote(option) + " = .*$");
        text = line.matcher(text).find() ? line.matcher(text).replaceAll(Matcher.quoteReplacement(option + " = "
                + value)) : text + option + " = " + value + "\n";
        Files.writeString(demo, text);
    }

    // ---- the catalog as files ----

    private static Path base(BarmanHome home) {
        return home.root.resolve("demo/base");
    }

    private static Path xlogDb(BarmanHome home) {
        return home.root.resolve("demo/wals/xlog.db");
    }

    /** The backups on disk (folders of base/), oldest first. */
    private static List<String> backupsOnDisk(BarmanHome home) throws IOException {
        try (Stream<Path> ids = Files.list(base(home))) {
            return ids.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Map<String, String> info(BarmanHome home, String id) throws IOException {
        return BackupIT.backupInfo(base(home).resolve(id).resolve("backup.info"));
    }

    /** Every file of the WAL archive but xlog.db, by name. */
    private static SortedSet<String> walFiles(BarmanHome home) throws IOException {
        try (Stream<Path> all = Files.walk(home.root.resolve("demo/wals"))) {
            return all.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("xlog.db")).collect(TreeSet::new, TreeSet::add, TreeSet::addAll);
        }
    }

    /** The names xlog.db lists, in its order. */
    private static List<String> xlogDbNames(BarmanHome home) throws IOException {
        return Files.readAllLines(xlogDb(home)).stream().map(l -> l.split("\t")[0]).toList();
    }

    private static boolean isHistory(String wal) {
        return wal.endsWith(".history");
    }

    /** Each file of a backup folder with its size and inode: a backup left whole has the same map. */
    private static Map<String, String> manifest(BarmanHome home, String id) throws IOException {
        Path dir = base(home).resolve(id);
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path f : all.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(f).toString(), Files.size(f) + " " + Files.getAttribute(f, "unix:ino"));
            }
        }
        return files;
    }

    /** xlog.db is byte for byte what rebuild-xlogdb writes from the files of the same archive. */
    private static void assertXlogDbAsRebuilt(BarmanHome home, String when) throws IOException {
        String kept = Files.readString(xlogDb(home));
        home.barman("rebuild-xlogdb", "demo").ok();
        assertEquals(Files.readString(xlogDb(home)), kept, "xlog.db " + when + " equals what rebuild-xlogdb writes");
    }

    /** Ours and Barman 3.4's list-backups on the same catalog: exit 0, the same text; returns ours. */
    private static String listBackupsAsBarman34(BarmanHome home, String when) {
        Proc ours = home.barman("list-backups", "demo");
        Proc theirs = home.barman34("list-backups", "demo");
        assertEquals(0, ours.exit(), "our list-backups " + when + "\n" + ours.err());
        assertEquals("", ours.err(), "our list-backups " + when);
        assertEquals(0, theirs.exit(), "Barman 3.4's list-backups " + when + "\n" + theirs.err());
        assertEquals(theirs.out(), ours.out(), "list-backups " + when + ": ours as Barman 3.4's");
        return ours.out();
    }

    /** The retention status list-backups shows for each backup ("" for VALID, which it does not print). */
    private static void assertStatuses(BarmanHome home, Map<String, String> expected, String when) {
        String out = listBackupsAsBarman34(home, when);
        for (var e : expected.entrySet()) {
            String line = out.lines().filter(l -> l.startsWith("demo " + e.getKey() + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError(e.getKey() + " not listed " + when + ":\n" + out));
            String status = line.matches(".* - (OBSOLETE\\*?|KEEP:FULL|KEEP:STANDALONE)$")
                    ? line.replaceAll(".* - ", "") : "";
            assertEquals(e.getValue(), status, "status of " + e.getKey() + " " + when + ": " + line);
        }
    }

    private static void assertCheckPasses(BarmanHome home, String when) {
        Proc check = home.barman("check", "demo");
        assertEquals(0, check.exit(), "check " + when + "\n" + check.out() + check.err());
    }

    /**
     * The WAL archive after a cron: {@code before} without {@code removed}, plus only what cron's archive-wal brought
     * in meanwhile (segments newer than all of {@code before}).
     */
    private static void assertArchiveAfter(SortedSet<String> before, SortedSet<String> removed, SortedSet<String> after,
            String what) {
        SortedSet<String> kept = new TreeSet<>(before);
        kept.removeAll(removed);
        SortedSet<String> missing = new TreeSet<>(kept);
        missing.removeAll(after);
        SortedSet<String> extra = new TreeSet<>(after);
        extra.removeAll(kept);
        extra.removeIf(w -> !isHistory(w) && w.compareTo(before.last()) > 0);
        assertEquals(new TreeSet<String>(), missing, what + ": files gone that should stay");
        assertEquals(new TreeSet<String>(), extra, what + ": files left that should be gone");
    }

    /** One "Deleting backup ... Deleted backup" block of a cron's or delete's output. */
    private record Deletion(String id, List<String> wals) {
    }

    private static List<Deletion> deletions(String out) {
        List<Deletion> found = new ArrayList<>();
        String current = null;
        List<String> wals = new ArrayList<>();
        boolean inWals = false;
        for (String line : out.lines().toList()) {
            Matcher deleting = DELETING.matcher(line);
            Matcher deleted = DELETED.matcher(line);
            if (deleting.matches()) {
                current = deleting.group(1);
                wals = new ArrayList<>();
                inWals = false;
            } else if (line.equals("Delete associated WAL segments:")) {
                inWals = true;
            } else if (inWals && line.startsWith("\t")) {
                wals.add(line.substring(1));
            } else if (deleted.matches()) {
                assertEquals(current, deleted.group(1), "Deleted follows its Deleting:\n" + out);
                found.add(new Deletion(current, wals));
                inWals = false;
            } else {
                inWals = false;
            }
        }
        return found;
    }

    private static List<String> enforced(String out) {
        return out.lines().map(ENFORCING::matcher).filter(Matcher::matches).map(m -> m.group(1)).toList();
    }

    /**
     * {@code barman cron} removes exactly {@code obsolete} (the oldest of {@code backups}, none of them kept), oldest
     * first, each with the WAL files before the next backup's begin_wal (Barman's rule for deleting the oldest
     * backup), which it lists; the other backups are left whole, no WAL they need is touched, xlog.db is what
     * rebuild-xlogdb writes, and both tools list the result without an OBSOLETE backup.
     */
    private static void assertCronRemoves(BarmanHome home, List<String> backups, List<String> obsolete, String when)
            throws IOException {
        assertEquals(obsolete, backups.subList(0, obsolete.size()), "the oldest are the obsolete ones");
        List<String> remaining = backups.subList(obsolete.size(), backups.size());
        List<String> xlogBefore = xlogDbNames(home);
        List<String> beginWals = new ArrayList<>();
        for (String id : backups) {
            beginWals.add(info(home, id).get("begin_wal"));
        }
        SortedSet<String> walsBefore = walFiles(home);
        Map<String, Map<String, String>> manifests = new TreeMap<>();
        for (String id : remaining) {
            manifests.put(id, manifest(home, id));
        }
        Proc cron = home.barman("cron");
        assertEquals(0, cron.exit(), "cron " + when + "\n" + cron.out() + cron.err());
        assertEquals("", cron.err(), "cron " + when + " on stderr");
        assertEquals(obsolete, enforced(cron.out()), "cron " + when + " enforces retention, oldest first:\n"
                + cron.out());
        List<Deletion> done = deletions(cron.out());
        assertEquals(obsolete, done.stream().map(Deletion::id).toList(), "cron " + when + " deletes:\n" + cron.out());
        String removedUpTo = "";
        SortedSet<String> removed = new TreeSet<>();
        for (int i = 0; i < obsolete.size(); i++) {
            String next = beginWals.get(i + 1);
            String from = removedUpTo;
            List<String> expected = xlogBefore.stream().filter(w -> !isHistory(w) && w.compareTo(from) >= 0
                    && w.compareTo(next) < 0).toList();
            assertEquals(expected, done.get(i).wals(), "WAL files listed for " + obsolete.get(i) + " " + when
                    + " (those before " + next + ")");
            removed.addAll(expected);
            removedUpTo = next;
        }
        assertEquals(remaining, backupsOnDisk(home), "exactly the newest remain " + when);
        String oldestBegin = info(home, remaining.get(0)).get("begin_wal");
        SortedSet<String> walsAfter = walFiles(home);
        for (String wal : walsAfter) {
            assertTrue(isHistory(wal) || wal.compareTo(oldestBegin) >= 0, wal + " is older than the oldest backup's "
                    + "begin_wal " + oldestBegin + " and left " + when);
        }
        assertArchiveAfter(walsBefore, removed, walsAfter, "the WAL archive " + when + " (exactly the listed files "
                + "gone)");
        for (String id : remaining) {
            assertEquals(manifests.get(id), manifest(home, id), id + " left whole " + when);
        }
        assertXlogDbAsRebuilt(home, "after cron " + when);
        Map<String, String> valid = new TreeMap<>();
        remaining.forEach(id -> valid.put(id, ""));
        assertStatuses(home, valid, "after cron " + when);
        assertCheckPasses(home, "after cron " + when);
    }

    /**
     * {@code barman recover} (local, as the barman user, into an empty folder) of a backup; started, the copy holds
     * exactly {@code batches} batches. {@code target} is {@code --target-immediate} (the backup's end) or none (the
     * end of the archive).
     */
    private static void assertRecovers(Primary pg, String id, int batches, boolean toBackupEnd, int port)
            throws Exception {
        String copy = pg.name + "-r";
        Path data = Path.of("/var/lib/edb/" + copy + "/data");
        Lab.lab("pg", "destroy", copy);
        try {
            Proc.run("mkdir", "-p", data.toString(), data.getParent().resolve("run").toString()).ok();
            Proc.run("chown", "barman:", data.toString()).ok();
            List<String> args = new ArrayList<>(List.of("recover"));
            if (toBackupEnd) {
                args.addAll(List.of("--target-immediate", "--target-action", "promote"));
            }
            args.addAll(List.of("demo", id, data.toString()));
            Proc r = pg.home.barman(args.toArray(new String[0]));
            assertEquals(0, r.exit(), "recover " + id + "\n" + r.out() + r.err());
            assertTrue(r.out().contains("Your PostgreSQL server has been successfully prepared for recovery!"), r.out());
            // Lab only: the copy runs beside its primary on the same host, so it gets its own port and socket.
            Path conf = data.resolve("postgresql.conf");
            Files.writeString(conf, Files.readString(conf)
                    .replaceAll("(?m)^port = .*$", "port = " + port)
                    .replaceAll("(?m)^unix_socket_directories = .*$", "unix_socket_directories = '/var/lib/edb/" + copy
                            + "/run'"));
            Proc.run("chown", "-R", "enterprisedb:", data.getParent().toString()).ok();
            Lab.lab("pg", "start", copy, String.valueOf(pg.major), "pg1-srv", String.valueOf(port));
            BackupIT.waitFor(() -> Lab.psql(copy, "SELECT pg_is_in_recovery()").equals("f"), copy + " to recover " + id);
            assertEquals((batches * 100) + "|" + batches + "|" + batches, Lab.psql(copy, "SELECT count(*) || '|' || "
                    + "count(DISTINCT batch) || '|' || max(batch) FROM batches"), "the rows of " + id
                    + (toBackupEnd ? " restored to its end" : " restored to the end of the archive"));
        } finally {
            Lab.lab("pg", "destroy", copy);
        }
    }

    /** A copy of the whole home (hard links within it kept), to run the next case on the same backups. */
    private static Path snapshot(BarmanHome home) {
        Path copy = Path.of(home.root + ".pristine");
        Proc.run("rm", "-rf", copy.toString()).ok();
        Proc.run("cp", "-a", home.root.toString(), copy.toString()).ok();
        return copy;
    }

    /** Puts the snapshot back in place of the home, once nothing of ours runs on it any more. */
    private static void restore(Path snapshot, BarmanHome home) throws Exception {
        awaitNoBarmanOn(home);
        Proc.run("rm", "-rf", home.root.toString()).ok();
        Proc.run("cp", "-a", snapshot.toString(), home.root.toString()).ok();
    }

    /**
     * Waits until no process names the home (its configuration or a lock file in it): cron may leave archive-wal
     * running in the background, and a killed barman's children (the flock holding a lock) are ended by its watchdog.
     */
    private static void awaitNoBarmanOn(BarmanHome home) throws Exception {
        String root = home.root.toString();
        long start = System.nanoTime();
        BackupIT.waitFor(() -> ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("")
                .contains(root)), "no process left on " + root);
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (ms > 1000) {
            System.out.println("RetentionIT: processes on " + root + " took " + ms + " ms to end");
        }
    }

    /**
     * Moves a backup's end_time (and begin_time, so that the backup stays as long as it was) into the past: the lab
     * cannot wait days. The lines keep Barman's format (seconds, microseconds, offset); nothing else changes.
     */
    private static void moveIntoThePast(BarmanHome home, String id, Duration by) throws IOException {
        Path file = base(home).resolve(id).resolve("backup.info");
        String text = Files.readString(file);
        String original = text;
        for (String key : new String[] {"begin_time", "end_time"}) {
            // Python's str() of an aware datetime: seconds, optional microseconds, the offset.
            Matcher m = Pattern.compile("(?m)^" + key + "=(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d)(\\.\\d{6})?"
                    + "[+-]\\d\\d:\\d\\d$").matcher(text);
            assertTrue(m.find(), key + " in " + file + ":\n" + text);
            String moved = LocalDateTime.parse(m.group(1), PY_SECONDS).minus(by).format(PY_SECONDS);
            text = text.substring(0, m.start(1)) + moved + text.substring(m.end(1));
        }
        List<String> before = original.lines().toList();
        List<String> after = text.lines().toList();
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertTrue(before.get(i).equals(after.get(i)) || before.get(i).matches("(begin|end)_time=.*"),
                    "only the two times change: " + after.get(i));
        }
        Files.writeString(file, text);
    }

    // ---- must-show 1 ----

    /**
     * Six real backups, WAL archived between them, then one policy (each on its own PostgreSQL version: the policy
     * reads only the catalog, the backups and their recovery are the version's). Under REDUNDANCY 3, cron leaves the
     * three newest. Under RECOVERY WINDOW OF 2 DAYS, with end times moved into the past in backup.info (5, 4, 3
     * days, 36 h, 1 day ago, and now), cron leaves the four whose end is in the window plus the first before it
     * (Barman's rule: the one needed to recover to the window's start). Each remaining backup recovers.
     */
    @ParameterizedTest(name = "PostgreSQL {0}, {1}")
    @CsvSource({"15, REDUNDANCY 3", "17, RECOVERY WINDOW OF 2 DAYS"})
    void redundancyOrRecoveryWindow(int major, String policy) throws Exception {
        int port = 6000 + major;
        BarmanHome home = home("ret" + major, port, "");
        Primary pg = new Primary("it-ret" + major, major, port, home);
        try {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ids.add(pg.backup());
            }
            pg.home.barman("switch-wal", "--force", "--archive", "demo").ok();
            assertXlogDbAsRebuilt(home, "before any retention");

            setOption(home, "retention_policy", policy);
            int kept;
            if (policy.startsWith("REDUNDANCY")) {
                kept = 3;
            } else {
                Duration[] ago = {Duration.ofDays(5), Duration.ofDays(4), Duration.ofDays(3), Duration.ofHours(36),
                    Duration.ofDays(1), Duration.ZERO};
                for (int i = 0; i < 6; i++) {
                    moveIntoThePast(home, ids.get(i), ago[i]);
                }
                kept = 4;
            }
            Map<String, String> statuses = new TreeMap<>();
            for (int i = 0; i < 6; i++) {
                statuses.put(ids.get(i), i < 6 - kept ? "OBSOLETE" : "");
            }
            assertStatuses(home, statuses, "under " + policy);
            assertCronRemoves(home, ids, ids.subList(0, 6 - kept), "under " + policy);
            for (int i = 6 - kept; i < 6; i++) {
                assertRecovers(pg, ids.get(i), i + 1, true, port + 100);
            }
        } finally {
            pg.destroy();
            home.delete();
        }
    }

    // ---- must-show 3 ----

    private static Proc keep(BarmanHome home, String... args) {
        List<String> all = new ArrayList<>(List.of("keep"));
        all.addAll(List.of(args));
        return home.barman(all.toArray(new String[0]));
    }

    /** keep --status: ours says {@code word}, as Barman 3.4 does on the same catalog. */
    private static void assertKeepStatus(BarmanHome home, String id, String word) {
        Proc ours = keep(home, "--status", "demo", id).ok();
        assertEquals("Server demo:\n\tKeep: " + word + "\n", ours.out(), "keep --status of " + id);
        assertEquals(home.barman34("keep", "--status", "demo", id).ok().out(), ours.out(),
                "Barman 3.4's keep --status of " + id);
    }

    /** A delete refused with Barman's WARNING and ERROR, exit 1, as Barman 3.4 refuses it; nothing deleted. */
    private static void assertDeleteRefused(BarmanHome home, String asked, String id, String warning)
            throws IOException {
        List<String> before = backupsOnDisk(home);
        Map<String, String> files = manifest(home, id);
        SortedSet<String> wals = walFiles(home);
        String expected = "WARNING: " + warning + "\nERROR: Cannot delete backup (demo " + id + ")\n";
        Proc ours = home.barman("delete", "demo", asked);
        assertEquals(1, ours.exit(), "delete demo " + asked + "\n" + ours.out() + ours.err());
        assertEquals(expected, ours.err(), "delete demo " + asked);
        assertEquals("", ours.out(), "delete demo " + asked);
        // Barman 3.4 also logs to stderr (no log_file here), and its ERROR line shows the backup's repr
        // (LocalBackupInfo(...)) where the spec, and ours, name its id: the WARNING and the exit code must agree.
        Proc theirs = home.barman34("delete", "demo", asked);
        List<String> theirLines = theirs.err().lines()
                .filter(l -> !l.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} \\[\\d+\\] .*")).toList();
        assertEquals(theirs.exit(), ours.exit(), "Barman 3.4's exit code");
        assertEquals(2, theirLines.size(), theirs.err());
        assertEquals(theirLines.get(0), ours.err().lines().findFirst().orElseThrow(), "Barman 3.4's warning");
        assertTrue(theirLines.get(1).startsWith("ERROR: Cannot delete backup (demo "), theirs.err());
        assertEquals(before, backupsOnDisk(home), "nothing deleted");
        assertEquals(files, manifest(home, id), id + " whole");
        assertEquals(wals, walFiles(home), "no WAL file deleted");
    }

    /**
     * minimum_redundancy stops a delete; a backup kept with {@code --target full} survives retention and keeps every
     * WAL file after it (it recovers to the end of the archive), until released; a backup kept with {@code --target
     * standalone}, once the backups around it are gone, keeps exactly its begin_wal..end_wal and recovers to its end.
     */
    @Test
    void minimumRedundancyAndKeeps() throws Exception {
        int port = 6030;
        BarmanHome home = home("retkeep", port, "retention_policy = REDUNDANCY 2\nminimum_redundancy = 2\n");
        Primary pg = new Primary("it-retkeep", 15, port, home);
        try {
            String b1 = pg.backup();
            String b2 = pg.backup();
            String redundancy = "Skipping delete of backup " + b1 + " for server demo due to minimum redundancy "
                    + "requirements (minimum redundancy = 2, current redundancy = 2)";
            assertDeleteRefused(home, b1, b1, redundancy);
            assertDeleteRefused(home, "oldest", b1, redundancy);

            // keep --target full: obsolete by the policy, never removed; the WAL after it stays for PITR.
            setOption(home, "retention_policy", "REDUNDANCY 1");
            setOption(home, "minimum_redundancy", "1");
            String b3 = pg.backup();
            Proc kept = keep(home, "--target", "full", "demo", b1);
            assertEquals(0, kept.exit(), kept.out() + kept.err());
            assertEquals("", kept.out() + kept.err(), "keep prints nothing, as Barman's");
            assertEquals("full", Files.readString(base(home).resolve(b1 + "/annotations/keep")),
                    "Barman 3.4's annotation file");
            assertKeepStatus(home, b1, "full");
            assertKeepStatus(home, b2, "nokeep");
            assertStatuses(home, Map.of(b1, "KEEP:FULL", b2, "OBSOLETE", b3, ""), "with " + b1 + " kept full");
            assertDeleteRefused(home, b1, b1, "Skipping delete of backup " + b1 + " for server demo as it has a "
                    + "current keep request. If you really want to delete this backup please remove the keep and try "
                    + "again.");
            pg.writeBatch();
            SortedSet<String> walsBefore = walFiles(home);
            Proc cron = home.barman("cron");
            assertEquals(0, cron.exit(), cron.out() + cron.err());
            assertEquals("", cron.err());
            assertEquals(List.of(b2), enforced(cron.out()), cron.out());
            assertEquals(List.of(new Deletion(b2, List.of())), deletions(cron.out()),
                    "no WAL file deleted: the full keep before " + b2 + " needs them all\n" + cron.out());
            assertEquals(List.of(b1, b3), backupsOnDisk(home));
            assertArchiveAfter(walsBefore, new TreeSet<>(), walFiles(home), "every WAL file after the full keep stays");
            assertXlogDbAsRebuilt(home, "after cron with a full keep");
            assertStatuses(home, Map.of(b1, "KEEP:FULL", b3, ""), "after cron with a full keep");
            assertRecovers(pg, b1, pg.batches, false, port + 100);

            // Released, it is obsolete again and goes with the WAL before the next backup.
            Proc released = keep(home, "--release", "demo", b1);
            assertEquals(0, released.exit(), released.out() + released.err());
            assertEquals("", released.out() + released.err());
            assertKeepStatus(home, b1, "nokeep");
            assertStatuses(home, Map.of(b1, "OBSOLETE", b3, ""), "after keep --release");
            assertCronRemoves(home, List.of(b1, b3), List.of(b1), "after keep --release");

            // keep --target standalone, between two obsolete backups.
            String b4 = pg.backup();
            String b5 = pg.backup();
            String b6 = pg.backup();
            int b4Batches = pg.batches - 2;
            keep(home, "--target", "standalone", "demo", b4).ok();
            assertEquals("standalone", Files.readString(base(home).resolve(b4 + "/annotations/keep")));
            assertKeepStatus(home, b4, "standalone");
            assertStatuses(home, Map.of(b3, "OBSOLETE", b4, "KEEP:STANDALONE", b5, "OBSOLETE", b6, ""),
                    "with " + b4 + " kept standalone");
            List<String> xlogBefore = xlogDbNames(home);
            walsBefore = walFiles(home);
            Map<String, String> b4Files = manifest(home, b4);
            Map<String, String> b4Info = info(home, b4);
            String begin4 = b4Info.get("begin_wal");
            String end4 = b4Info.get("end_wal");
            String begin6 = info(home, b6).get("begin_wal");
            cron = home.barman("cron");
            assertEquals(0, cron.exit(), cron.out() + cron.err());
            assertEquals("", cron.err());
            assertEquals(List.of(b3, b5), enforced(cron.out()), cron.out());
            // b3, the oldest: the WAL before b4. b5, with only the standalone b4 before it: the WAL before b6 but
            // b4's own begin_wal..end_wal (a .backup file counts as its segment).
            List<String> forB3 = xlogBefore.stream().filter(w -> !isHistory(w) && w.compareTo(begin4) < 0).toList();
            List<String> forB5 = xlogBefore.stream().filter(w -> !isHistory(w) && w.compareTo(begin4) >= 0
                    && w.compareTo(begin6) < 0 && !(w.substring(0, 24).compareTo(begin4) >= 0
                    && w.substring(0, 24).compareTo(end4) <= 0)).toList();
            assertFalse(forB5.isEmpty(), "WAL between " + b4 + "'s end and " + b6 + "'s begin: " + xlogBefore);
            assertEquals(List.of(new Deletion(b3, forB3), new Deletion(b5, forB5)), deletions(cron.out()),
                    cron.out());
            assertEquals(List.of(b4, b6), backupsOnDisk(home));
            SortedSet<String> removed = new TreeSet<>(forB3);
            removed.addAll(forB5);
            assertArchiveAfter(walsBefore, removed, walFiles(home), "the standalone keep keeps exactly " + begin4 + ".."
                    + end4);
            SortedSet<String> beforeB6 = new TreeSet<>(walFiles(home).headSet(begin6));
            beforeB6.removeIf(RetentionIT::isHistory);
            assertTrue(beforeB6.stream().allMatch(w -> w.substring(0, 24).compareTo(begin4) >= 0
                    && w.substring(0, 24).compareTo(end4) <= 0), "before " + b6 + " only " + b4 + "'s WAL: " + beforeB6);
            assertEquals(b4Files, manifest(home, b4), b4 + " whole");
            assertXlogDbAsRebuilt(home, "after cron with a standalone keep");
            assertStatuses(home, Map.of(b4, "KEEP:STANDALONE", b6, ""), "after cron with a standalone keep");
            assertCheckPasses(home, "after cron with a standalone keep");
            assertRecovers(pg, b4, b4Batches, true, port + 100);
        } finally {
            pg.destroy();
            home.delete();
        }
    }

    // ---- must-show 6 ----

    /**
     * The catalog the overlap cases start from, built once: four real backups under REDUNDANCY 1 (three obsolete),
     * and its snapshot, put back before each case.
     */
    private static final class RaceCatalog {
        static Primary pg;
        static Path pristine;
        static List<String> ids;

        static synchronized Primary get() throws Exception {
            if (pg == null) {
                BarmanHome home = home("retrace", 6040, "retention_policy = REDUNDANCY 1\n");
                pg = new Primary("it-retrace", 15, 6040, home);
                List<String> made = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    made.add(pg.backup());
                }
                ids = made;
                // A put-wal still receiving the last backup's WAL would leave its temporary file in the snapshot,
                // and every restore of it an orphan that check reports (put-wal leftovers).
                awaitNoBarmanOn(home);
                pristine = snapshot(home);
            } else {
                restore(pristine, pg.home);
            }
            return pg;
        }
    }

    @AfterAll
    static void dropRaceCatalog() {
        if (RaceCatalog.pg != null) {
            RaceCatalog.pg.destroy();
            Proc.run("rm", "-rf", RaceCatalog.pristine.toString()).ok();
            RaceCatalog.pg.home.delete();
        }
    }

    /** A barman run in the background as the home's user, its output in files. */
    private static final class Background {
        final Process process;
        final Path out;
        final Path err;

        Background(BarmanHome home, String... args) throws IOException {
            out = Files.createTempFile("it-bg-out", ".txt");
            err = Files.createTempFile("it-bg-err", ".txt");
            List<String> command = new ArrayList<>(List.of("runuser", "-u", home.user, "--", Lab.BARMAN.toString(),
                    "-c", home.conf.toString()));
            command.addAll(List.of(args));
            process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        }

        Proc finish() throws Exception {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("timed out");
            }
            Proc done = new Proc(process.exitValue(), Files.readString(out), Files.readString(err));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return done;
        }

        /**
         * SIGKILL to barman's JVM (the child of runuser, or runuser's own process if it execs), as soon as it exists;
         * returns whether a JVM was killed (false: the run had ended).
         */
        boolean kill() throws Exception {
            while (process.isAlive()) {
                List<ProcessHandle> jvms = new ArrayList<>(process.descendants()
                        .filter(p -> p.info().command().orElse("").endsWith("java")).toList());
                if (process.info().command().orElse("").endsWith("java")) {
                    jvms.add(process.toHandle());
                }
                if (!jvms.isEmpty()) {
                    jvms.forEach(ProcessHandle::destroyForcibly);
                    return true;
                }
                Thread.sleep(1);
            }
            return false;
        }

        /** Waits until stdout has a line starting with {@code prefix} (or the run ends); returns whether it did. */
        boolean awaitLine(String prefix) throws Exception {
            while (true) {
                boolean ended = !process.isAlive();
                if (Files.readString(out).lines().anyMatch(l -> l.startsWith(prefix))) {
                    return true;
                }
                if (ended) {
                    return false;
                }
                Thread.sleep(1);
            }
        }
    }

    /**
     * What must hold after any overlap: both tools list the catalog (the same text), check runs through, the given
     * backups are whole. An interrupted delete leaves its backup FAILED (our design: never a DONE backup with files
     * missing), so check's "failed backups" may fail, and nothing else.
     */
    private static void assertReadable(BarmanHome home, Map<String, Map<String, String>> whole, String when)
            throws IOException {
        listBackupsAsBarman34(home, when);
        Proc check = home.barman("check", "demo");
        List<String> failing = check.out().lines().filter(l -> l.contains(": FAILED")).toList();
        assertTrue(check.exit() == 0 || (check.exit() == 1 && failing.size() == 1
                && failing.get(0).matches("\\tfailed backups: FAILED \\(there are 1 failed backups\\)")),
                "check " + when + "\n" + check.out() + check.err());
        for (var e : whole.entrySet()) {
            assertEquals(e.getValue(), manifest(home, e.getKey()), e.getKey() + " left whole " + when);
        }
    }

    /**
     * No WAL file a remaining backup needs (from the oldest one's begin_wal on) is gone. A FAILED backup needs
     * none: an interrupted delete leaves its backup FAILED, possibly after its WAL files went.
     */
    private static void assertNoNeededWalLost(BarmanHome home, SortedSet<String> walsBefore, String when)
            throws IOException {
        List<String> left = new ArrayList<>();
        for (String id : backupsOnDisk(home)) {
            // (An empty folder a killed delete left is no backup.)
            if (Files.exists(base(home).resolve(id).resolve("backup.info"))
                    && !"FAILED".equals(info(home, id).get("status"))) {
                left.add(id);
            }
        }
        String oldestBegin = info(home, left.get(0)).get("begin_wal");
        SortedSet<String> needed = new TreeSet<>(walsBefore.tailSet(oldestBegin));
        needed.removeAll(walFiles(home));
        assertEquals(new TreeSet<String>(), needed, "WAL files needed by " + left + " gone " + when);
    }

    private static Map<String, Map<String, String>> manifests(BarmanHome home, List<String> ids) throws IOException {
        Map<String, Map<String, String>> all = new TreeMap<>();
        for (String id : ids) {
            all.put(id, manifest(home, id));
        }
        return all;
    }

    /**
     * The end every case must reach once the last cron is done: only the newest backup, the WAL before its
     * begin_wal gone, xlog.db as rebuild-xlogdb writes it.
     */
    private static void assertRetentionDone(BarmanHome home, String newest, String when) throws IOException {
        assertEquals(List.of(newest), backupsOnDisk(home), when);
        String begin = info(home, newest).get("begin_wal");
        for (String wal : walFiles(home)) {
            assertTrue(isHistory(wal) || wal.compareTo(begin) >= 0, wal + " older than " + newest + "'s begin_wal "
                    + begin + " left " + when);
        }
        assertXlogDbAsRebuilt(home, when);
    }

    /** cron's stderr in an overlap: nothing, or the warning that it skipped a backup whose lock another holds. */
    private static void assertCronQuiet(Proc cron, String when) {
        assertEquals(0, cron.exit(), "cron " + when + "\n" + cron.out() + cron.err());
        for (String line : cron.err().lines().toList()) {
            assertTrue(line.matches("WARNING: Another action is in progress for the backup \\S+ of server demo, "
                    + "skipping retention policy application"), "cron " + when + " on stderr: " + cron.err());
        }
    }

    /** Runs each case, then fails with every failure (one case failing does not hide the others). */
    private interface Case {
        void run(int step) throws Exception;
    }

    private static void everyStep(int steps, Case c) throws Exception {
        List<String> failures = new ArrayList<>();
        for (int step = 0; step < steps; step++) {
            try {
                c.run(step);
            } catch (AssertionError e) {
                failures.add("step " + step + ": " + e.getMessage());
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + steps + " steps failed:\n"
                + String.join("\n----\n", failures));
    }

    /** Two crons started at the same instant, three times: one deletes each obsolete backup, once; no error. */
    @Test
    void twoCronsAtTheSameInstant() throws Exception {
        for (int round = 1; round <= 3; round++) {
            Primary pg = RaceCatalog.get();
            BarmanHome home = pg.home;
            List<String> ids = RaceCatalog.ids;
            SortedSet<String> walsBefore = walFiles(home);
            Map<String, Map<String, String>> newest = manifests(home, ids.subList(3, 4));
            Background first = new Background(home, "cron");
            Background second = new Background(home, "cron");
            Proc a = first.finish();
            Proc b = second.finish();
            String when = "after two simultaneous crons (round " + round + ")";
            assertCronQuiet(a, when);
            assertCronQuiet(b, when);
            List<Deletion> all = new ArrayList<>(deletions(a.out()));
            all.addAll(deletions(b.out()));
            assertEquals(ids.subList(0, 3), all.stream().map(Deletion::id).sorted().toList(),
                    "each obsolete backup deleted once " + when + "\nfirst:\n" + a.out() + "\nsecond:\n" + b.out());
            List<String> walLines = all.stream().flatMap(d -> d.wals().stream()).sorted().toList();
            assertEquals(new TreeSet<>(walLines).size(), walLines.size(), "no WAL file deleted twice " + when);
            assertReadable(home, newest, when);
            assertNoNeededWalLost(home, walsBefore, when);
            assertRetentionDone(home, ids.get(3), when);
        }
    }

    /**
     * cron while a backup runs (slowed by bandwidth_limit and no reuse, so that it is still copying when cron ends):
     * cron removes the obsolete backups and nothing of the running one or of the WAL it needs; the backup ends DONE
     * and recovers with its rows; the next cron removes the backup it made obsolete.
     */
    @Test
    void cronDuringABackup() throws Exception {
        Primary pg = RaceCatalog.get();
        BarmanHome home = pg.home;
        List<String> ids = RaceCatalog.ids;
        setOption(home, "bandwidth_limit", "2000");
        SortedSet<String> walsBefore = walFiles(home);
        Map<String, Map<String, String>> valid = manifests(home, ids.subList(3, 4));
        pg.writeBatch();
        int batches = pg.batches;
        List<String> before = backupsOnDisk(home);
        Background backup = new Background(home, "backup", "--reuse-backup", "off", "demo", "--wait");
        BackupIT.waitFor(() -> {
            List<String> now = backupsOnDisk(home);
            Path started = base(home).resolve(now.get(now.size() - 1)).resolve("backup.info");
            return now.size() > before.size() && Files.exists(started)
                    && BackupIT.backupInfo(started).get("status").equals("STARTED");
        }, "the backup to start");
        String running = backupsOnDisk(home).get(before.size());
        Proc cron = home.barman("cron");
        assertTrue(backup.process.isAlive(), "the backup was still running when cron ended: " + cron.out());
        assertEquals(0, cron.exit(), cron.out() + cron.err());
        assertEquals("", cron.err());
        assertEquals(ids.subList(0, 3), enforced(cron.out()), cron.out());
        assertEquals(ids.subList(0, 3), deletions(cron.out()).stream().map(Deletion::id).toList(), cron.out());
        Proc done = backup.finish();
        assertEquals(0, done.exit(), "the backup cron ran beside\n" + done.out() + done.err());
        assertEquals(running, backupId(done.out()));
        assertEquals("DONE", info(home, running).get("status"));
        assertEquals(List.of(ids.get(3), running), backupsOnDisk(home));
        assertReadable(home, valid, "after cron during a backup");
        assertNoNeededWalLost(home, walsBefore, "after cron during a backup");
        assertXlogDbAsRebuilt(home, "after cron during a backup");

        Proc next = home.barman("cron").ok();
        assertEquals(List.of(ids.get(3)), enforced(next.out()), next.out());
        assertRetentionDone(home, running, "after the next cron");
        assertRecovers(pg, running, batches, true, 6140);
    }

    /**
     * How long a whole {@code delete} of the oldest backup takes here from its "Deleting backup" line to its
     * "Deleted backup" line (the work; the JVM's start-up before and its exit after are longer), and the catalog it
     * leaves.
     */
    private record CleanDelete(long nanos, List<String> backups, SortedSet<String> wals, String xlogDb,
            String listBackups) {
    }

    private static CleanDelete cleanDelete() throws Exception {
        Primary pg = RaceCatalog.get();
        BarmanHome home = pg.home;
        String oldest = RaceCatalog.ids.get(0);
        Background run = new Background(home, "delete", "demo", oldest);
        assertTrue(run.awaitLine("Deleting backup "), "the delete starts deleting");
        long start = System.nanoTime();
        assertTrue(run.awaitLine("Deleted backup "), "the delete ends");
        long nanos = System.nanoTime() - start;
        Proc delete = run.finish();
        assertEquals(0, delete.exit(), delete.out() + delete.err());
        assertEquals("", delete.err());
        List<Deletion> done = deletions(delete.out());
        assertEquals(List.of(oldest), done.stream().map(Deletion::id).toList(), delete.out());
        String next = info(home, RaceCatalog.ids.get(1)).get("begin_wal");
        assertTrue(walFiles(home).stream().allMatch(w -> isHistory(w) || w.compareTo(next) >= 0), walFiles(home)
                + " after deleting the oldest backup");
        assertXlogDbAsRebuilt(home, "after a whole delete");
        return new CleanDelete(nanos, backupsOnDisk(home), walFiles(home), Files.readString(xlogDb(home)),
                listBackupsAsBarman34(home, "after a whole delete"));
    }

    /**
     * {@code delete} of the oldest backup killed with SIGKILL at many points: twice during the JVM's start-up, then
     * after increasing delays from its "Deleting backup" line to past its end. Each time the other backups are
     * whole and no WAL they need is gone, both tools list the catalog (the same text), check runs; either the
     * backup is still there (FAILED once the delete has begun) and a later {@code delete} (even steps) or
     * {@code cron} (odd steps) finishes the job, or it is gone and the catalog is exactly what a whole delete
     * leaves.
     */
    @Test
    void deleteKilledAtManyPoints() throws Exception {
        CleanDelete clean = cleanDelete();
        System.out.println("RetentionIT: a whole delete's work takes " + clean.nanos() / 1_000_000 + " ms");
        List<String> ids = RaceCatalog.ids;
        String oldest = ids.get(0);
        int[] stillThere = {0};
        everyStep(10, step -> {
            Primary pg = RaceCatalog.get();
            BarmanHome home = pg.home;
            SortedSet<String> walsBefore = walFiles(home);
            Map<String, Map<String, String>> others = manifests(home, ids.subList(1, 4));
            Background delete = new Background(home, "delete", "demo", oldest);
            String point;
            if (step < 2) {
                Thread.sleep(step * 300L);
                point = "during start-up (" + step * 300 + " ms)";
            } else {
                assertTrue(delete.awaitLine("Deleting backup "), "the delete ended before deleting");
                long delayNanos = clean.nanos() * (step - 2) / 6;
                Thread.sleep(delayNanos / 1_000_000, (int) (delayNanos % 1_000_000));
                point = delayNanos / 1_000_000 + " ms after 'Deleting backup'";
            }
            boolean hit = delete.kill();
            Proc killed = delete.finish();
            awaitNoBarmanOn(home);
            // Killed between the removal of backup.info and that of its folder: an empty folder, no backup.
            boolean leftover = backupsOnDisk(home).contains(oldest)
                    && !Files.exists(base(home).resolve(oldest).resolve("backup.info"));
            boolean there = backupsOnDisk(home).contains(oldest) && !leftover;
            String when = "after delete killed " + point + " (" + (hit ? "" : "not killed: over, ") + "exit "
                    + killed.exit() + ", "
                    + killed.out().lines().count() + " lines printed, " + oldest + (there ? " still there, "
                    + info(home, oldest).get("status") : leftover ? " gone, its empty folder left" : " gone") + ")";
            System.out.println("RetentionIT: " + when);
            assertFalse(killed.err().contains("ERROR") || killed.err().contains("EXCEPTION"), when + "\n"
                    + killed.err());
            assertReadable(home, others, when);
            assertNoNeededWalLost(home, walsBefore, when);
            if (leftover) {
                try (Stream<Path> left = Files.list(base(home).resolve(oldest))) {
                    assertEquals(List.of(), left.toList(), when);
                }
                assertFalse(home.barman("list-backups", "demo").out().contains(oldest), when);
                Proc again = home.barman(step % 2 == 0 ? new String[] {"delete", "demo", oldest}
                        : new String[] {"cron"});
                assertEquals(0, again.exit(), "a later delete or cron " + when + "\n" + again.out() + again.err());
                assertEquals("", again.err(), "a later delete or cron " + when);
                assertTrue(deletions(again.out()).stream().map(Deletion::id).toList().contains(oldest),
                        again.out());
                if (step % 2 == 1) {
                    assertEquals(ids.subList(0, 3), deletions(again.out()).stream().map(Deletion::id).toList(),
                            "a later cron " + when + "\n" + again.out());
                    assertRetentionDone(home, ids.get(3), "after a later cron, " + when);
                    assertCheckPasses(home, "after a later cron, " + when);
                    return;
                }
            }
            if (there) {
                stillThere[0]++;
                if (step % 2 == 0) {
                    Proc again = home.barman("delete", "demo", oldest);
                    assertEquals(0, again.exit(), "a later delete " + when + "\n" + again.out() + again.err());
                    assertEquals("", again.err(), "a later delete " + when);
                    assertEquals(List.of(oldest), deletions(again.out()).stream().map(Deletion::id).toList(),
                            again.out());
                } else {
                    Proc cron = home.barman("cron");
                    assertEquals(0, cron.exit(), "a later cron " + when + "\n" + cron.out() + cron.err());
                    assertEquals("", cron.err(), "a later cron " + when);
                    assertEquals(ids.subList(0, 3), deletions(cron.out()).stream().map(Deletion::id).toList(),
                            "a later cron " + when + "\n" + cron.out());
                    assertRetentionDone(home, ids.get(3), "after a later cron, " + when);
                    assertCheckPasses(home, "after a later cron, " + when);
                    return;
                }
            }
            assertEquals(clean.backups(), backupsOnDisk(home), when);
            assertEquals(clean.wals(), walFiles(home), "the WAL archive " + when);
            assertEquals(clean.xlogDb(), Files.readString(xlogDb(home)), "xlog.db " + when);
            assertEquals(clean.listBackups(), listBackupsAsBarman34(home, "at the end " + when), when);
            assertCheckPasses(home, "at the end " + when);
        });
        assertTrue(stillThere[0] > 0, "at least one kill came before the delete was done");
    }

    /**
     * cron started during a delete of the oldest (obsolete) backup, at increasing offsets: cron ends without an
     * error; the oldest backup is deleted once, by one of them (a delete that finds it taken, or gone, says so as
     * Barman does); the newest is whole and no WAL it needs is gone; a later cron leaves Barman's end state.
     */
    @Test
    void cronDuringADelete() throws Exception {
        RaceCatalog.get();
        List<String> ids = RaceCatalog.ids;
        String oldest = ids.get(0);
        everyStep(5, step -> {
            // Both JVMs take about as long to start: from cron 400 ms ahead to 400 ms behind the delete.
            long offsetMs = step * 200L - 400;
            Primary pg = RaceCatalog.get();
            BarmanHome home = pg.home;
            SortedSet<String> walsBefore = walFiles(home);
            Map<String, Map<String, String>> newest = manifests(home, ids.subList(3, 4));
            Background cronRun = offsetMs < 0 ? new Background(home, "cron") : null;
            Thread.sleep(Math.abs(offsetMs));
            Background delete = new Background(home, "delete", "demo", oldest);
            if (cronRun == null) {
                cronRun = new Background(home, "cron");
            }
            Proc cron = cronRun.finish();
            Proc deleted = delete.finish();
            String when = "cron started " + offsetMs + " ms after a delete";
            System.out.println("RetentionIT: " + when + ": delete exit " + deleted.exit() + " " + deleted.err()
                    .strip().replace('\n', ' ') + ", cron deleted "
                    + deletions(cron.out()).stream().map(Deletion::id).toList() + ", cron stderr: " + cron.err());
            assertCronQuiet(cron, when);
            List<String> byDelete = deletions(deleted.out()).stream().map(Deletion::id).toList();
            List<String> byCron = deletions(cron.out()).stream().map(Deletion::id).toList();
            List<String> all = new ArrayList<>(byDelete);
            all.addAll(byCron);
            assertEquals(1, all.stream().filter(oldest::equals).count(), oldest + " deleted once " + when
                    + "\ndelete:\n" + deleted.out() + deleted.err() + "\ncron:\n" + cron.out());
            assertEquals(all.size(), new TreeSet<>(all).size(), "nothing deleted twice " + when + ": " + all);
            if (deleted.exit() != 0) {
                assertTrue(byCron.contains(oldest), "the delete failed and cron did not delete " + oldest + " " + when
                        + "\n" + deleted.err());
                assertTrue(List.of("ERROR: Another process is holding the lock for backup " + oldest + " of server "
                        + "demo.\nERROR: Cannot delete backup (demo " + oldest + ")\n", "ERROR: Unknown backup '"
                        + oldest + "' for server 'demo'\n").contains(deleted.err()),
                        "the delete says it found the backup taken or gone " + when + ": " + deleted.err());
            } else {
                assertEquals("", deleted.err(), when);
                assertEquals(List.of(oldest), byDelete, when + "\n" + deleted.out());
            }
            assertReadable(home, newest, when);
            assertNoNeededWalLost(home, walsBefore, when);
            Proc later = home.barman("cron");
            assertEquals(0, later.exit(), later.out() + later.err());
            assertEquals("", later.err());
            assertRetentionDone(home, ids.get(3), "after a later cron, " + when);
        });
    }
}
