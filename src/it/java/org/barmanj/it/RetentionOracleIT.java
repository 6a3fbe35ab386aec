package org.barmanj.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.barmanj.it.SyntheticCatalog.daysAgo;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Barman 3.4 is the oracle for retention: the same synthetic catalog (see {@link SyntheticCatalog}) and the same
 * configuration are copied into two barman homes; Barman 3.4 runs {@code cron}, {@code delete} or {@code keep} on
 * one, ours on the other. Then the files left in the server directory (paths; backup.info, xlog.db and keep
 * annotations byte for byte), {@code list-backups} before and after, and each command's stdout, stderr and exit code
 * must be the same; only the clock readings of {@code Deleted backup ... (start time: ..., elapsed time: ...)},
 * the homes' own paths and Barman 3.4's object dump in a refused delete's error ({@link #withIdForObject}) are
 * normalised. Every scenario also states what Barman 3.4 itself did, so that an oracle that
 * did nothing (a disabled server, say) cannot make the comparison pass.
 *
 * <p>No PostgreSQL is needed: retention reads only the catalog. {@code -Dretention.oracle.subject=barman34} runs
 * Barman 3.4 in place of ours, which checks the harness itself (every comparison must then pass).
 */
class RetentionOracleIT {
    /** A fixed history for the scenarios where times do not matter, so their backup ids are known here. */
    private static final Instant START = Instant.parse("2026-11-20T21:00:00Z");
    private static final boolean SELF_CHECK = "barman34".equals(System.getProperty("retention.oracle.subject"));

    /**
     * REDUNDANCY 2 over five DONE backups and a FAILED one (after the oldest): cron removes the three oldest DONE
     * ones and the WAL before the fourth, the FAILED one's included, and leaves the FAILED backup itself.
     */
    @Test
    void cronUnderRedundancy() throws Exception {
        try (Twin twin = new Twin("redundancy", "retention_policy = REDUNDANCY 2\n", this::sixBackups)) {
            List<String> ids = twin.ids;
            twin.sameListBackups("before cron");
            twin.sameRun("cron");
            twin.sameListBackups("after cron");
            twin.sameTree("after cron");
            twin.oracleKept("cron", ids.get(1), ids.get(4), ids.get(5));
            // A second run finds nothing more to remove.
            twin.sameRun("cron");
            twin.sameTree("after the second cron");
            twin.verify();
        }
    }

    /**
     * RECOVERY WINDOW OF 2 DAYS with minimum_redundancy 3 over backups that ended 6, 5, 4, 3 days and 12 hours ago:
     * the newest and the first older than the window are VALID, the next one OBSOLETE* (kept for the minimum
     * redundancy), the two oldest OBSOLETE. The end times are relative to now, so the ids are too.
     */
    @Test
    void cronUnderRecoveryWindow() throws Exception {
        Instant now = Instant.now();
        String options = "retention_policy = RECOVERY WINDOW OF 2 DAYS\nminimum_redundancy = 3\n";
        try (Twin twin = new Twin("window", options, c -> c.wal(2).backup(daysAgo(now, 6)).wal(3)
                .backup(daysAgo(now, 5)).wal(3).backup(daysAgo(now, 4)).wal(3).backup(daysAgo(now, 3)).wal(3)
                .backup(daysAgo(now, 0.5)).wal(2))) {
            List<String> ids = twin.ids;
            Proc before = twin.sameListBackups("before cron");
            assertTrue(before.out().contains(ids.get(2) + " - ") && before.out().contains("- OBSOLETE*\n"),
                    "Barman 3.4 shows OBSOLETE*:\n" + before.out());
            twin.sameRun("cron");
            twin.sameListBackups("after cron");
            twin.sameTree("after cron");
            twin.oracleKept("cron", ids.get(2), ids.get(3), ids.get(4));
            twin.verify();
        }
    }

    /**
     * keep:full on the oldest, keep:standalone on the second, REDUNDANCY 1: cron removes the two backups between the
     * kept ones and the newest, and no WAL, since the full keep needs every WAL from it onwards.
     */
    @Test
    void cronSparesKeptBackups() throws Exception {
        try (Twin twin = new Twin("keeps", "retention_policy = REDUNDANCY 1\n", c -> {
            fiveBackups(c);
            c.keep(c.ids().get(0), "full").keep(c.ids().get(1), "standalone");
        })) {
            List<String> ids = twin.ids;
            twin.sameListBackups("before cron");
            Proc cron = twin.sameRun("cron");
            assertTrue(!cron.out().contains("Delete associated WAL segments:"), "Barman 3.4 kept all WAL:\n" + cron);
            twin.sameListBackups("after cron");
            twin.sameTree("after cron");
            twin.oracleKept("cron", ids.get(0), ids.get(1), ids.get(4));
            twin.verify();
        }
    }

    /**
     * keep:standalone on the oldest and the third, REDUNDANCY 1: cron removes the second and the fourth, and the
     * WAL before the newest backup except what each standalone backup needs (its begin_wal..end_wal).
     */
    @Test
    void cronKeepsOnlyTheWalOfStandaloneBackups() throws Exception {
        try (Twin twin = new Twin("standalone", "retention_policy = REDUNDANCY 1\n", c -> {
            fiveBackups(c);
            c.keep(c.ids().get(0), "standalone").keep(c.ids().get(2), "standalone");
        })) {
            List<String> ids = twin.ids;
            twin.sameListBackups("before cron");
            Proc cron = twin.sameRun("cron");
            assertTrue(cron.out().contains("Delete associated WAL segments:"), "Barman 3.4 removed WAL:\n" + cron.out());
            twin.sameListBackups("after cron");
            twin.sameTree("after cron");
            twin.oracleKept("cron", ids.get(0), ids.get(2), ids.get(4));
            twin.verify();
        }
    }

    /**
     * {@code delete} of one backup of b1, FAILED, b2, b3 (keep:full), b4, b5 under REDUNDANCY 4, each on fresh
     * copies; {@code backup} is the argument (an index into the ids, or a literal such as {@code oldest}).
     */
    @ParameterizedTest(name = "delete {0} ({1})")
    @CsvSource({
            "oldest, the oldest through its alias, 0",
            "2, a middle one, 0",
            "last, the newest through its alias, 0",
            "1, the FAILED one, 0",
            "3, the kept one (refused), 0",
            "4, one that minimum_redundancy protects (refused), 5",
            "20200101T000000, an unknown id, 0"})
    void delete(String backup, String what, int minimumRedundancy) throws Exception {
        String options = "retention_policy = REDUNDANCY 4\nminimum_redundancy = " + minimumRedundancy + "\n";
        try (Twin twin = new Twin("delete", options, c -> {
            sixBackups(c);
            c.keep(c.ids().get(3), "full");
        })) {
            String id = backup.matches("\\d") ? twin.ids.get(Integer.parseInt(backup)) : backup;
            twin.sameListBackups("before delete");
            Proc delete = twin.sameRun("delete", SyntheticCatalog.SERVER, id);
            twin.sameListBackups("after delete");
            twin.sameTree("after delete");
            List<String> left = new ArrayList<>(twin.ids);
            switch (backup) {
                case "oldest" -> left.remove(0);
                case "last" -> left.remove(5);
                case "2", "1" -> left.remove(Integer.parseInt(backup));
                default -> assertEquals(1, delete.exit(), "Barman 3.4 refused: " + delete);
            }
            twin.oracleKept("delete " + id, left.toArray(String[]::new));
            twin.verify();
        }
    }

    /**
     * Two backups on timeline 1, a promotion (00000002.history), two on timeline 2: {@code delete oldest} twice.
     * The first removes the timeline-1 WAL before the second backup; the second, whose next backup is on timeline 2,
     * also the rest of timeline 1. The history file stays.
     */
    @Test
    void deleteAcrossTimelines() throws Exception {
        try (Twin twin = new Twin("timelines", "", c -> c.wal(2).backup(START).wal(2)
                .backup(START.plusSeconds(86_400)).wal(3).promote().wal(2).backup(START.plusSeconds(2 * 86_400))
                .wal(2).backup(START.plusSeconds(3 * 86_400)).wal(1))) {
            List<String> ids = twin.ids;
            twin.sameListBackups("before delete");
            twin.sameRun("delete", SyntheticCatalog.SERVER, "oldest");
            twin.sameListBackups("after the first delete");
            twin.sameTree("after the first delete");
            Proc second = twin.sameRun("delete", SyntheticCatalog.SERVER, "oldest");
            assertTrue(second.out().contains("\t00000001000000000000000B\n"), "the end of timeline 1 went:\n" + second);
            twin.sameListBackups("after the second delete");
            twin.sameTree("after the second delete");
            twin.oracleKept("two deletes", ids.get(2), ids.get(3));
            assertTrue(Files.exists(twin.theirs.root.resolve("demo/wals/00000002.history")), "history kept");
            twin.verify();
        }
    }

    /**
     * Keeps made by one tool are read by the other: ours {@code keep --target standalone}, Barman 3.4's
     * {@code keep --status} prints it; Barman 3.4's {@code keep --target full}, ours {@code --status} prints it;
     * {@code --release} both ways. Each step is also run by both tools on their own copy and compared.
     */
    @Test
    void keepAcrossTools() throws Exception {
        try (Twin twin = new Twin("keep", "retention_policy = REDUNDANCY 2\n", this::sixBackups)) {
            String second = twin.ids.get(2);
            String third = twin.ids.get(3);
            String s = SyntheticCatalog.SERVER;
            twin.sameRun("keep", "--status", s, second);
            twin.sameRun("keep", "--target", "standalone", s, second);
            twin.sameTree("after keep --target standalone");
            twin.oracleReads("ours' keep --target standalone", "Server demo:\n\tKeep: standalone\n",
                    "keep", "--status", s, second);
            twin.sameListBackups("after keep --target standalone");

            twin.sameRun("keep", "--target", "full", s, third);
            twin.sameTree("after keep --target full");
            twin.subjectReads("Barman 3.4's keep --target full", "Server demo:\n\tKeep: full\n",
                    "keep", "--status", s, third);
            twin.sameListBackups("after keep --target full");

            twin.sameRun("keep", "--release", s, second);
            twin.sameTree("after keep --release (standalone)");
            twin.oracleReads("ours' keep --release", "Server demo:\n\tKeep: nokeep\n", "keep", "--status", s, second);
            twin.sameRun("keep", "--release", s, third);
            twin.sameTree("after keep --release (full)");
            twin.subjectReads("Barman 3.4's keep --release", "Server demo:\n\tKeep: nokeep\n",
                    "keep", "--status", s, third);
            twin.sameListBackups("after both releases");

            twin.sameRun("keep", "--target", "full", s, twin.ids.get(1));
            twin.sameRun("keep", s, second);
            twin.sameTree("after the refused keeps");
            twin.verify();
        }
    }

    /** b1, a FAILED backup, b2 ... b5, a day apart, WAL archived between them. */
    private void sixBackups(SyntheticCatalog c) throws IOException {
        c.wal(2).backup(START).wal(1).failedBackup(START.plusSeconds(43_200)).wal(2);
        for (int day = 1; day <= 4; day++) {
            c.backup(START.plusSeconds(day * 86_400L)).wal(3);
        }
    }

    private static void fiveBackups(SyntheticCatalog c) throws IOException {
        c.wal(2);
        for (int day = 0; day < 5; day++) {
            c.backup(START.plusSeconds(day * 86_400L)).wal(3);
        }
    }

    interface CatalogScript {
        void write(SyntheticCatalog catalog) throws IOException;
    }

    /**
     * One catalog and configuration in two homes: {@code theirs} for Barman 3.4, {@code ours} for the tool under
     * test. Comparisons are gathered and reported together by {@link #verify}, so one run shows every mismatch.
     */
    private static final class Twin implements AutoCloseable {
        final BarmanHome theirs;
        final BarmanHome ours;
        final List<String> ids;
        private final List<Executable> checks = new ArrayList<>();

        Twin(String name, String options, CatalogScript script) throws IOException {
            Path template = Files.createTempDirectory("retention-oracle-" + name);
            try {
                SyntheticCatalog catalog = new SyntheticCatalog(template.resolve(SyntheticCatalog.SERVER), START);
                script.write(catalog);
                catalog.finish();
                ids = catalog.ids();
                theirs = home(name + "-theirs", options, template);
                ours = home(name + "-ours", options, template);
            } finally {
                Proc.run("rm", "-rf", template.toString()).ok();
            }
            assertEquals(snapshot(theirs), snapshot(ours), "the two copies start equal");
        }

        private static BarmanHome home(String name, String options, Path template) throws IOException {
            BarmanHome home = new BarmanHome(name).tutorialServer("pg1-srv", 1).withOptions(options);
            // The log next to the catalog, not in the system's /var/log/barman.
            Files.writeString(home.conf, Files.readString(home.conf) + "log_file = " + home.root.resolve("barman.log")
                    + "\n");
            Proc.run("cp", "-a", template.resolve(SyntheticCatalog.SERVER).toString(), home.root.toString()).ok();
            return home.ownedByBarman();
        }

        /** The tool under test (Barman 3.4 itself in the harness's self-check). */
        Proc subject(String... args) {
            return SELF_CHECK ? ours.barman34(args) : ours.barman(args);
        }

        /** Runs the command with each tool on its copy, waits for what it spawned, compares; returns Barman's. */
        Proc sameRun(String... args) {
            Proc expected = theirs.barman34(args);
            awaitSpawned(theirs);
            Proc actual = subject(args);
            awaitSpawned(ours);
            String what = String.join(" ", args);
            checks.add(() -> assertEquals(expected.exit(), actual.exit(), what + ": exit code; Barman 3.4 printed\n"
                    + expected.out() + expected.err() + "ours\n" + actual.out() + actual.err()));
            checks.add(() -> assertEquals(normalised(expected.out(), theirs), normalised(actual.out(), ours),
                    what + ": stdout"));
            checks.add(() -> assertEquals(withIdForObject(normalised(expected.err(), theirs), args),
                    withIdForObject(normalised(actual.err(), ours), args), what + ": stderr"));
            return expected;
        }

        Proc sameListBackups(String when) {
            Proc expected = theirs.barman34("list-backups", SyntheticCatalog.SERVER);
            assertEquals(0, expected.exit(), "Barman 3.4 list-backups " + when + ": " + expected);
            Proc actual = subject("list-backups", SyntheticCatalog.SERVER);
            checks.add(() -> assertEquals(expected.out() + expected.err() + "exit " + expected.exit(),
                    actual.out() + actual.err() + "exit " + actual.exit(), "list-backups " + when));
            return expected;
        }

        void sameTree(String when) throws IOException {
            Map<String, String> expected = snapshot(theirs);
            Map<String, String> actual = snapshot(ours);
            checks.add(() -> assertEquals("", difference(expected, actual),
                    "the server directory " + when + " (Barman 3.4's copy vs ours)"));
        }

        /** Barman 3.4 {@code args} on ours' copy prints {@code expected}, as on its own. */
        void oracleReads(String what, String expected, String... args) {
            Proc onOurs = ours.barman34(args);
            Proc onTheirs = theirs.barman34(args);
            assertEquals(expected, onTheirs.out(), "Barman 3.4 on its own copy");
            checks.add(() -> assertEquals(expected + "exit 0", onOurs.out() + onOurs.err() + "exit " + onOurs.exit(),
                    "Barman 3.4 " + String.join(" ", args) + " after " + what));
        }

        /** Ours {@code args} on Barman 3.4's copy prints {@code expected}, as Barman 3.4 does there. */
        void subjectReads(String what, String expected, String... args) {
            Proc oracle = theirs.barman34(args);
            assertEquals(expected, oracle.out(), "Barman 3.4 on its own copy");
            Proc actual = SELF_CHECK ? theirs.barman34(args) : theirs.barman(args);
            checks.add(() -> assertEquals(expected + "exit 0", actual.out() + actual.err() + "exit " + actual.exit(),
                    "ours " + String.join(" ", args) + " after " + what));
        }

        /** What Barman 3.4 itself left: exactly these backup directories. */
        void oracleKept(String after, String... ids) throws IOException {
            try (Stream<Path> dirs = Files.list(theirs.root.resolve("demo/base"))) {
                assertEquals(new TreeSet<>(List.of(ids)),
                        new TreeSet<>(dirs.map(d -> d.getFileName().toString()).toList()),
                        "the backups Barman 3.4 left after " + after);
            }
        }

        void verify() {
            assertAll(checks);
        }

        @Override
        public void close() {
            theirs.delete();
            ours.delete();
        }
    }

    /**
     * The server directory: every path (directories with a trailing slash), with the whole text of the files that
     * retention writes and the size of the others (the WAL segments and copied data, which it only removes).
     */
    private static Map<String, String> snapshot(BarmanHome home) throws IOException {
        Path root = home.root.resolve(SyntheticCatalog.SERVER);
        Map<String, String> tree = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                String name = root.relativize(p).toString();
                if (Files.isDirectory(p)) {
                    tree.put(name + "/", "");
                } else if (name.endsWith("xlog.db") || name.endsWith("backup.info") || name.endsWith("/keep")) {
                    tree.put(name, Files.readString(p, StandardCharsets.UTF_8));
                } else {
                    tree.put(name, Files.size(p) + " bytes");
                }
            }
        }
        return tree;
    }

    private static String difference(Map<String, String> expected, Map<String, String> actual) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            if (!actual.containsKey(e.getKey())) {
                out.append("missing in ours: ").append(e.getKey()).append('\n');
            } else if (!actual.get(e.getKey()).equals(e.getValue())) {
                out.append("differs: ").append(e.getKey()).append("\n  Barman 3.4:\n").append(e.getValue())
                        .append("\n  ours:\n").append(actual.get(e.getKey())).append('\n');
            }
        }
        for (String path : actual.keySet()) {
            if (!expected.containsKey(path)) {
                out.append("left by ours only: ").append(path).append('\n');
            }
        }
        return out.toString();
    }

    /** The clock readings of a delete, and the home's path, which differ between any two runs. */
    private static String normalised(String output, BarmanHome home) {
        return output.replace(home.root.toString(), "@BARMAN_HOME@")
                .replaceAll("(?m)^(Deleted backup \\S+ \\(start time: ).*(, elapsed time: ).*\\)$", "$1@T@$2@E@)");
    }

    /**
     * The one documented difference in the output (docs/commands/delete.md): where Barman 3.4's refused delete
     * prints its whole {@code LocalBackupInfo(...)} object in {@code Cannot delete backup (...)}, ours prints the
     * id. The test names refused backups by id, so that id stands in for the object.
     */
    private static String withIdForObject(String stderr, String[] args) {
        if (args.length == 3 && args[0].equals("delete") && args[2].matches("\\d{8}T\\d{6}")) {
            return stderr.replaceAll("(?m)^(ERROR: Cannot delete backup \\(\\S+ )LocalBackupInfo\\(.*\\)\\)$",
                    "$1" + args[2] + ")");
        }
        return stderr;
    }

    /**
     * cron starts archive-wal (and check-backup) as detached processes; the catalog is compared only once no
     * process of this home (its configuration file is in their arguments) is left.
     */
    private static void awaitSpawned(BarmanHome home) {
        String conf = home.conf.toString();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (runningWith(conf)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("processes of " + conf + " still running after 60 s");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static boolean runningWith(String conf) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+")).anyMatch(p -> {
                try {
                    return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .contains(conf);
                } catch (IOException gone) {
                    return false;
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
