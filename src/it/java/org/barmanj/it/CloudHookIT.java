package org.barmanj.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hook mode (issue 19): our barman runs our barman-cloud-backup as its post_backup_retry_script and our
 * barman-cloud-wal-archive as its pre_archive_retry_script (the phases Barman 3.4's clients accept); after
 * {@code barman backup demo --wait} of a PostgreSQL 15 server with a tablespace, the catalog's backup (its
 * backup.info byte for byte) and the WAL files Barman's archiver took are in the bucket; Barman 3.4's
 * barman-cloud-backup-list lists it DONE, Barman 3.4's barman-cloud-restore and barman-cloud-wal-restore
 * (restore_command) bring back exactly the rows committed before the backup; Barman 3.4's barman-cloud-backup in
 * hook mode on the same catalog backup writes the same tar bytes. The refusals (a pre phase, a backup
 * not DONE, a post archive phase) are compared with Barman 3.4's clients.
 */
class CloudHookIT {
    static final int S3_PORT = 9794;
    static final int PG_PORT = 6794;
    static final String PG = "it-cloudhook15";
    static final String RESTORED = "it-cloudhook15r";
    static final String BUCKET = "hook";
    static final String URL = "s3://" + BUCKET + "/prefix";
    static final CloudLab LAB = new CloudLab("cloudhook", S3_PORT);

    @BeforeAll
    static void lab() {
        Lab.lab("pg", "destroy", PG);
        Lab.lab("pg", "destroy", RESTORED);
        Lab.startSshd();
        LAB.start();
        LAB.createBucket(BUCKET);
    }

    @AfterAll
    static void down() {
        Lab.lab("pg", "destroy", RESTORED);
        Lab.lab("pg", "destroy", PG);
        LAB.stop();
    }

    /** A hook line: the command with the lab's credentials and endpoint, URL and the server. */
    private static String hookCommand(String command) {
        return "env " + CloudLab.CREDS + " " + command + " --endpoint-url " + LAB.endpoint + " " + URL + " demo";
    }

    @Test
    void barmansHooksUploadTheBackupAndWalsThatBarman34Restores() throws Exception {
        long start = System.nanoTime();
        BarmanHome home = new BarmanHome("cloudhook").tutorialServer("pg1-srv", PG_PORT);
        home.withOptions("immediate_checkpoint = true\n"
                + "post_backup_retry_script = " + hookCommand(LAB.ours("barman-cloud-backup")) + "\n"
                + "pre_archive_retry_script = " + hookCommand(LAB.ours("barman-cloud-wal-archive")) + "\n")
                .ownedByBarman();
        try {
            Lab.lab("pg", "start", PG, "15", "pg1-srv", String.valueOf(PG_PORT),
                    "barman-wal-archive -c " + home.conf + " backup-srv demo %p");
            String ts = "/var/lib/edb/" + PG + "/ts1";
            Proc.as("enterprisedb", "mkdir", "-p", ts).ok();
            Lab.psql(PG, "CREATE TABLESPACE ts1 LOCATION '" + ts + "'");
            Lab.psql(PG, "CREATE TABLE t (i int) TABLESPACE ts1");
            Lab.psql(PG, "INSERT INTO t SELECT g FROM generate_series(1, 1000) g");
            Lab.psql(PG, "CREATE TABLE u AS SELECT g FROM generate_series(1, 300) g");
            home.barman("switch-wal", "--force", "--archive", "demo").ok();

            // Bounded: a retry script that keeps failing is run again forever.
            Proc backup = Proc.as("barman", "timeout", "180", Lab.BARMAN.toString(), "-c", home.conf.toString(),
                    "backup", "demo", "--wait").ok();
            String id = home.barman("list-backups", "--minimal", "demo").ok().out().lines().findFirst().orElseThrow();
            assertTrue(!backup.err().contains("post_backup_retry_script") && !backup.err().contains("returned"),
                    "the hook succeeded the first time: " + backup.err());
            Lab.psql(PG, "INSERT INTO t SELECT g FROM generate_series(1001, 1500) g"); // after the backup

            // The catalog's backup in the bucket: data.tar, the tablespace's OID.tar, backup.info as Barman wrote it.
            String oid = Lab.psql(PG, "SELECT oid FROM pg_tablespace WHERE spcname = 'ts1'");
            Path base = LAB.object(BUCKET, "prefix/demo/base/" + id);
            assertTrue(Files.exists(base.resolve("data.tar")), base.toString());
            assertTrue(Files.exists(base.resolve(oid + ".tar")), base + " " + oid);
            assertArrayEquals(Files.readAllBytes(home.root.resolve("demo/base/" + id + "/backup.info")),
                    Files.readAllBytes(base.resolve("backup.info")));
            // The WAL files Barman's archiver took, up to the backup's end (switch-wal --archive makes it close).
            String info = Files.readString(home.root.resolve("demo/base/" + id + "/backup.info"));
            String endWal = info.lines().filter(l -> l.startsWith("end_wal=")).findFirst().orElseThrow().substring(8);
            String beginWal = info.lines().filter(l -> l.startsWith("begin_wal=")).findFirst().orElseThrow()
                    .substring(10);
            for (String wal : List.of(beginWal, endWal)) {
                Path object = LAB.object(BUCKET, "prefix/demo/wals/" + wal.substring(0, 16) + "/" + wal);
                assertTrue(LAB.awaitObject(object), "archived through the hook: " + object);
                assertArrayEquals(Files.readAllBytes(home.root.resolve("demo/wals/" + wal.substring(0, 16) + "/"
                        + wal)), Files.readAllBytes(object));
            }

            // Barman 3.4's barman-cloud-backup in hook mode on the same catalog backup writes the same tars.
            String backupDir = home.root.resolve("demo/base/" + id).toString();
            hook("barman-cloud-backup", "s3://" + BUCKET + "/barman34", "BARMAN_HOOK=backup_retry_script",
                    "BARMAN_PHASE=post", "BARMAN_BACKUP_DIR=" + backupDir, "BARMAN_BACKUP_ID=" + id,
                    "BARMAN_STATUS=DONE").ok();
            Path theirs = LAB.object(BUCKET, "barman34/demo/base/" + id);
            for (String f : List.of("data.tar", oid + ".tar", "backup.info")) {
                assertArrayEquals(Files.readAllBytes(theirs.resolve(f)), Files.readAllBytes(base.resolve(f)), f);
            }

            String list = LAB.run(null, "barman-cloud-backup-list", "--format", "json", URL,
                    "demo").ok().out();
            assertTrue(list.contains("\"backup_id\": \"" + id + "\"") && list.contains("\"status\": \"DONE\""), list);
            String console = LAB.run(null, "barman-cloud-backup-list", URL, "demo").ok()
                    .out();
            assertTrue(console.lines().anyMatch(l -> l.startsWith(id + " ")), "listed (DONE only): " + console);

            // Barman 3.4 restores it: the rows committed before the backup, not those after.
            String dir = "/var/lib/edb/" + RESTORED;
            Proc.as("enterprisedb", "mkdir", "-p", dir).ok();
            LAB.run("enterprisedb", "barman-cloud-restore", "--tablespace",
                    "ts1:" + dir + "/ts1", URL, "demo", id, dir + "/data").ok();
            assertEquals(dir + "/ts1", Files.readSymbolicLink(Path.of(dir + "/data/pg_tblspc/" + oid)).toString());
            Proc.as("enterprisedb", "touch", dir + "/data/recovery.signal").ok();
            RecoveryIT.startRestored(RESTORED, 15, "127.0.0.1", PG_PORT + 1, "\narchive_mode = off\n"
                    + "restore_command = '" + LAB.restoreCommand("barman-cloud-wal-restore", URL, "demo") + "'\n"
                    + "recovery_target = 'immediate'\nrecovery_target_action = 'promote'\n");
            String inRecovery = "t";
            for (int i = 0; i < 300 && inRecovery.equals("t"); i++) {
                Thread.sleep(100);
                inRecovery = Lab.psql(RESTORED, "SELECT pg_is_in_recovery()");
            }
            assertEquals("f", inRecovery, "promoted at the end of the backup");
            assertEquals("1000|1000", Lab.psql(RESTORED, "SELECT count(*), max(i) FROM t"));
            assertEquals("300", Lab.psql(RESTORED, "SELECT count(*) FROM u"));
            assertEquals("1500", Lab.psql(PG, "SELECT count(*) FROM t"));

            refusalsAsBarman34(home.root.resolve("demo/base/" + id).toString(), id);
        } finally {
            home.delete();
        }
        System.out.printf("CloudHookIT: %d s%n", (System.nanoTime() - start) / 1_000_000_000);
    }

    /** command (ours or Barman 3.4's) url demo, run as root with the lab's credentials and the hook variables. */
    private static Proc hook(String command, String url, String... variables) {
        List<String> line = new ArrayList<>(List.of("env", "AWS_ACCESS_KEY_ID=" + CloudLab.KEY,
                "AWS_SECRET_ACCESS_KEY=" + CloudLab.SECRET));
        line.addAll(List.of(variables));
        line.addAll(List.of(command, "--endpoint-url", LAB.endpoint, url, "demo"));
        return Proc.run(line);
    }

    /** The same exit code and message from ours and Barman 3.4's for hooks they do not serve. */
    private static void refusalsAsBarman34(String dir, String id) throws Exception {
        String[][] cases = {
            {"barman-cloud-backup", "4", "barman-cloud-backup called as unsupported hook script: pre_backup_script",
                "BARMAN_HOOK=backup_script", "BARMAN_PHASE=pre"},
            {"barman-cloud-backup", "63", "backup in '" + dir + "' has status 'WAITING_FOR_WALS' (status should be:"
                + " DONE)", "BARMAN_HOOK=backup_retry_script", "BARMAN_PHASE=post", "BARMAN_BACKUP_DIR=" + dir,
                "BARMAN_BACKUP_ID=" + id, "BARMAN_STATUS=WAITING_FOR_WALS"},
            {"barman-cloud-backup", "4", "BARMAN_BACKUP_DIR environment variable not set",
                "BARMAN_HOOK=backup_script", "BARMAN_PHASE=post"},
            {"barman-cloud-wal-archive", "1", "barman-cloud-wal-archive called as unsupported hook script:"
                + " post_archive_retry_script", "BARMAN_HOOK=archive_retry_script", "BARMAN_PHASE=post"},
        };
        for (String[] c : cases) {
            for (String command : List.of(c[0], LAB.ours(c[0]))) {
                Proc p = hook(command, URL, List.of(c).subList(3, c.length).toArray(new String[0]));
                assertEquals(Integer.parseInt(c[1]), p.exit(), command + " " + List.of(c) + ": " + p.err());
                assertTrue(p.err().contains(c[2]), command + ": " + p.err());
            }
        }
        // A compressed catalog backup (backup_compression, Barman 3.11+; 3.4's uploader would put its tarballs
        // inside data.tar): ours refuses it, 63 so that the retry hook stops.
        Path copy = Files.createTempDirectory("cloudhook").resolve(id);
        Proc.run("cp", "-a", dir, copy.toString()).ok();
        Path info = copy.resolve("backup.info");
        String text = Files.readString(info);
        Files.writeString(info, text.contains("\ncompression=")
                ? text.replaceFirst("(?m)^compression=.*$", "compression=gzip") : text + "compression=gzip\n");
        Proc p = hook(LAB.ours("barman-cloud-backup"), URL, "BARMAN_HOOK=backup_retry_script", "BARMAN_PHASE=post",
                "BARMAN_BACKUP_DIR=" + copy, "BARMAN_BACKUP_ID=" + id, "BARMAN_STATUS=DONE");
        assertEquals(63, p.exit(), p.err());
        assertTrue(p.err().contains("has compression=gzip: barmanj uploads only plain, full catalog backups"), p.err());
    }
}
