package org.barmanj.core.check;

import org.barmanj.core.TestServer;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.BackupInfo.Status;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.compat.PyNamedTuple;
import org.barmanj.core.config.ServerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Barman 3.4's checks, in its order and wording, on a catalog and a PostgreSQL remote status given here; the
 * lab's ITs run them against real PostgreSQL and sshd ({@code check} golden outputs of Barman 3.4).
 */
class ServerCheckTest {
    @TempDir
    Path home;

    /**
     * The server, its {@code ssh_command} a script standing in for ssh that prints {@code banner} (nothing when
     * empty) and succeeds.
     */
    private ServerConfig server(String banner, String extra) throws IOException {
        Path ssh = home.resolve("fake-ssh");
        Files.writeString(ssh, "#!/bin/sh\n" + (banner.isEmpty() ? "" : "echo '" + banner + "'\n") + "exit 0\n");
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        return TestServer.create(home, ssh + " postgres@pg", extra);
    }

    private static List<CheckResult> run(ServerConfig server, Map<String, Object> remote) {
        return new ServerCheck(server).run(() -> remote);
    }

    /** A primary that archives and a role with backup privileges, as RemoteStatus reports them. */
    private static Map<String, Object> healthyPrimary() {
        Map<String, Object> r = new HashMap<>();
        r.put("server_txt_version", "15.18");
        r.put("has_backup_privileges", true);
        r.put("wal_level", "replica");
        r.put("postgres_systemid", "7300000000000000001");
        r.put("archive_mode", "on");
        r.put("archive_command", "barman-wal-archive backup-srv demo %p");
        r.put("is_archiving", true);
        return r;
    }

    private static Map<String, CheckResult> byName(List<CheckResult> results) {
        Map<String, CheckResult> map = new LinkedHashMap<>();
        results.forEach(r -> map.put(r.name(), r));
        return map;
    }

    private void backup(ServerConfig server, String id, Status status, OffsetDateTime end) {
        BackupInfo b = BackupInfo.create(id, false);
        b.set(BackupInfo.STATUS, status);
        b.set(BackupInfo.BEGIN_WAL, "000000010000000000000003");
        b.set(BackupInfo.END_WAL, "000000010000000000000003");
        b.set(BackupInfo.END_TIME, end);
        b.set(BackupInfo.TIMELINE, 1L);
        b.set(BackupInfo.SIZE, 2048L);
        b.save(new CatalogLayout(server).backupInfoFile(id));
    }

    @Test
    void aNewServerWithoutWalArchivingCannotBeBackedUp() throws IOException {
        ServerConfig server = server("", "");
        List<CheckResult> results = run(server, healthyPrimary());
        assertEquals(List.of("WAL archive", "PostgreSQL", "superuser or standard user with backup privileges",
                "wal_level", "directories", "retention policy settings", "backup maximum age", "backup minimum size",
                "wal maximum age", "wal size", "compression settings", "failed backups",
                "minimum redundancy requirements", "ssh", "systemid coherence", "archive_mode", "archive_command",
                "continuous archiving", "archiver errors"), results.stream().map(CheckResult::name).toList());
        Map<String, CheckResult> r = byName(results);
        assertFalse(r.get("WAL archive").ok());
        assertEquals("please make sure WAL shipping is setup", r.get("WAL archive").hint());
        assertTrue(r.get("WAL archive").blocksBackup(), "no backup without WAL archiving");
        assertEquals(List.of("WAL archive"), results.stream().filter(c -> !c.ok()).map(CheckResult::name).toList());
        assertEquals("no system Id stored on disk", r.get("systemid coherence").hint());
        assertEquals("PostgreSQL server", r.get("ssh").hint());
        assertEquals("0 B", r.get("wal size").hint());
        assertTrue(Files.isDirectory(home.resolve("demo/incoming")), "check creates the server's folders");
    }

    /** A primary streamed from, as RemoteStatus and StreamingStatus report it, with the slot given. */
    private static PyNamedTuple slot(boolean active, String restartLsn) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("slot_name", "barman");
        fields.put("active", active);
        fields.put("restart_lsn", restartLsn);
        return PyNamedTuple.record(fields);
    }

    private static Map<String, Object> streamedPrimary(PyNamedTuple slot) {
        Map<String, Object> r = healthyPrimary();
        r.put("streaming_supported", true);
        r.put("streaming", true);
        r.put("streaming_systemid", "7300000000000000001");
        r.put("replication_slot", slot);
        r.put("pg_receivexlog_installed", true);
        r.put("pg_receivexlog_compatible", true);
        r.put("pg_receivexlog_version", "built-in (PostgreSQL 13 to 17)");
        return r;
    }

    /**
     * The streaming archiver's rows in Barman 3.4's places: PostgreSQL streaming and replication slot after the
     * PostgreSQL rows, pg_receivexlog, its compatibility and receive-wal running before archive_mode; all
     * critical. receive-wal runs when a process holds the server's receive-wal lock.
     */
    @Test
    void streamingArchiverRows() throws IOException, InterruptedException {
        ServerConfig server = server("", "streaming_archiver = on\nslot_name = barman\n");
        Map<String, Object> remote = streamedPrimary(slot(true, "0/3000000"));
        List<CheckResult> results = run(server, remote);
        assertEquals(List.of("WAL archive", "PostgreSQL", "superuser or standard user with backup privileges",
                "PostgreSQL streaming", "wal_level", "replication slot", "directories", "retention policy settings",
                "backup maximum age", "backup minimum size", "wal maximum age", "wal size", "compression settings",
                "failed backups", "minimum redundancy requirements", "ssh", "systemid coherence", "pg_receivexlog",
                "pg_receivexlog compatible", "receive-wal running", "archive_mode", "archive_command",
                "continuous archiving", "archiver errors"), results.stream().map(CheckResult::name).toList());
        Map<String, CheckResult> r = byName(results);
        assertEquals(new CheckResult("receive-wal running", false, "See the Barman log file for more details",
                List.of(), true), r.get("receive-wal running"));
        assertTrue(r.get("replication slot").ok());
        assertTrue(r.get("pg_receivexlog compatible").ok());

        Path lock = home.resolve(".demo-receive-wal.lock");
        Process holder = new ProcessBuilder("flock", lock.toString(), "sleep", "30").start();
        try {
            long until = System.currentTimeMillis() + 10_000;
            while (!Files.exists(lock) && System.currentTimeMillis() < until) {
                Thread.sleep(50);
            }
            Thread.sleep(200);
            assertTrue(byName(run(server, remote)).get("receive-wal running").ok());
        } finally {
            holder.destroy();
        }

        remote.put("replication_slot", slot(false, null));
        assertEquals("slot 'barman' not initialised: is 'receive-wal' running?",
                byName(run(server, remote)).get("replication slot").hint());
        remote.put("replication_slot", slot(false, "0/3000000"));
        assertEquals("slot 'barman' not active: is 'receive-wal' running?",
                byName(run(server, remote)).get("replication slot").hint());
        remote.put("replication_slot", null);
        assertEquals(new CheckResult("replication slot", false, "replication slot 'barman' doesn't exist. Please "
                + "execute 'barman receive-wal --create-slot demo'", List.of(), true),
                byName(run(server, remote)).get("replication slot"));
        remote.put("pg_receivexlog_compatible", false);
        assertEquals("PostgreSQL version: 15.18, pg_receivexlog version: built-in (PostgreSQL 13 to 17)",
                byName(run(server, remote)).get("pg_receivexlog compatible").hint());
        remote.put("streaming_systemid", "7300000000000000002");
        assertEquals(new CheckResult("systemid coherence", false, "is the streaming DSN targeting the same server of "
                + "the PostgreSQL connection string?", List.of(), true),
                byName(run(server, remote)).get("systemid coherence"));
        remote.put("streaming_supported", null);
        remote.put("streaming", null);
        remote.put("connection_error", "Connection refused");
        assertEquals(new CheckResult("PostgreSQL streaming", false, "Connection refused", List.of(), true),
                byName(run(server, remote)).get("PostgreSQL streaming"));
    }

    /** Without the streaming archiver a slot left holding WAL is a warning on a passing row; no receiver rows. */
    @Test
    void aSlotTheConfigurationDoesNotNeedIsAWarning() throws IOException {
        ServerConfig server = server("", "slot_name = barman\n");
        Map<String, CheckResult> r = byName(run(server, streamedPrimary(slot(true, "0/3000000"))));
        assertEquals(new CheckResult("replication slot", true, "WARNING: slot 'barman' is active but not required "
                + "by the current config", List.of(), true), r.get("replication slot"));
        assertFalse(r.containsKey("receive-wal running"));
        assertFalse(byName(run(server, streamedPrimary(null))).containsKey("replication slot"));
    }

    @Test
    void filesOfDeadPutWalsAreCountedButDoNotStopABackup() throws IOException, InterruptedException {
        ServerConfig server = server("", "");
        Path incoming = home.resolve("demo/incoming");
        Files.createDirectories(incoming);
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(incoming.resolve("." + gone.pid() + "-000000010000000000000008"), "cut");
        Files.writeString(incoming.resolve("." + ProcessHandle.current().pid() + "-000000010000000000000009"), "");
        CheckResult leftovers = byName(run(server, healthyPrimary())).get("put-wal leftovers");
        assertEquals(new CheckResult("put-wal leftovers", false, "1 files of put-wal processes that died in "
                + incoming + " (the next archive-wal removes them)", List.of(), false), leftovers);
    }

    @Test
    void unreachablePostgresFailsAndSkipsItsChecks() throws IOException {
        ServerConfig server = server("", "");
        Map<String, Object> unreachable = new HashMap<>();
        unreachable.put("server_txt_version", null);
        Map<String, CheckResult> r = byName(run(server, unreachable));
        assertFalse(r.get("PostgreSQL").ok());
        assertTrue(r.get("PostgreSQL").blocksBackup());
        assertFalse(r.containsKey("wal_level"));
        assertFalse(r.containsKey("archive_mode"));
        assertEquals("no system Id available", r.get("systemid coherence").hint());
    }

    @Test
    void ageSizeRedundancyAndFailuresAreReportedButDoNotStopABackup() throws IOException {
        ServerConfig server = server("", "last_backup_maximum_age = 1 DAYS\n"
                + "last_backup_minimum_size = 1 Mi\nminimum_redundancy = 2\n");
        backup(server, "20261101T000000", Status.DONE, OffsetDateTime.now().minusDays(3));
        backup(server, "20261102T000000", Status.FAILED, null);
        Files.createDirectories(home.resolve("demo/wals"));
        Files.writeString(home.resolve("demo/wals/xlog.db"), "000000010000000000000003\t16777216\t1764583200.0\tNone\n");
        Files.createDirectories(home.resolve("demo/errors"));
        Files.writeString(home.resolve("demo/errors/000000010000000000000009.20261101T000000Z.duplicate"), "x");
        List<CheckResult> results = run(server, healthyPrimary());
        Map<String, CheckResult> r = byName(results);
        assertEquals("interval provided: 1 day, latest backup age: 3 days", r.get("backup maximum age").hint());
        assertEquals("last backup size 2.0 KiB < 1.0 MiB minimum", r.get("backup minimum size").hint());
        assertEquals("have 1 backups, expected at least 2", r.get("minimum redundancy requirements").hint());
        assertEquals("there are 1 failed backups", r.get("failed backups").hint());
        assertEquals("duplicates: 1", r.get("archiver errors").hint());
        for (String name : List.of("backup maximum age", "backup minimum size", "minimum redundancy requirements",
                "failed backups", "archiver errors")) {
            assertFalse(r.get(name).ok(), name);
            assertFalse(r.get(name).blocksBackup(), name);
        }
        assertTrue(results.stream().noneMatch(CheckResult::blocksBackup), results.toString());
    }

    @Test
    void aChangedSystemIdStopsBackups() throws IOException {
        ServerConfig server = server("", "");
        Files.createDirectories(home.resolve("demo"));
        Files.writeString(home.resolve("demo/identity.json"), "{\n    \"systemid\": \"42\",\n    \"version\": \"15\"\n}\n");
        CheckResult systemId = byName(run(server, healthyPrimary())).get("systemid coherence");
        assertFalse(systemId.ok());
        assertTrue(systemId.blocksBackup());
        assertEquals("the system Id of the connected PostgreSQL server changed, stored in \""
                + home.resolve("demo/identity.json") + "\"", systemId.hint());
    }

    @Test
    void anSshCommandThatPrintsSomethingIsNotClean() throws IOException {
        Map<String, CheckResult> r = byName(run(server("Welcome to pg1-srv", ""), healthyPrimary()));
        assertTrue(r.get("ssh").ok());
        assertFalse(r.get("ssh output clean").ok());
        assertTrue(r.get("ssh output clean").blocksBackup());
        assertEquals("the configured ssh_command must not add anything to the remote command output",
                r.get("ssh output clean").hint());
    }

    /**
     * Barman's queue rows, shown only when failing and not stopping a backup: more files waiting in incoming/ than
     * max_incoming_wals_queue (dot files and .tmp files not counted), files in streaming/ with the streaming
     * archiver off (one of them taken for receive-wal's .partial file).
     */
    @Test
    void walQueuesAreCountedAsBarmanDoes() throws IOException {
        ServerConfig server = server("", "max_incoming_wals_queue = 2\n");
        Path incoming = home.resolve("demo/incoming");
        Path streaming = home.resolve("demo/streaming");
        Files.createDirectories(incoming);
        Files.createDirectories(streaming);
        for (String name : List.of("000000010000000000000001", "000000010000000000000002", ".hidden", "x.tmp")) {
            Files.writeString(incoming.resolve(name), "");
        }
        Files.writeString(streaming.resolve("000000010000000000000001.partial"), "");
        Map<String, CheckResult> within = byName(run(server, healthyPrimary()));
        assertFalse(within.containsKey("incoming WALs directory"), "2 files, max 2");
        assertFalse(within.containsKey("empty streaming directory"), "the .partial file");

        Files.writeString(incoming.resolve("000000010000000000000003"), "");
        Files.writeString(streaming.resolve("000000010000000000000001"), "");
        Map<String, CheckResult> over = byName(run(server, healthyPrimary()));
        assertEquals(new CheckResult("incoming WALs directory", false, "there are too many WALs in queue: 3, max 2",
                List.of(), false), over.get("incoming WALs directory"));
        assertEquals(new CheckResult("empty streaming directory", false, "'" + streaming + "' must be empty when "
                + "streaming_archiver=off", List.of(), false), over.get("empty streaming directory"));
    }
}
