package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A backup that fails at any point (rsync error, ssh down, PostgreSQL restart, disk full, Ctrl-C, kill, kill -9)
 * is marked FAILED with the reason, the catalog stays readable (ours and Barman 3.4's list-backup), the earlier
 * backup and the WAL archive are untouched, and PostgreSQL is not left with a backup session. Each test records the
 * backups it made, so that the last one checks the catalog for exactly those, whichever tests ran before it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackupFailuresIT {
    private static final String PG = "it-bfail";
    private static final int PORT = 5760;
    private static BarmanHome home;
    private static String firstBackup;
    private static Map<String, String> firstBackupFiles;
    /** The backups the tests made fail, each checked FAILED by {@link #assertFailed}. */
    private static final Set<String> FAILED = new TreeSet<>();
    /** Good backups made after the first one. */
    private static final Set<String> DONE = new TreeSet<>();
    /** Backups made on a file system that is gone since (the full disk's). */
    private static final Set<String> GONE = new TreeSet<>();

    @BeforeAll
    static void primaryWithOneGoodBackup() throws Exception {
        Lab.startSshd();
        home = new BarmanHome("bfail");
        demo("ssh enterprisedb@pg1-srv", "");
        home.ownedByBarman();
        Lab.lab("pg", "destroy", PG);
        Lab.lab("pg", "start", PG, "15", "pg1-srv", String.valueOf(PORT),
                "barman-wal-archive -c " + home.conf + " backup-srv demo %p");
        Lab.psql(PG, "CREATE TABLE t AS SELECT g FROM generate_series(1, 100000) g");
        home.barman("switch-wal", "--force", "--archive", "demo").ok();
        Proc first = home.barman("backup", "demo", "--wait").ok();
        firstBackup = first.out().lines().findFirst().orElseThrow().replaceAll(".*/base/(\\S+)$", "$1");
        firstBackupFiles = tree(home.root.resolve("demo/base/" + firstBackup));
    }

    @AfterAll
    static void cleanUp() {
        Lab.lab("pg", "destroy", PG);
        if (home != null) {
            home.delete();
        }
    }

    /** Full copies (no reuse): hard links would make the copies too quick to interrupt or to fill a disk. */
    private static void demo(String sshCommand, String extra) throws IOException {
        Files.writeString(home.root.resolve("barman.d/demo.conf"), "[demo]\nssh_command = " + sshCommand
                + "\nconninfo = host=pg1-srv user=barman dbname=postgres port=" + PORT + "\nbackup_method = rsync\n"
                + "backup_options = concurrent_backup\nreuse_backup = off\narchiver = on\nimmediate_checkpoint = true\n"
                + extra);
    }

    @Test
    @Order(1)
    void rsyncErrorOnAnUnreadableFile() throws Exception {
        Path unreadable = Path.of("/var/lib/edb/" + PG + "/data/unreadable.conf");
        Proc.as("enterprisedb", "touch", unreadable.toString()).ok();
        Proc.run("chmod", "000", unreadable.toString()).ok();
        try {
            Proc p = home.barman("backup", "demo");
            assertEquals(1, p.exit(), p.out() + p.err());
            assertTrue(p.err().contains("ERROR: The backup has failed copying files"), p.err());
            assertTrue(p.err().contains("ERROR: Backup failed copying files.\nDETAILS: rsync exited with code 23"), p.err());
            assertTrue(p.out().contains("Asking PostgreSQL server to finalize the backup."), "the backup is stopped");
            assertFailed(lastBackupId(), "failure copying files (rsync exited with code 23: ");
        } finally {
            Proc.run("rm", "-f", unreadable.toString()).ok();
        }
    }

    @Test
    @Order(2)
    void sshDownForRsync() throws Exception {
        Path wrapper = home.root.resolve("ssh-down");
        Files.writeString(wrapper, "#!/bin/sh\n# ssh works for 'barman check', the host is gone for rsync\n"
                + "case \"$*\" in *rsync*) echo 'ssh: connect to host pg1-srv port 22: Connection refused' >&2; "
                + "exit 255;; esac\nexec ssh \"$@\"\n");
        Proc.run("chmod", "755", wrapper.toString()).ok();
        demo(wrapper + " enterprisedb@pg1-srv", "");
        try {
            Proc p = home.barman("backup", "demo");
            assertEquals(1, p.exit(), p.out() + p.err());
            assertTrue(p.err().contains("ERROR: Backup failed copying files."), p.err());
            assertFailed(lastBackupId(), "failure copying files (rsync exited with code ");
        } finally {
            demo("ssh enterprisedb@pg1-srv", "");
        }
    }

    /**
     * ssh works for the checks, then the host accepts rsync's connections and never answers (a listener on a
     * loopback address that never sends the ssh banner): the copy fails after ssh's ConnectTimeout with ssh's
     * message, instead of hanging.
     */
    @Test
    @Order(3)
    void sshHangsForRsync() throws Exception {
        try (ServerSocket mute = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.78"))) {
            Path wrapper = home.root.resolve("ssh-mute");
            Files.writeString(wrapper, "#!/bin/sh\n# ssh works for 'barman check', the host never answers rsync\n"
                    + "case \"$*\" in *rsync*) shift; exec ssh -p " + mute.getLocalPort() + " nobody@127.0.0.78 \"$@\";; "
                    + "esac\nexec ssh \"$@\"\n");
            Proc.run("chmod", "755", wrapper.toString()).ok();
            demo(wrapper + " enterprisedb@pg1-srv", "");
            try {
                long start = System.nanoTime();
                Proc p = home.barman("backup", "demo");
                double seconds = (System.nanoTime() - start) / 1e9;
                assertEquals(1, p.exit(), p.out() + p.err());
                // rsync reports ssh's death as 255 (ssh's code) or 12 (the protocol stream ended first): a race
                // inside rsync, seen both ways on the same machine; the reason is ssh's either way.
                String code = p.err().contains("rsync exited with code 12: ") ? "12" : "255";
                assertTrue(p.err().contains("ERROR: Backup failed copying files.\nDETAILS: rsync exited with code " + code
                        + ": Connection timed out during banner exchange\n"), p.err());
                assertTrue(seconds < 60, seconds + " s");
                assertFailed(lastBackupId(), "failure copying files (rsync exited with code " + code + ": Connection "
                        + "timed out during banner exchange)");
            } finally {
                demo("ssh enterprisedb@pg1-srv", "");
            }
        }
    }

    @Test
    @Order(4)
    void postgresRestartedDuringTheCopy() throws Exception {
        Running backup = Running.start("backup", "demo", "--bwlimit", "3000");
        backup.waitForLine("Starting backup copy via rsync/SSH");
        Lab.lab("pg", "stop", PG);
        Lab.lab("pg", "start", PG, "15", "pg1-srv", String.valueOf(PORT));
        assertEquals(1, backup.waitFor(), backup.output());
        assertTrue(backup.output().contains("ERROR: Backup failed issuing stop backup command"), backup.output());
        assertFailed(lastBackupId(), "failure issuing stop backup command (native concurrent) (");
    }

    @Test
    @Order(5)
    void diskFull() throws Exception {
        // base/ on a small file system holding a copy of the first backup (so this is not a first backup) and
        // room for little more; the real base/ is back, untouched, once it is unmounted.
        Path base = home.root.resolve("demo/base");
        Path stash = Files.createTempDirectory("first-backup");
        Proc.run("cp", "-a", base.resolve(firstBackup).toString(), stash.toString()).ok();
        Proc.run("mount", "-t", "tmpfs", "-o", "size=32m,mode=755", "tmpfs", base.toString()).ok();
        try {
            Proc.run("cp", "-a", stash.resolve(firstBackup).toString(), base.toString()).ok();
            Proc.run("chown", "barman:", base.toString()).ok();
            Proc p = home.barman("backup", "demo");
            assertEquals(1, p.exit(), p.out() + p.err());
            assertTrue(p.err().contains("ERROR: Backup failed copying files."), p.err());
            assertTrue(p.out().contains("Asking PostgreSQL server to finalize the backup."), "the backup is stopped");
            String failed = lastBackupId();
            assertNewBackup(failed);
            GONE.add(failed);
            String info = Files.readString(base.resolve(failed + "/backup.info"));
            assertTrue(info.contains("\nstatus=FAILED\n"), "marked FAILED on the full disk itself:\n" + info);
            assertTrue(info.contains("No space left on device"), info);
            assertEquals(0, home.barman("list-backups", "demo").exit());
            assertEquals(0, home.barman34("list-backup", "demo").exit());
        } finally {
            Proc.run("umount", base.toString()).ok();
            Proc.run("rm", "-rf", stash.toString()).ok();
        }
    }

    @Test
    @Order(6)
    void ctrlC() throws Exception {
        Running backup = Running.start("backup", "demo", "--bwlimit", "2000");
        backup.waitForLine("Starting backup copy via rsync/SSH");
        Thread.sleep(1000);
        // What a terminal does on Ctrl-C: SIGINT to the whole foreground process group.
        Proc.run("kill", "-INT", "--", "-" + backup.process.pid()).ok();
        assertTrue(backup.waitFor() != 0, backup.output());
        // Whichever notices first: our signal handler, or rsync ending on the same SIGINT (its code 20).
        String error = BackupIT.backupInfo(home.root.resolve("demo/base/" + lastBackupId() + "/backup.info")).get("error");
        assertTrue(error.equals("failure copying files (the backup process was interrupted by a signal)")
                || error.startsWith("failure copying files (rsync exited with code 20"), error);
        assertFailed(lastBackupId(), "failure copying files (");
    }

    @Test
    @Order(7)
    void kill() throws Exception {
        Running backup = Running.start("backup", "demo", "--bwlimit", "2000");
        backup.waitForLine("Starting backup copy via rsync/SSH");
        Thread.sleep(1000);
        List<ProcessHandle> copy = backup.copyProcesses();
        Proc.run("kill", String.valueOf(backup.java().pid())).ok();
        assertTrue(backup.waitFor() != 0, backup.output());
        assertFailed(lastBackupId(), "failure copying files (the backup process was interrupted by a signal)");
        BackupIT.waitFor(() -> copy.stream().noneMatch(Running::running), "its rsync and ssh processes to be ended");
    }

    /**
     * Nothing of a backup killed with SIGKILL goes on: its rsync and ssh processes (rsync's receiver among them,
     * which would go on writing what the sender still sends) end with it, and its folder stops changing. The
     * next backup marks it FAILED.
     */
    @Test
    @Order(8)
    void killDashNineLeavesNothingRunningAndIsFoundByTheNextBackup() throws Exception {
        Running backup = Running.start("backup", "demo", "--bwlimit", "2000");
        backup.waitForLine("Starting backup copy via rsync/SSH");
        String killed = lastBackupId();
        Path folder = home.root.resolve("demo/base/" + killed);
        List<ProcessHandle> copy = backup.copyProcesses();
        Path socket = copy.stream().map(Running::arguments).filter(a -> a.contains("ControlMaster=yes"))
                .flatMap(List::stream).filter(a -> a.startsWith("ControlPath=")).findFirst()
                .map(a -> Path.of(a.substring("ControlPath=".length()))).orElseThrow();
        assertTrue(Files.exists(socket), "the shared connection's master listens on " + socket);
        Proc.run("kill", "-9", String.valueOf(backup.java().pid())).ok();
        backup.waitFor();
        for (int i = 0; i < 50 && copy.stream().anyMatch(Running::running); i++) {
            Thread.sleep(100);
        }
        assertEquals(List.of(), copy.stream().filter(Running::running).map(Running::describe).toList(),
                "within 5 s of the kill, none of its rsync and ssh processes is left");
        assertFalse(Files.exists(socket), "the master has removed its socket " + socket);
        Map<String, String> files = tree(folder);
        Thread.sleep(3000);
        assertEquals(files, tree(folder), "nothing writes into the killed backup's folder");
        BackupIT.waitFor(() -> Lab.psql(PG, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'barman'")
                .equals("0"), "PostgreSQL to end the dead backup's session");
        assertTrue(Files.readString(folder.resolve("backup.info")).contains("status=STARTED"));
        Proc next = home.barman("backup", "demo", "--wait");
        assertEquals(0, next.exit(), next.out() + next.err());
        String good = lastBackupId();
        assertNotEquals(killed, good, next.out());
        assertNewBackup(good);
        DONE.add(good);
        assertEquals("DONE", BackupIT.backupInfo(home.root.resolve("demo/base/" + good + "/backup.info")).get("status"));
        assertFailed(killed, "failure copying files (the backup process ended before the backup finished)");
    }

    @Test
    @Order(9)
    void afterAllThatTheCatalogAndArchiveAreIntact() throws Exception {
        assertEquals(firstBackupFiles, tree(home.root.resolve("demo/base/" + firstBackup)),
                "the first backup is untouched");
        Proc list = home.barman("list-backups", "demo").ok();
        assertEquals(home.barman34("list-backup", "demo").ok().out(), list.out(), "Barman 3.4 reads the catalog");
        // Lines "demo <id> - FAILED" and "demo <id> - <end time> - Size: ...".
        Set<String> failedListed = new TreeSet<>();
        Set<String> othersListed = new TreeSet<>();
        for (String line : list.out().lines().toList()) {
            String[] words = line.split(" ");
            assertTrue(words.length > 3 && words[0].equals("demo") && words[2].equals("-"), line);
            assertTrue((line.endsWith(" - FAILED") ? failedListed : othersListed).add(words[1]), list.out());
        }
        assertEquals(FAILED, failedListed, "exactly the backups the tests made fail are FAILED:\n" + list.out());
        Set<String> good = new TreeSet<>(DONE);
        good.add(firstBackup);
        assertEquals(good, othersListed, "the good backups:\n" + list.out());
        for (String id : good) {
            assertEquals("DONE", BackupIT.backupInfo(home.root.resolve("demo/base/" + id + "/backup.info")).get("status"));
        }
        for (String id : GONE) {
            assertFalse(Files.exists(home.root.resolve("demo/base/" + id)), id + " was on the unmounted file system");
        }
        Proc check = home.barman("check", "demo");
        assertEquals(FAILED.isEmpty() ? 0 : 1, check.exit(), check.out());
        assertTrue(check.out().contains("\tfailed backups: " + (FAILED.isEmpty() ? "OK" : "FAILED") + " (there are "
                + FAILED.size() + " failed backups)\n"), check.out());
        assertEquals(home.barman34("check", "demo").out(), check.out());
        assertEquals("0", Lab.psql(PG, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'barman'"));
        home.barman("rebuild-xlogdb", "demo").ok();
        assertEquals(0, home.barman34("list-backup", "demo").exit());
    }

    /** The backup is FAILED with that error and everything else intact; it is recorded for the last test. */
    private static void assertFailed(String id, String errorPrefix) throws Exception {
        assertNewBackup(id);
        FAILED.add(id);
        Map<String, String> info = BackupIT.backupInfo(home.root.resolve("demo/base/" + id + "/backup.info"));
        assertEquals("FAILED", info.get("status"), info.toString());
        assertTrue(info.get("error").startsWith(errorPrefix), info.get("error"));
        assertEquals(0, home.barman("list-backups", "demo").exit());
        assertEquals(0, home.barman34("list-backup", "demo").exit(), "Barman 3.4 reads the catalog");
        BackupIT.waitFor(() -> Lab.psql(PG, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'barman'")
                .equals("0"), "no backup session left on PostgreSQL");
        assertEquals(firstBackupFiles, tree(home.root.resolve("demo/base/" + firstBackup)));
    }

    /** A backup this test made: not one an earlier test made or checked. */
    private static void assertNewBackup(String id) {
        assertFalse(id.equals(firstBackup) || FAILED.contains(id) || DONE.contains(id) || GONE.contains(id),
                "a new backup: " + id);
    }

    private static String lastBackupId() throws IOException {
        try (Stream<Path> ids = Files.list(home.root.resolve("demo/base"))) {
            return ids.map(p -> p.getFileName().toString()).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    /** Every file under a folder with its size, mtime and inode. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path f : all.toList()) {
                files.put(root.relativize(f).toString(), Files.size(f) + " " + Files.getLastModifiedTime(f) + " "
                        + Files.getAttribute(f, "unix:ino"));
            }
        }
        return files;
    }

    /** Our barman running in its own session (process group), its output collected as it comes. */
    private static final class Running {
        final Process process;
        private final List<String> lines = new ArrayList<>();
        private final Thread reader;

        private Running(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(line);
                        }
                    }
                } catch (IOException e) {
                    // The process ended.
                }
            });
            reader.start();
        }

        static Running start(String... args) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("setsid", "runuser", "-u", "barman", "--",
                    Lab.BARMAN.toString(), "-c", home.conf.toString()));
            cmd.addAll(List.of(args));
            return new Running(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }

        void waitForLine(String prefix) throws Exception {
            BackupIT.waitFor(() -> output().lines().anyMatch(l -> l.startsWith(prefix)) || !process.isAlive(),
                    "'" + prefix + "'");
            assertTrue(output().lines().anyMatch(l -> l.startsWith(prefix)), () -> output() + "\n"
                    + home.barman("check", "demo").out());
        }

        /** The JVM of our barman: runuser's child (bin/barman execs java). */
        ProcessHandle java() {
            return process.toHandle().children().findFirst().orElseThrow(() -> new AssertionError("no JVM under "
                    + process.pid()));
        }

        /** The rsync and ssh processes under our barman's JVM, once a copy runs (waited for). */
        List<ProcessHandle> copyProcesses() throws Exception {
            ProcessHandle java = java();
            BackupIT.waitFor(() -> java.descendants().filter(p -> program(p).equals("rsync")).count() >= 2,
                    "rsync and its receiver to run");
            return java.descendants().filter(p -> program(p).equals("rsync") || program(p).equals("ssh")).toList();
        }

        /** Its program's name, from /proc (ProcessHandle.Info is empty for another user's processes). */
        private static String program(ProcessHandle p) {
            try {
                return Files.readString(Path.of("/proc/" + p.pid() + "/comm")).strip();
            } catch (IOException e) {
                return "";
            }
        }

        /** Alive and not a zombie (an orphan waits for whoever adopted it to reap it). */
        static boolean running(ProcessHandle p) {
            if (!p.isAlive()) {
                return false;
            }
            try {
                String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
                return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
            } catch (IOException e) {
                return false;
            }
        }

        /** Its command line's words, from /proc. */
        static List<String> arguments(ProcessHandle p) {
            try {
                return List.of(Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).split("\0"));
            } catch (IOException e) {
                return List.of();
            }
        }

        static String describe(ProcessHandle p) {
            return p.pid() + " " + program(p);
        }

        int waitFor() throws Exception {
            int code = process.waitFor();
            reader.join();
            return code;
        }

        String output() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }
    }
}
