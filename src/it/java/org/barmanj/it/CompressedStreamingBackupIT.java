package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code backup_method = postgres} with {@code backup_compression} (pg_basebackup 15, the lab's only one), beside a
 * twin configuration Barman 3.4 backs up the same server with, as {@link StreamingBackupIT}. On PostgreSQL 15 with
 * a tablespace, for gzip (client side), lz4 (client side, level 1), zstd (server side, level 3) and gzip compressed
 * by the server in plain format (a plain backup): our backup's files are Barman's tarballs, Barman 3.4 lists,
 * shows, lists the files of, checks and recovers ours, and each recovered cluster starts with every row. For lz4
 * and plain, Barman 3.4 backs up too: its backup.info has our keys and values but for the per-backup ones, its
 * files are ours, and we recover its backup (lz4's over ssh). On PostgreSQL 13: server-side compression fails check
 * and the backup with Barman 3.4's line, client side gzip is backed up and recovered.
 */
class CompressedStreamingBackupIT {
    private static final Path STAGING = Path.of("/tmp/comp-it-stage");
    /** Where a remote recovery (ssh enterprisedb@pg2-srv) stages the tarballs. */
    private static final Path REMOTE_STAGING = Path.of("/var/lib/edb/comp-it-stage");

    @BeforeAll
    static void sshd() {
        Lab.startSshd();
        Proc.run("mkdir", "-p", STAGING.toString()).ok();
        Proc.run("chown", "barman:", STAGING.toString()).ok();
    }

    @AfterAll
    static void removeStaging() {
        Proc.run("rm", "-rf", STAGING.toString()).ok();
    }

    @Test
    void gzipLz4AndZstdOnPostgres15() throws Exception {
        String name = "comp-15";
        int port = 6615;
        Path tablespace = Path.of("/var/lib/edb/" + name + "-tbs");
        BarmanHome ours = StreamingBackupIT.streamingHome("comp15ours", port);
        BarmanHome theirs = StreamingBackupIT.streamingHome("comp15theirs", port);
        String base = Files.readString(ours.root.resolve("barman.d/demo.conf"));
        List<String> copies = List.of("comp-15-r1", "comp-15-r2");
        try {
            System.out.println("CompressedStreamingBackupIT: running against PostgreSQL "
                    + StreamingBackupIT.startPrimary(name, 15, port, tablespace, ours, theirs));
            int rows = 3000;
            String oid = Lab.psql(name, "SELECT oid FROM pg_tablespace WHERE spcname = 'tbs'");
            Map<String, String> settings = Map.of(
                    "gzip", "backup_compression = gzip\n",
                    "lz4", "backup_compression = lz4\nbackup_compression_location = client\n"
                            + "backup_compression_level = 1\n",
                    "zstd", "backup_compression = zstd\nbackup_compression_location = server\n"
                            + "backup_compression_level = 3\n",
                    "plain", "backup_compression = gzip\nbackup_compression_location = server\n"
                            + "backup_compression_format = plain\n");
            for (String compression : List.of("gzip", "lz4", "zstd", "plain")) {
                // plain: the server compresses, pg_basebackup decompresses: a plain backup for the catalog.
                boolean plain = compression.equals("plain");
                // Barman 3.4 also backs up, and ours recovers its backup, for two of them (lz4 tarballs on a remote
                // host, plain locally); for gzip and zstd ours is compared with the tarball names Barman writes.
                boolean peer = compression.equals("lz4") || plain;
                for (BarmanHome home : List.of(ours, theirs)) {
                    Files.writeString(home.root.resolve("barman.d/demo.conf"), base + settings.get(compression));
                }
                Proc check = ours.barman("check", "demo");
                assertEquals(0, check.exit(), check.out() + check.err());
                Proc backup = ours.barman("backup", "demo", "--wait").ok();
                String id = StreamingBackupIT.backupId(backup.out());
                StreamingBackupIT.assertBackupShape(backup.out(), id);
                String theirId = peer
                        ? StreamingBackupIT.backupId(theirs.barman34("backup", "demo", "--wait").ok().out()) : null;
                Lab.psql(name, "INSERT INTO rows_in_base SELECT generate_series(" + (rows + 1) + ", " + (rows + 10)
                        + ")");
                rows += 10;
                ours.barman("switch-wal", "--force", "--archive", "demo").ok();
                if (peer) {
                    theirs.barman34("switch-wal", "--force", "--archive", "demo").ok();
                }

                Path dir = ours.root.resolve("demo/base/" + id);
                Map<String, String> info = StreamingBackupIT.backupInfo(dir.resolve("backup.info"));
                Path theirDir = peer ? theirs.root.resolve("demo/base/" + theirId) : null;
                if (peer) {
                    Map<String, String> theirInfo = StreamingBackupIT.backupInfo(theirDir.resolve("backup.info"));
                    assertEquals(theirInfo.keySet(), info.keySet());
                    for (String key : info.keySet()) {
                        if (!StreamingBackupIT.PER_BACKUP.contains(key)) {
                            assertEquals(theirInfo.get(key), info.get(key), key);
                        }
                    }
                }
                assertEquals(plain ? "None" : compression, info.get("compression"));
                assertTrue(info.get("backup_label").startsWith("'START WAL LOCATION: " + info.get("begin_xlog")
                        + " (file " + info.get("begin_wal") + ")\\n"), info.get("backup_label"));
                if (plain) {
                    assertTrue(names(dir.resolve("data")).contains("backup_label"));
                    assertEquals(names(theirDir.resolve(oid)), names(dir.resolve(oid)));
                } else {
                    String extension = Map.of("gzip", "tar.gz", "lz4", "tar.lz4", "zstd", "tar.zst").get(compression);
                    List<String> files = List.of(oid + "." + extension, "backup_manifest", "base." + extension);
                    assertEquals(files, names(dir.resolve("data")), "the tarballs as Barman names them");
                    if (peer) {
                        assertEquals(files, names(theirDir.resolve("data")));
                    }
                    assertEquals(List.of(), names(dir.resolve(oid)), "Barman's empty tablespace folder");
                }

                assertEquals(ours.barman34("list-backups", "demo").ok().out(),
                        ours.barman("list-backups", "demo").ok().out());
                assertEquals(ours.barman34("show-backup", "demo", id).ok().out(),
                        ours.barman("show-backup", "demo", id).ok().out());
                assertEquals(ours.barman34("list-files", "--target", "full", "demo", id).ok().out(),
                        ours.barman("list-files", "--target", "full", "demo", id).ok().out());
                assertEquals(ours.barman34("check-backup", "demo", id).ok().out(),
                        ours.barman("check-backup", "demo", id).ok().out());

                String first = copies.get(0);
                recover(() -> ours.barman34("recover", "--recovery-staging-path", STAGING.toString(), "--tablespace",
                        "tbs:" + tbs(first), "demo", id, data(first).toString()), first, 15, port + 20, false, !plain);
                String second = copies.get(1);
                boolean remote = compression.equals("lz4");
                if (peer) {
                    recover(() -> theirs.barman(remote ? new String[] {"recover", "--remote-ssh-command",
                            "ssh enterprisedb@pg2-srv", "--recovery-staging-path", REMOTE_STAGING.toString(),
                            "--tablespace", "tbs:" + tbs(second), "demo", theirId, data(second).toString()}
                            : new String[] {"recover", "--recovery-staging-path", STAGING.toString(), "--tablespace",
                            "tbs:" + tbs(second), "demo", theirId, data(second).toString()}), second, 15, port + 40,
                            remote, !plain);
                }
                for (String copy : peer ? copies : copies.subList(0, 1)) {
                    assertEquals("5000", Lab.psql(copy, "SELECT count(*) FROM rows_in_tbs"), compression + " " + copy);
                    assertEquals(String.valueOf(rows), Lab.psql(copy, "SELECT count(*) FROM rows_in_base"),
                            compression + " " + copy);
                    assertEquals(tbs(copy).toString(), Lab.psql(copy, "SELECT pg_tablespace_location(" + oid + ")"));
                    Lab.lab("pg", "destroy", copy);
                }
                assertEquals(List.of(), names(STAGING), "the staging folders are removed");
                assertEquals(List.of(), names(REMOTE_STAGING));
            }
        } finally {
            for (String copy : copies) {
                Lab.lab("pg", "destroy", copy);
                Proc.run("rm", "-rf", tbs(copy).toString()).ok();
            }
            Lab.lab("pg", "destroy", name);
            Proc.run("rm", "-rf", tablespace.toString(), REMOTE_STAGING.toString()).ok();
            ours.delete();
            theirs.delete();
        }
    }

    /**
     * PostgreSQL 13 and pg_basebackup 15: server-side compression is refused as Barman 3.4 refuses it (check's
     * configuration row, the backup's line); client-side gzip works and its backup is recovered.
     */
    @Test
    void clientSideOnPostgres13() throws Exception {
        String name = "comp-13";
        int port = 6613;
        Path tablespace = Path.of("/var/lib/edb/" + name + "-tbs");
        BarmanHome ours = StreamingBackupIT.streamingHome("comp13ours", port);
        BarmanHome theirs = StreamingBackupIT.streamingHome("comp13theirs", port);
        String base = Files.readString(ours.root.resolve("barman.d/demo.conf"));
        String copy = "comp-13-r1";
        try {
            System.out.println("CompressedStreamingBackupIT: running against PostgreSQL "
                    + StreamingBackupIT.startPrimary(name, 13, port, tablespace, ours, theirs));
            Files.writeString(ours.root.resolve("barman.d/demo.conf"), base + "backup_compression = gzip\n"
                    + "backup_compression_location = server\n");
            String line = "backup_compression_location = server requires PostgreSQL 15 or greater";
            Proc check = ours.barman("check", "demo");
            assertEquals(1, check.exit(), check.out());
            assertTrue(check.out().startsWith("Server demo (WARNING: disabled):\n"), check.out());
            assertTrue(check.out().contains("\tconfiguration: FAILED\n\t\t" + line + "\n"), check.out());
            Proc theirCheck = ours.barman34("check", "demo");
            assertTrue(theirCheck.out().contains("\tconfiguration: FAILED\n\t\t" + line + "\n"), theirCheck.out());
            Proc refused = ours.barman("backup", "demo");
            assertEquals(1, refused.exit(), refused.out() + refused.err());
            assertTrue(refused.err().lines().anyMatch(("ERROR: " + line)::equals), refused.err());
            assertEquals(List.of(), names(ours.root.resolve("demo/base")), "no backup folder is written");

            Files.writeString(ours.root.resolve("barman.d/demo.conf"), base + "backup_compression = gzip\n"
                    + "backup_compression_location = client\nbackup_compression_level = 5\n");
            Proc backup = ours.barman("backup", "demo", "--wait").ok();
            String id = StreamingBackupIT.backupId(backup.out());
            Lab.psql(name, "INSERT INTO rows_in_base SELECT generate_series(3001, 3010)");
            ours.barman("switch-wal", "--force", "--archive", "demo").ok();
            Path dir = ours.root.resolve("demo/base/" + id);
            assertEquals("gzip", StreamingBackupIT.backupInfo(dir.resolve("backup.info")).get("compression"));
            assertTrue(names(dir.resolve("data")).contains("base.tar.gz"));
            assertEquals(ours.barman34("show-backup", "demo", id).ok().out(),
                    ours.barman("show-backup", "demo", id).ok().out());
            recover(() -> ours.barman("recover", "--recovery-staging-path", STAGING.toString(), "--tablespace",
                    "tbs:" + tbs(copy), "demo", id, data(copy).toString()), copy, 13, port + 20, false, true);
            assertEquals("5000", Lab.psql(copy, "SELECT count(*) FROM rows_in_tbs"));
            assertEquals("3010", Lab.psql(copy, "SELECT count(*) FROM rows_in_base"));
        } finally {
            Lab.lab("pg", "destroy", copy);
            Proc.run("rm", "-rf", tbs(copy).toString()).ok();
            Lab.lab("pg", "destroy", name);
            Proc.run("rm", "-rf", tablespace.toString()).ok();
            ours.delete();
            theirs.delete();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Path data(String copy) {
        return Path.of("/var/lib/edb/" + copy + "/data");
    }

    private static Path tbs(String copy) {
        return Path.of("/var/lib/edb/" + copy + "-tbs");
    }

    /**
     * A recover into folders its user owns (barman here, enterprisedb over ssh), then the cluster started on its
     * own port and recovered to the end of the archive. {@code staged}: the recover says it staged tarballs.
     */
    private static void recover(Supplier<Proc> command, String copy, int major, int port, boolean remote,
                                boolean staged) throws Exception {
        Lab.lab("pg", "destroy", copy);
        Proc.run("rm", "-rf", tbs(copy).toString()).ok();
        Proc.run("mkdir", "-p", data(copy).toString(), tbs(copy).toString()).ok();
        String owner = remote ? "enterprisedb:" : "barman:";
        Proc.run("chown", owner, data(copy).toString(), tbs(copy).toString()).ok();
        // Barman 3.4 extracts into the destination as it finds it (a tarball has no entry for PGDATA itself).
        Proc.run("chmod", "700", data(copy).toString()).ok();
        if (remote) {
            Proc.run("mkdir", "-p", REMOTE_STAGING.toString()).ok();
            Proc.run("chown", owner, REMOTE_STAGING.toString()).ok();
        }
        Proc recover = command.get();
        assertEquals(0, recover.exit(), recover.out() + recover.err());
        assertEquals(staged, recover.out().contains("Staging compressed backup files on the recovery host in: "
                + (remote ? REMOTE_STAGING : STAGING) + "/barman-staging-demo-"), recover.out());
        assertTrue(recover.out().contains("Your PostgreSQL server has been successfully prepared for recovery!"),
                recover.out());
        Path data = data(copy);
        Path conf = data.resolve("postgresql.conf");
        Files.writeString(conf, Files.readString(conf)
                .replaceAll("(?m)^port = .*$", "port = " + port)
                .replaceAll("(?m)^unix_socket_directories = .*$", "unix_socket_directories = '/var/lib/edb/" + copy
                        + "/run'"));
        Proc.run("mkdir", "-p", data.getParent().resolve("run").toString()).ok();
        Proc.run("chown", "-R", "enterprisedb:", data.getParent().toString(), tbs(copy).toString()).ok();
        Proc started = Proc.run(Lab.SCRIPT.toString(), "pg", "start", copy, String.valueOf(major), "pg1-srv",
                String.valueOf(port));
        assertEquals(0, started.exit(), started.err() + "\nrecover:\n" + recover.out() + recover.err() + "\nlog:\n"
                + Proc.run("tail", "-30", data.getParent().resolve("log").toString()).out());
        BackupIT.waitFor(() -> Lab.psql(copy, "SELECT pg_is_in_recovery()").equals("f"), copy + " to finish recovery");
    }
}
