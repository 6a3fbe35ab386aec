package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * barmanj's barman-cloud-backup against S3Proxy with Barman 3.4's barman-cli-cloud as the oracle: PostgreSQL
 * archives WAL with our barman-cloud-wal-archive, ours takes the backup (-J 2, compressed, split archives, a
 * tablespace), Barman 3.4 lists, shows and restores it (barman-cloud-restore, barman-cloud-wal-restore as
 * restore_command) to a time between two commits; the restored cluster has exactly the rows of the first.
 * The tar members and backup.info keys are compared with a backup Barman 3.4 takes of the same cluster.
 */
class CloudBackupIT {
    static final CloudLab LAB = new CloudLab("cloudbackup", 9781);

    static String ours(String command) {
        return LAB.ours(command);
    }

    @BeforeAll
    static void lab() {
        LAB.start();
    }

    @AfterAll
    static void down() {
        LAB.stop();
    }

    /** The members of the tar (parts in order) with what the header says, as Python's tarfile reads them. */
    static List<String> members(List<Path> parts) {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", "import sys,tarfile\n"
                + "for p in sys.argv[1:]:\n"
                + "  with tarfile.open(p, 'r:*') as t:\n"
                + "    for m in t:\n"
                + "      print(m.name, m.type, oct(m.mode), m.uid, m.gid, m.uname, m.gname, sorted(m.pax_headers))\n"));
        parts.forEach(p -> cmd.add(p.toString()));
        Proc r = Proc.run(cmd);
        assertEquals(0, r.exit(), r.err());
        return List.of(r.out().split("\n"));
    }

    static Path backupDir(String prefix) throws Exception {
        try (Stream<Path> s = Files.list(LAB.s3Dir.resolve("cbkt/" + prefix + "/demo/base"))) {
            return s.findFirst().orElseThrow();
        }
    }

    static List<Path> parts(Path dir, String name, String suffix) throws Exception {
        List<Path> found = new ArrayList<>();
        found.add(dir.resolve(name + ".tar" + suffix));
        for (int i = 1; Files.exists(dir.resolve(String.format("%s_%04d.tar%s", name, i, suffix))); i++) {
            found.add(dir.resolve(String.format("%s_%04d.tar%s", name, i, suffix)));
        }
        return found;
    }

    static List<String> keys(Path info) throws Exception {
        return Files.readAllLines(info).stream().map(l -> l.substring(0, l.indexOf('=')) + "="
                + (l.endsWith("=None") ? "None" : "set")).toList();
    }

    @ParameterizedTest(name = "PostgreSQL {0} {1}")
    @CsvSource({"15,-z,.gz,6781", "13,-j,.bz2,6782"})
    void oursBacksUpBarman34ListsShowsAndRestoresToATime(int major, String flag, String suffix, int port)
            throws Exception {
        long itStart = System.nanoTime();
        String pg = "cbk" + major;
        String restored = "cbk" + major + "r";
        String prefix = "p" + major;
        Lab.lab("pg", "destroy", pg);
        Lab.lab("pg", "destroy", restored);
        try {
            String archive = LAB.archiveCommand(ours("barman-cloud-wal-archive"), "s3://cbkt/" + prefix, "demo");
            Lab.lab("pg", "start", pg, String.valueOf(major), "127.0.0.1", String.valueOf(port), archive);
            Path ts = Path.of("/var/lib/edb/" + pg + "/ts");
            Proc.as("enterprisedb", "mkdir", "-p", ts.toString()).ok();
            Lab.psql(pg, "CREATE TABLESPACE ts1 LOCATION '" + ts + "'");
            Lab.psql(pg, "CREATE TABLE big TABLESPACE ts1 AS SELECT g, md5(g::text) AS m FROM generate_series(1, 100000) g");
            Lab.psql(pg, "CREATE TABLE rows (id int)");
            Lab.psql(pg, "CREATE TABLE filler AS SELECT g, md5(g::text) || md5((g * 7)::text) AS m "
                    + "FROM generate_series(1, 200000) g");
            // The visibility maps exist before both backups: the two tars then list the same files.
            Lab.psql(pg, "VACUUM ANALYZE");
            Lab.psql(pg, "CHECKPOINT");
            String oid = Lab.psql(pg, "SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'");

            long t0 = System.nanoTime();
            Proc b = LAB.run(null, ours("barman-cloud-backup"), "--immediate-checkpoint",
                    "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "barman", "-J", "2", flag, "-S", "5MB",
                    "-n", "first-" + major, "s3://cbkt/" + prefix, "demo");
            double backupSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("CloudBackupIT: PostgreSQL %d backup by ours took %.2f s%n", major, backupSeconds);
            assertEquals(0, b.exit(), b.err());
            assertEquals("", b.err());
            Path dir = backupDir(prefix);
            String id = dir.getFileName().toString();
            List<Path> data = parts(dir, "data", suffix);
            assertTrue(data.size() >= 2, "data split past -S 5MB: " + data);
            assertTrue(Files.exists(dir.resolve(oid + ".tar" + suffix)), "tablespace tar named by its OID");
            Path info = dir.resolve("backup.info");
            for (Path p : data) {
                assertTrue(Files.getLastModifiedTime(p).compareTo(Files.getLastModifiedTime(info)) <= 0,
                        "backup.info uploaded last");
            }
            String infoText = Files.readString(info);
            assertTrue(infoText.contains("status=DONE\n"), infoText);
            assertTrue(infoText.contains("backup_name=first-" + major + "\n"), infoText);
            assertTrue(infoText.contains("tablespaces=[('ts1', " + oid + ", '" + ts + "')]"), infoText);

            // Barman 3.4 lists and shows it.
            Proc list = LAB.run(null, "barman-cloud-backup-list", "s3://cbkt/" + prefix, "demo");
            assertEquals(0, list.exit(), list.err());
            assertTrue(list.out().contains(id) && list.out().contains("first-" + major), list.out());
            Proc show = LAB.run(null, "barman-cloud-backup-show", "s3://cbkt/" + prefix, "demo",
                    id);
            assertEquals(0, show.exit(), show.err());
            assertTrue(show.out().contains("Status                 : DONE"), show.out());
            assertTrue(show.out().contains("ts1                  : " + ts + " (oid: " + oid + ")"), show.out());
            assertTrue(show.out().matches("(?s).*PostgreSQL Version     : " + major + "\\d{4}.*"), show.out());

            // The same cluster backed up by Barman 3.4: same tar members, same backup.info keys and None-ness.
            Proc theirs = LAB.run(null, "barman-cloud-backup", "--immediate-checkpoint",
                    "-h", "127.0.0.1", "-p", String.valueOf(port), "-U", "barman", "-J", "2", flag, "-S", "5MB",
                    "-n", "first-" + major, "s3://cbkt/theirs" + major, "demo");
            assertEquals(0, theirs.exit(), theirs.err());
            Path theirDir = backupDir("theirs" + major);
            assertEquals(keys(theirDir.resolve("backup.info")), keys(info));
            assertEquals(members(parts(theirDir, oid, suffix)), members(parts(dir, oid, suffix)));
            List<String> theirData = members(parts(theirDir, "data", suffix));
            List<String> ourData = members(data);
            assertEquals(theirData, ourData);
            assertTrue(ourData.get(ourData.size() - 1).startsWith("backup_label b'0' 0o644 0 "), ourData.toString());
            assertTrue(ourData.get(ourData.size() - 2).startsWith("global/pg_control "), ourData.toString());
            assertFalse(ourData.stream().anyMatch(m -> m.startsWith("pg_wal/0") || m.startsWith("./postmaster.pid")));

            // Commit A, the target time, commit B.
            Lab.psql(pg, "INSERT INTO rows SELECT generate_series(1, 10)");
            Thread.sleep(1200);
            String target = Lab.psql(pg, "SELECT now()::text");
            Thread.sleep(1200);
            Lab.psql(pg, "INSERT INTO rows SELECT generate_series(11, 20)");
            String last = Lab.psql(pg, "SELECT pg_walfile_name(pg_current_wal_lsn())");
            Lab.psql(pg, "SELECT pg_switch_wal()");
            BackupIT.waitFor(() -> {
                String a = Lab.psql(pg, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
                return a.compareTo(last) >= 0;
            }, "the segment of commit B archived");

            // Barman 3.4 restores it; its barman-cloud-wal-restore fetches the WAL.
            Path rdata = Path.of("/var/lib/edb/" + restored + "/data");
            Path rts = Path.of("/var/lib/edb/" + restored + "/ts");
            Proc.run("mkdir", "-p", rdata.getParent().toString()).ok();
            Proc r = LAB.run(null, "barman-cloud-restore", "--tablespace", "ts1:" + rts,
                    "s3://cbkt/" + prefix, "demo", "first-" + major, rdata.toString());
            assertEquals(0, r.exit(), r.err());
            Proc.run("chown", "-R", "enterprisedb:", rdata.getParent().toString()).ok();
            Proc.run("chmod", "700", rdata.toString()).ok();
            Files.writeString(rdata.resolve("recovery.signal"), "");
            Proc.run("chown", "enterprisedb:", rdata.resolve("recovery.signal").toString()).ok();
            int rport = port + 2;
            RecoveryIT.startRestored(restored, major, "127.0.0.1", rport, "archive_mode = off\n"
                    + "restore_command = '" + LAB.restoreCommand("barman-cloud-wal-restore", "s3://cbkt/" + prefix,
                            "demo") + "'\n"
                    + "recovery_target_time = '" + target + "'\nrecovery_target_action = 'promote'\n");
            BackupIT.waitFor(() -> "f".equals(Lab.psql(restored, "SELECT pg_is_in_recovery()")),
                    "the restored cluster promoted");
            assertEquals("10", Lab.psql(restored, "SELECT count(*) FROM rows"));
            assertEquals("10", Lab.psql(restored, "SELECT max(id) FROM rows"));
            assertEquals("100000", Lab.psql(restored, "SELECT count(*) FROM big"));
            assertEquals(rts.toString(), Lab.psql(restored, "SELECT pg_tablespace_location(oid) FROM pg_tablespace "
                    + "WHERE spcname = 'ts1'"));
            System.out.printf("CloudBackupIT: PostgreSQL %d flow took %.1f s%n", major,
                    (System.nanoTime() - itStart) / 1e9);
        } finally {
            Lab.lab("pg", "destroy", restored);
            Lab.lab("pg", "destroy", pg);
        }
    }
}
