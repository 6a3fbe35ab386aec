package org.barmanj.it;

import org.barmanj.core.compat.PyDateTime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tutorial's "Setup the standby servers" on PostgreSQL 13, 15 and 17, then point-in-time recovery (time,
 * xid, LSN, restore point, immediate, a timeline after a promotion), get-wal, tablespace relocation, recovering
 * over an earlier recovery, and the refusals, all against real servers restored over ssh.
 */
class RecoveryIT {
    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    /** Tutorial demo server for a lab primary, immediate checkpoints so backups are quick. */
    private static BarmanHome home(String name, int port) throws IOException {
        return new BarmanHome(name).tutorialServer("pg1-srv", port).withOptions("immediate_checkpoint = true\n")
                .ownedByBarman();
    }

    private static String startPrimary(String name, int major, int port, BarmanHome home) {
        Lab.lab("pg", "destroy", name);
        return Lab.lab("pg", "start", name, String.valueOf(major), "pg1-srv", String.valueOf(port),
                "barman-wal-archive -c " + home.conf + " backup-srv demo %p").out().strip();
    }

    private static Proc recover(BarmanHome home, String host, String name, String... args) {
        List<String> all = new ArrayList<>(List.of("recover"));
        all.addAll(List.of(args));
        all.addAll(List.of("--remote-ssh-command", "ssh enterprisedb@" + host, "demo", "latest",
                "/var/lib/edb/" + name + "/data"));
        return home.barman(all.toArray(new String[0]));
    }

    /**
     * Lab only: the "hosts" share one machine, so a restored server gets its own address, port and socket folder
     * (on separate hosts the restored settings would do). {@code extra} is appended to postgresql.auto.conf.
     */
    static void startRestored(String name, int major, String host, int port, String extra) throws Exception {
        Path data = Path.of("/var/lib/edb/" + name + "/data");
        Proc.as("enterprisedb", "mkdir", "-p", "/var/lib/edb/" + name + "/run").ok();
        Path conf = data.resolve("postgresql.conf");
        Files.writeString(conf, Files.readString(conf)
                .replaceAll("(?m)^listen_addresses = .*$", "listen_addresses = '" + host + "'")
                .replaceAll("(?m)^port = .*$", "port = " + port)
                .replaceAll("(?m)^unix_socket_directories = .*$", "unix_socket_directories = '/var/lib/edb/" + name
                        + "/run'"));
        Path auto = data.resolve("postgresql.auto.conf");
        Files.writeString(auto, Files.readString(auto) + extra);
        Proc.run("chown", "enterprisedb:", conf.toString(), auto.toString()).ok();
        Lab.lab("pg", "start", name, String.valueOf(major), host, String.valueOf(port));
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 15, 17})
    void tutorialThreeNodeCluster(int major) throws Exception {
        String primary = "it-rec" + major + "-pg1";
        int port = 5800 + major;
        BarmanHome home = home("rec" + major, port);
        List<String> standbys = List.of("it-rec" + major + "-pg2", "it-rec" + major + "-pg3");
        try {
            System.out.println("RecoveryIT: running against PostgreSQL " + startPrimary(primary, major, port, home));
            Lab.psql(primary, "CREATE TABLE before_backup AS SELECT generate_series(1, 1000) AS id");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            for (int i = 0; i < 2; i++) {
                String name = standbys.get(i);
                String host = "pg" + (i + 2) + "-srv";
                Lab.lab("pg", "destroy", name);
                List<String> sharedBefore = sharedConnections();
                Proc r = recover(home, host, name, "--standby-mode");
                assertEquals(0, r.exit(), r.out() + r.err());
                assertTutorialOutput(r.out(), name, host, primary);
                assertEquals(sharedBefore, sharedConnections(), "the recovery's shared ssh connection is closed");
                startRestored(name, major, host, port, "primary_conninfo = 'host=pg1-srv user=replic_user port="
                        + port + "'\n");
            }
            BackupIT.waitFor(() -> Lab.psql(primary, "SELECT count(*) FROM pg_stat_replication WHERE state = "
                    + "'streaming'").equals("2"), "two streaming walsenders on the primary");
            Lab.psql(primary, "CREATE TABLE after_standbys AS SELECT generate_series(1, 500) AS id");
            for (String s : standbys) {
                BackupIT.waitFor(() -> Lab.psql(s, "SELECT count(*) FROM after_standbys").equals("500"),
                        s + " to receive the rows written after it started");
                assertEquals("1000", Lab.psql(s, "SELECT count(*) FROM before_backup"));
                assertEquals("t", Lab.psql(s, "SELECT pg_is_in_recovery()"));
            }
        } finally {
            for (String s : standbys) {
                Lab.lab("pg", "destroy", s);
            }
            Lab.lab("pg", "destroy", primary);
            home.delete();
        }
    }

    /** ssh masters of shared connections (SharedConnection) running, and their sockets. */
    private static List<String> sharedConnections() throws IOException {
        List<String> found = new ArrayList<>(ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse("")).filter(c -> c.contains("barman-ssh-")).toList());
        try (var tmp = Files.list(Path.of("/tmp"))) {
            tmp.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("barman-ssh-")).forEach(found::add);
        }
        return found.stream().sorted().toList();
    }

    /** The tutorial's lines, in its order; the IMPORTANT block names archive_command, the WARNING the socket. */
    private static void assertTutorialOutput(String out, String name, String host, String primary) {
        List<String> lines = out.lines().toList();
        assertTrue(lines.get(0).matches("Starting remote restore for server demo using backup \\d{8}T\\d{6}"), out);
        List<String> expected = List.of("Destination directory: /var/lib/edb/" + name + "/data",
                "Remote command: ssh enterprisedb@" + host, "Copying the base backup.", "Copying required WAL segments.",
                "Generating archive status files", "Generating recovery configuration",
                "Identify dangerous settings in destination directory.", "", "IMPORTANT",
                "These settings have been modified to prevent data losses", "");
        assertEquals(expected, lines.subList(1, 1 + expected.size()), out);
        assertTrue(lines.get(12).matches("postgresql\\.conf line \\d+: archive_command = false"), out);
        assertEquals(List.of("", "WARNING", "You are required to review the following options as potentially dangerous",
                ""), lines.subList(13, 17), out);
        assertTrue(lines.get(17).matches("postgresql\\.conf line \\d+: unix_socket_directories = '/var/lib/edb/"
                + primary + "/run'"), out);
        assertEquals("", lines.get(18), out);
        assertTrue(lines.get(19).matches("Recovery completed \\(start time: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d"
                + "(\\.\\d{6})?\\+00:00, elapsed time: .+\\)"), out);
        assertEquals("Your PostgreSQL server has been successfully prepared for recovery!", lines.get(20), out);
        assertEquals(21, lines.size(), out);
    }

    @Test
    void pointInTimeTablespacesTimelinesAndRefusals() throws Exception {
        String primary = "it-pitr";
        int port = 5830;
        String restored = "it-pitr-r";
        Path tablespace = Path.of("/var/lib/edb/it-pitr-tbs");
        Path relocated = Path.of("/var/lib/edb/it-pitr-r-tbs");
        BarmanHome home = home("pitr", port);
        try {
            Proc.run("rm", "-rf", tablespace.toString()).ok();
            Proc.as("enterprisedb", "mkdir", "-p", tablespace.toString()).ok();
            startPrimary(primary, 15, port, home);
            Lab.psql(primary, "CREATE TABLESPACE tbs LOCATION '" + tablespace + "'");
            Lab.psql(primary, "CREATE TABLE t (id int PRIMARY KEY) TABLESPACE tbs");
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(1, 5)");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            // Commits on both sides of each target.
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(6, 10)");
            String xid = Lab.psql(primary, "BEGIN; INSERT INTO t SELECT generate_series(11, 20); "
                    + "SELECT txid_current(); COMMIT;").lines().filter(l -> l.matches("\\d+")).findFirst().orElseThrow();
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(21, 30)");
            String lsn = Lab.psql(primary, "SELECT pg_current_wal_insert_lsn()");
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(31, 40)");
            Lab.psql(primary, "SELECT pg_create_restore_point('before_41')");
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(41, 50)");
            Thread.sleep(1100);
            String time = Lab.psql(primary, "SELECT now()::timestamptz(0)::text");
            Thread.sleep(1100);
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(51, 60)");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();

            String[][] targets = {
                {"--target-immediate", null, "5"},
                {"--target-xid", xid, "20"},
                {"--target-lsn", lsn, "30"},
                {"--target-name", "before_41", "40"},
                {"--target-time", time, "50"},
            };
            for (String[] target : targets) {
                Lab.lab("pg", "destroy", restored);
                Proc.run("rm", "-rf", relocated.toString()).ok();
                List<String> args = new ArrayList<>(List.of(target[0]));
                if (target[1] != null) {
                    args.add(target[1]);
                }
                args.addAll(List.of("--target-action", "promote", "--tablespace", "tbs:" + relocated));
                Proc r = recover(home, "pg2-srv", restored, args.toArray(new String[0]));
                assertEquals(0, r.exit(), r.out() + r.err());
                assertTrue(r.out().contains("Doing PITR. Recovery target "), r.out());
                assertTrue(r.out().contains("\n\t" + Lab.psql(primary, "SELECT oid FROM pg_tablespace WHERE spcname = 'tbs'")
                        + ", tbs, " + relocated + "\n"), r.out());
                startRestored(restored, 15, "pg2-srv", port + 1, "");
                BackupIT.waitFor(() -> Lab.psql(restored, "SELECT pg_is_in_recovery()").equals("f"),
                        "recovery to " + target[0] + " to end");
                assertEquals(target[2], Lab.psql(restored, "SELECT max(id) FROM t"), "rows committed before "
                        + target[0] + " " + target[1]);
                assertEquals(relocated.toString(), Lab.psql(restored, "SELECT pg_tablespace_location(oid) FROM "
                        + "pg_tablespace WHERE spcname = 'tbs'"), "the tablespace is relocated");
            }

            // A timeline switch: the last restored server (promoted, timeline 2) archives into the same catalog
            // and writes rows that exist only on timeline 2; --target-tli latest follows it.
            Path conf = Path.of("/var/lib/edb/" + restored + "/data/postgresql.auto.conf");
            Files.writeString(conf, Files.readString(conf) + "archive_command = 'barman-wal-archive -c " + home.conf
                    + " backup-srv demo %p'\n");
            Lab.psql(restored, "SELECT pg_reload_conf()");
            Lab.psql(restored, "INSERT INTO t SELECT generate_series(1001, 1010)");
            String tl2Wal = Lab.psql(restored, "SELECT pg_walfile_name(pg_switch_wal())");
            assertTrue(tl2Wal.startsWith("00000002"), tl2Wal);
            BackupIT.waitFor(() -> {
                home.barman("archive-wal", "demo").ok();
                return Files.exists(home.root.resolve("demo/wals/" + tl2Wal.substring(0, 16) + "/" + tl2Wal));
            }, "timeline 2's WAL in the archive");
            Lab.lab("pg", "destroy", restored);
            Proc.run("rm", "-rf", relocated.toString()).ok();
            Proc r = recover(home, "pg2-srv", restored, "--target-tli", "latest", "--tablespace", "tbs:" + relocated);
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("Doing PITR. Recovery target timeline: 'latest'"), r.out());
            startRestored(restored, 15, "pg2-srv", port + 1, "");
            BackupIT.waitFor(() -> Lab.psql(restored, "SELECT pg_is_in_recovery()").equals("f"), "recovery to end");
            assertEquals("1010", Lab.psql(restored, "SELECT max(id) FROM t"), "timeline 2's rows");
            assertEquals("10", Lab.psql(restored, "SELECT count(*) FROM t WHERE id > 1000"));
            Lab.lab("pg", "destroy", restored);

            nonEmptyDestination(home, restored, relocated, port + 1);
            Lab.lab("pg", "destroy", restored);
            Proc.run("rm", "-rf", relocated.toString()).ok();
            refusals(home, restored, time);
        } finally {
            Lab.lab("pg", "destroy", restored);
            Lab.lab("pg", "destroy", primary);
            Proc.run("rm", "-rf", tablespace.toString(), relocated.toString()).ok();
            home.delete();
        }
    }

    /**
     * Recovering over an earlier recovery, as Barman does: files the backup lacks are deleted, and a file that
     * differs from the backup only in content (same size and time) is copied again when it is newer than the safe
     * horizon (the earlier begin time of the two backups, read from .barman-recover.info), or when there is no
     * .barman-recover.info to tell (then every file is compared by checksum; here with two jobs).
     */
    private static void nonEmptyDestination(BarmanHome home, String restored, Path relocated, int port)
            throws Exception {
        Path dest = Path.of("/var/lib/edb/" + restored + "/data");
        Path backupData;
        try (var ids = Files.list(home.root.resolve("demo/base"))) {
            backupData = ids.findFirst().orElseThrow().resolve("data");
        }
        String beginTime = Files.readString(backupData.resolveSibling("backup.info")).lines()
                .filter(l -> l.startsWith("begin_time=")).findFirst().orElseThrow().substring("begin_time=".length());
        long horizon = PyDateTime.parse(beginTime).toEpochSecond();
        List<Path> files;
        try (var walk = Files.walk(backupData)) {
            files = walk.filter(Files::isRegularFile).filter(f -> f.toFile().length() > 0).toList();
        }
        Path newer = files.stream().filter(f -> f.toFile().lastModified() / 1000 >= horizon).findFirst()
                .orElseThrow(() -> new AssertionError("no file of the backup is newer than its begin time"));
        Path older = files.stream().filter(f -> f.toFile().lastModified() / 1000 < horizon).findFirst()
                .orElseThrow(() -> new AssertionError("no file of the backup is older than its begin time"));

        String[] args = {"--tablespace", "tbs:" + relocated};
        assertEquals(0, recover(home, "pg2-srv", restored, args).exit());
        tamper(dest.resolve(backupData.relativize(newer)));
        Path extraneous = dest.resolve("base/extraneous");
        Path staleWal = dest.resolve("pg_wal/000000010000000000000099");
        Path stalePid = dest.resolve("postmaster.pid");
        for (Path stale : List.of(extraneous, staleWal, stalePid)) {
            Files.writeString(stale, "not in the backup");
        }
        Proc again = recover(home, "pg2-srv", restored, args);
        assertEquals(0, again.exit(), again.out() + again.err());
        assertTrue(again.out().contains("\nUsing safe horizon time for smart rsync copy: " + beginTime + "\n"),
                again.out());
        assertArrayEquals(Files.readAllBytes(newer), Files.readAllBytes(dest.resolve(backupData.relativize(newer))),
                backupData.relativize(newer) + ": newer than the horizon, same size and time: compared by checksum");
        for (Path stale : List.of(extraneous, staleWal, stalePid)) {
            assertFalse(Files.exists(stale), dest.relativize(stale) + ": not in the backup, deleted as by Barman");
        }
        // The WAL files this recover copied came after the deletions: the server starts and ends its recovery.
        startRestored(restored, 15, "pg2-srv", port, "");
        BackupIT.waitFor(() -> Lab.psql(restored, "SELECT pg_is_in_recovery()").equals("f"), "recovery to end");
        assertTrue(Integer.parseInt(Lab.psql(restored, "SELECT max(id) FROM t")) >= 5, "the backup's rows");
        Lab.lab("pg", "stop", restored);

        Files.delete(dest.resolve(".barman-recover.info"));
        tamper(dest.resolve(backupData.relativize(older)));
        List<String> twoJobs = new ArrayList<>(List.of(args));
        twoJobs.addAll(List.of("--jobs", "2"));
        Proc blind = recover(home, "pg2-srv", restored, twoJobs.toArray(new String[0]));
        assertEquals(0, blind.exit(), blind.out() + blind.err());
        assertFalse(blind.out().contains("safe horizon"), blind.out());
        assertArrayEquals(Files.readAllBytes(older), Files.readAllBytes(dest.resolve(backupData.relativize(older))),
                backupData.relativize(older) + ": without .barman-recover.info every file is compared by checksum");
    }

    /** Changes the file's first byte and gives it back its time: rsync's quick check cannot see the change. */
    private static void tamper(Path file) throws IOException {
        var time = Files.getLastModifiedTime(file);
        byte[] content = Files.readAllBytes(file);
        content[0] ^= 0x5a;
        Files.write(file, content);
        Files.setLastModifiedTime(file, time);
    }

    /** Each refusal: exit 1, Barman's one-line error (and its HINT), nothing copied. */
    private static void refusals(BarmanHome home, String restored, String time) throws Exception {
        Path dest = Path.of("/var/lib/edb/" + restored + "/data");
        String[][] cases = {
            {"ERROR: Unknown backup '20000101T000000' for server 'demo'", "demo", "20000101T000000", dest.toString()},
            {"ERROR: The requested target time 2000-01-01 00:00:00+00:00 is before the backup end time ", "--target-time",
                "2000-01-01 00:00:00+00:00", "demo", "latest", dest.toString()},
            {"ERROR: You cannot specify multiple targets for the recovery operation", "--target-immediate",
                "--target-name", "x", "demo", "latest", dest.toString()},
            {"ERROR: The requested target timeline 7 is not reachable from backup ", "--target-tli", "7", "demo",
                "latest", dest.toString()},
            {"ERROR: Can't enable recovery target action when PITR is not required", "--target-action", "promote",
                "demo", "latest", dest.toString()},
            {"ERROR: Invalid tablespace relocation rule 'tbs'\nHINT: The valid syntax for a relocation rule is "
                + "NAME:LOCATION", "--tablespace", "tbs", "demo", "latest", dest.toString()},
            {"ERROR: Invalid tablespace name 'nope'\nHINT: Please use any of the following tablespaces: tbs",
                "--tablespace", "nope:/tmp/x", "demo", "latest", dest.toString()},
            {"ERROR: The destination directory parameter cannot contain the ':' character\nHINT: If you want to do a "
                + "remote recovery you have to use the --remote-ssh-command option", "demo", "latest", "host:/x"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("recover", "--remote-ssh-command", "ssh enterprisedb@pg2-srv"));
            args.addAll(List.of(c).subList(1, c.length));
            Proc r = home.barman(args.toArray(new String[0]));
            assertEquals(1, r.exit(), String.join(" ", args) + "\n" + r.out() + r.err());
            assertTrue(r.err().startsWith(c[0]), "expected " + c[0] + "\ngot " + r.err());
            assertFalse(Files.exists(dest), "nothing copied for " + c[0]);
        }
        // Unreachable host, unwritable destination: nothing copied either.
        Proc r = home.barman("recover", "--remote-ssh-command", "ssh -o ConnectTimeout=2 enterprisedb@127.0.0.9", "demo",
                "latest", dest.toString());
        assertEquals(1, r.exit());
        assertEquals("ERROR: Unable to connect to the target host using the command 'ssh -o ConnectTimeout=2 "
                + "enterprisedb@127.0.0.9'\n", r.err());
        Path readOnly = Path.of("/var/lib/edb/it-pitr-readonly");
        Proc.run("mkdir", "-p", readOnly.toString()).ok();
        try {
            r = home.barman("recover", "--remote-ssh-command", "ssh enterprisedb@pg2-srv", "demo", "latest",
                    readOnly.resolve("data").toString());
            assertEquals(1, r.exit(), r.out() + r.err());
            assertTrue(r.err().startsWith("ERROR: Cannot prepare the destination directory " + readOnly.resolve("data")),
                    r.err());
            assertFalse(Files.exists(readOnly.resolve("data")));
        } finally {
            Proc.run("rm", "-rf", readOnly.toString()).ok();
        }
        // A WAL file the backup needs, gone from the archive: refused before anything is copied.
        String begin = BackupIT.backupInfo(latestBackupInfo(home)).get("begin_wal");
        Path wal = home.root.resolve("demo/wals/" + begin.substring(0, 16) + "/" + begin);
        Path aside = wal.resolveSibling("aside");
        Files.move(wal, aside);
        try {
            r = home.barman("recover", "--remote-ssh-command", "ssh enterprisedb@pg2-srv", "demo", "latest",
                    dest.toString());
            assertEquals(1, r.exit());
            assertTrue(r.err().startsWith("ERROR: The WAL file " + begin + " needed by backup "), r.err());
            assertFalse(Files.exists(dest));
        } finally {
            Files.move(aside, wal);
        }
    }

    private static Path latestBackupInfo(BarmanHome home) throws IOException {
        try (var ids = Files.list(home.root.resolve("demo/base"))) {
            return ids.sorted().reduce((a, b) -> b).orElseThrow().resolve("backup.info");
        }
    }

    /**
     * What protects a destination: a running PostgreSQL's data directory is refused, over ssh and locally, its
     * files untouched; {@code latest} with a corrupt newest backup.info is refused, the destination untouched.
     * And a target time in the compact form Barman 3.4 reads (no zone: this host's, as PostgreSQL's here) is
     * written as given and ends the recovery where it names.
     */
    @Test
    void runningServerCorruptNewestBackupInfoAndCompactTargetTime() throws Exception {
        String primary = "it-live";
        String restored = "it-live-r";
        int port = 5850;
        Path data = Path.of("/var/lib/edb/" + primary + "/data");
        BarmanHome home = home("live", port);
        try {
            startPrimary(primary, 15, port, home);
            Lab.psql(primary, "CREATE TABLE t AS SELECT generate_series(1, 5) AS id");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            String backupId = latestBackupInfo(home).getParent().getFileName().toString();
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(6, 10)");
            Thread.sleep(1100);
            String time = Lab.psql(primary, "SELECT to_char(now(), 'YYYYMMDD\"T\"HH24MISS')");
            Thread.sleep(1100);
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(11, 20)");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();

            Proc.as("enterprisedb", "sh", "-c", "echo 'not in the backup' > " + data + "/not-in-the-backup").ok();
            String pid = Files.readAllLines(data.resolve("postmaster.pid")).get(0);
            String refusal = "ERROR: The destination directory " + data + " is the data directory of a running "
                    + "PostgreSQL server: its postmaster.pid names process " + pid + " (postgres); stop that server, "
                    + "or recover into another directory\n";
            Map<String, String> before = topLevel(data);
            Proc remote = home.barman("recover", "--remote-ssh-command", "ssh enterprisedb@pg1-srv", "demo", "latest",
                    data.toString());
            assertEquals(1, remote.exit(), remote.out() + remote.err());
            assertEquals(refusal, remote.err());
            assertEquals("Starting remote restore for server demo using backup " + backupId + "\nDestination directory: "
                    + data + "\nRemote command: ssh enterprisedb@pg1-srv\n", remote.out());
            assertEquals(before, topLevel(data), "the running server's files are untouched");
            // Locally: Barman on the database host, as the server's owner (who alone may write there).
            Path localConf = home.root.resolve("local.conf");
            Files.writeString(localConf, Files.readString(home.conf).replace("barman_user = barman",
                    "barman_user = enterprisedb"));
            Proc.run("chown", "-R", "enterprisedb:", home.root.toString()).ok();
            Proc local = Proc.as("enterprisedb", Lab.BARMAN.toString(), "-c", localConf.toString(), "recover", "demo",
                    "latest", data.toString());
            Proc.run("chown", "-R", "barman:", home.root.toString()).ok();
            assertEquals(1, local.exit(), local.out() + local.err());
            assertEquals(refusal, local.err());
            assertEquals("Starting local restore for server demo using backup " + backupId + "\nDestination directory: "
                    + data + "\n", local.out());
            assertEquals(before, topLevel(data), "the running server's files are untouched");
            assertEquals("20", Lab.psql(primary, "SELECT max(id) FROM t"), "the server still runs");

            // A newer backup whose backup.info is corrupt: 'latest' may be it; the older one is not restored.
            home.barman("backup", "demo", "--wait").ok();
            Path newest = latestBackupInfo(home);
            Files.writeString(newest, Files.readString(newest) + "garbage\n");
            Path dest = Path.of("/var/lib/edb/" + restored + "/data");
            Lab.lab("pg", "destroy", restored);
            Proc.as("enterprisedb", "mkdir", "-p", dest.toString()).ok();
            Proc.as("enterprisedb", "sh", "-c", "echo 'a file of the destination' > " + dest + "/PG_VERSION").ok();
            Map<String, String> destBefore = topLevel(dest);
            Proc corrupt = recover(home, "pg2-srv", restored);
            assertEquals(1, corrupt.exit(), corrupt.out() + corrupt.err());
            assertEquals("", corrupt.out());
            String problem = "corrupt backup.info " + newest + " line " + Files.readAllLines(newest).size()
                    + ": 'garbage' is not a key=value line";
            assertEquals("ERROR: Cannot tell which backup is 'latest' for server 'demo': " + problem
                    + "; give the backup ID instead\n", corrupt.err());
            assertEquals(destBefore, topLevel(dest), "the destination is untouched");

            // The first backup by its id (the corrupt one warned about), to the compact target time (written as
            // given).
            Proc.run("rm", "-rf", dest.toString()).ok();
            Proc pitr = home.barman("recover", "--remote-ssh-command", "ssh enterprisedb@pg2-srv", "--target-time",
                    time, "--target-action", "promote", "demo", backupId, dest.toString());
            assertEquals(0, pitr.exit(), pitr.out() + pitr.err());
            assertEquals("WARNING: " + problem + "\n", pitr.err());
            // The lab's hosts are in UTC, PostgreSQL's TimeZone too: the zone Barman gives a time without one.
            String read = time.substring(0, 4) + "-" + time.substring(4, 6) + "-" + time.substring(6, 8) + " "
                    + time.substring(9, 11) + ":" + time.substring(11, 13) + ":" + time.substring(13, 15) + "+00:00";
            assertTrue(pitr.out().contains("\nDoing PITR. Recovery target time: '" + read + "'\n"), pitr.out());
            assertTrue(Files.readString(dest.resolve("postgresql.auto.conf")).contains("\nrecovery_target_time = '"
                    + time + "'\n"));
            startRestored(restored, 15, "pg2-srv", port + 1, "");
            BackupIT.waitFor(() -> Lab.psql(restored, "SELECT pg_is_in_recovery()").equals("f"), "recovery to end");
            assertEquals("10", Lab.psql(restored, "SELECT max(id) FROM t"), "rows committed before " + time);
        } finally {
            Lab.lab("pg", "destroy", restored);
            Lab.lab("pg", "destroy", primary);
            home.delete();
        }
    }

    /** The top-level entries of a data directory: regular files with their content and time, the folder's mode. */
    private static Map<String, String> topLevel(Path dir) throws IOException {
        Map<String, String> state = new TreeMap<>();
        state.put(".", Files.getPosixFilePermissions(dir).toString());
        try (var entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                state.put(p.getFileName().toString(), Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        ? Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1) + " @"
                        + Files.getLastModifiedTime(p) : "");
            }
        }
        return state;
    }

    @Test
    void getWalStandbyReplaysFromTheArchive() throws Exception {
        String primary = "it-getwal";
        String standby = "it-getwal-s";
        int port = 5840;
        BarmanHome home = home("getwal", port);
        try {
            startPrimary(primary, 15, port, home);
            Lab.psql(primary, "CREATE TABLE t AS SELECT generate_series(1, 100) AS id");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            home.barman("backup", "demo", "--wait").ok();
            Lab.lab("pg", "destroy", standby);
            Proc r = recover(home, "pg3-srv", standby, "--standby-mode", "--get-wal");
            assertEquals(0, r.exit(), r.out() + r.err());
            assertFalse(r.out().contains("Copying required WAL segments."), "get-wal copies no WAL: " + r.out());
            assertTrue(r.out().contains("WARNING: 'get-wal' is in the specified 'recovery_options'."), r.out());
            Path auto = Path.of("/var/lib/edb/" + standby + "/data/postgresql.auto.conf");
            String settings = Files.readString(auto);
            String host = settings.replaceAll("(?s).*restore_command = 'barman-wal-restore -U barman (\\S+) demo %f %p'.*",
                    "$1");
            assertFalse(host.contains("\n"), settings);
            assertTrue(Files.exists(auto.resolveSibling("standby.signal")));
            // Lab only: the backup host's name is this machine's, which our sshd does not listen on; and the
            // catalog's configuration is not /etc/barman.conf.
            Files.writeString(auto, settings.replace("-U barman " + host + " demo", "-U barman -c " + home.conf
                    + " backup-srv demo"));
            startRestored(standby, 15, "pg3-srv", port + 1, "");
            Lab.psql(primary, "INSERT INTO t SELECT generate_series(101, 300)");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();
            BackupIT.waitFor(() -> Lab.psql(standby, "SELECT count(*) FROM t").equals("300"),
                    "the standby to replay the archived WAL through barman-wal-restore");
            assertEquals("0", Lab.psql(standby, "SELECT count(*) FROM pg_stat_wal_receiver"), "no streaming");
        } finally {
            Lab.lab("pg", "destroy", standby);
            Lab.lab("pg", "destroy", primary);
            home.delete();
        }
    }
}
