package org.barmanj.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The swap, both ways, on a Debian 12 tree (debootstrap, see {@link Chroot}; never on this host, whose Debian
 * barman is the live peer of the other tests): Debian's barman and barman-cli 3.4 installed from the mirror take a
 * real backup of a lab PostgreSQL 15 (the WAL shipped by {@code rsync} into the server's incoming folder, Barman's
 * classic archive_command); our packages replace them ({@code apt-get install} with {@code --force-confold}) and
 * keep {@code /etc/barman.conf} (edited by the operator), {@code /etc/barman.d} and the catalog byte for byte; our
 * barman lists, checks and recovers that catalog (the recovered cluster started with the host's PostgreSQL 15),
 * keeps the backup and takes one of its own; then Debian's packages replace ours, keep everything, and Barman 3.4
 * lists and shows what ours wrote; purging ours then (left as config-files) takes nothing of Debian's.
 *
 * <p>The tree's barman user is made, before Debian's package would make it, with the uid of the host's
 * {@code barman34}: files the host's processes write for it (the WAL that PostgreSQL's archive_command sends over
 * ssh as barman34, the recovered cluster started as barman34) belong to the tree's barman. Lab ports 6760
 * (PostgreSQL {@code swap-15}) and 6761 (the recovered cluster).
 */
class PackageSwapIT {
    private static final int PORT = 6760;
    private static final int RECOVERED_PORT = 6761;
    private static final String PG = "swap-15";
    private static final String EDIT = "# edited by the operator: PackageSwapIT";
    private static final String RECOVERED = "/var/tmp/swap-recovered";
    private static final Pattern BACKUP_ID = Pattern.compile("(?m)^swap (\\d{8}T\\d{6}) - ");

    @Test
    void debianBarmanToOursAndBack() throws Exception {
        Steps steps = new Steps("PackageSwapIT");
        Path server = Debs.built("barmanj");
        Path client = Debs.built("barmanj-cli");
        Lab.startSshd();
        String pgBin = Lab.lab("pg-bin", "15").out().strip();
        try (Chroot tree = Chroot.fresh("pkg-swap", steps)) {
            try {
            String uid = Proc.run("id", "-u", "barman34").ok().out().strip();
            String gid = Proc.run("id", "-g", "barman34").ok().out().strip();
            tree.sh("groupadd --system -g " + gid + " barman && useradd --system -u " + uid
                    + " -g barman -d /var/lib/barman -s /bin/bash barman").ok();
            steps.time("apt-get install barman barman-cli (Debian's 3.4, from the mirror)", () -> tree.sh(
                    "apt-get install -y -q --no-install-recommends barman barman-cli openssh-client").ok());
            assertEquals("ii", tree.status("barman"));
            assertEquals("ii", tree.status("barman-cli"));
            assertTrue(tree.run("barman", "--version").ok().out().startsWith("3.4.0 Barman by EnterpriseDB"));

            // The backup host's setup, as an operator makes it: ssh keys for barman (the lab's barman34 key,
            // which enterprisedb trusts), .pgpass, the server's file, an edit of /etc/barman.conf.
            Path home = tree.path("/var/lib/barman");
            Files.createDirectories(home.resolve(".ssh"));
            for (String file : List.of("id_ed25519", "id_ed25519.pub", "known_hosts")) {
                Files.copy(Path.of("/var/lib/barman34/.ssh").resolve(file), home.resolve(".ssh").resolve(file));
            }
            Files.writeString(home.resolve(".pgpass"), "*:*:*:barman:mypwd\n");
            Proc.run("chmod", "-R", "go-rwx", home.resolve(".ssh").toString(), home.resolve(".pgpass").toString()).ok();
            Proc.run("chown", "-R", uid + ":" + gid, home.toString()).ok();
            Files.writeString(tree.path("/etc/barman.d/swap.conf"), """
                    [swap]
                    description = "PackageSwapIT"
                    ssh_command = ssh enterprisedb@pg1-srv
                    conninfo = host=pg1-srv user=barman dbname=postgres port=%d
                    backup_method = rsync
                    backup_options = concurrent_backup
                    reuse_backup = link
                    archiver = on
                    """.formatted(PORT));
            String conf = Files.readString(tree.path("/etc/barman.conf")) + EDIT + "\n";
            Files.writeString(tree.path("/etc/barman.conf"), conf);
            Map<String, String> etc = snapshot(tree.path("/etc/barman.d"));
            etc.put("barman.conf", sha(tree.path("/etc/barman.conf")));

            // Barman 3.4's check makes the server's folders, incoming/ among them, before WAL files come (it fails
            // then: no WAL archived yet).
            Proc firstCheck = barman(tree, "check", "swap");
            assertTrue(firstCheck.out().contains("\tWAL archive: FAILED"), firstCheck.out());
            assertTrue(Files.isDirectory(tree.path("/var/lib/barman/swap/incoming")));
            steps.time("lab PostgreSQL 15 " + PG + ", WAL to the tree's incoming folder by rsync", () -> {
                Lab.lab("pg", "destroy", PG);
                Lab.lab("pg", "start", PG, "15", "pg1-srv", String.valueOf(PORT),
                        "rsync -a %p barman34@backup-srv:" + tree.path("/var/lib/barman/swap/incoming") + "/%f");
                Lab.psql(PG, "CREATE TABLE swap_data AS SELECT g AS id, md5(g::text) AS v"
                        + " FROM generate_series(1, 10000) g");
            });
            String first = steps.time("Barman 3.4: cron, switch-wal --archive, backup --wait", () -> {
                barman(tree, "cron").ok();
                barman(tree, "switch-wal", "--force", "--archive", "swap").ok();
                return backupId(barman(tree, "backup", "swap", "--wait").ok().out());
            });
            Proc theirList = barman(tree, "list-backups", "swap").ok();
            assertEquals(List.of(first), ids(theirList.out()), theirList.out());
            Map<String, String> catalog = settledSnapshot(home);
            assertTrue(catalog.containsKey("swap/base/" + first + "/backup.info"), catalog.keySet().toString());
            assertTrue(catalog.containsKey("swap/wals/xlog.db"), catalog.keySet().toString());

            // Ours replaces Debian's.
            tree.copyIn(server, "/tmp/debs");
            tree.copyIn(client, "/tmp/debs");
            Proc ours = steps.time("apt-get install ./barmanj_*.deb ./barmanj-cli_*.deb (replaces barman, barman-cli)",
                    () -> tree.sh("cd /tmp/debs && apt-get install -y -o Dpkg::Options::=--force-confdef"
                            + " -o Dpkg::Options::=--force-confold ./" + server.getFileName() + " ./"
                            + client.getFileName()));
            assertEquals(0, ours.exit(), ours.out() + ours.err());
            assertFalse(ours.out().contains("What would you like to do about it"), ours.out());
            System.out.println("PackageSwapIT: after ours: barman '" + tree.status("barman") + "', barman-cli '"
                    + tree.status("barman-cli") + "', /etc/barman.d: " + list(tree, "/etc/barman.d"));
            assertEquals("ii", tree.status("barmanj"));
            assertEquals("ii", tree.status("barmanj-cli"));
            assertFalse(tree.status("barman").startsWith("i"), "barman replaced: " + tree.status("barman"));
            assertFalse(tree.status("barman-cli").startsWith("i"), "barman-cli replaced");
            assertTrue(tree.run("barman", "--version").ok().out().contains("barmanj"));
            assertTrue(tree.run("barman-wal-archive", "--version").ok().out().contains("barmanj"));
            assertEtcKept(tree, etc, "after installing ours");
            assertSameFiles(catalog, home, "the catalog, after installing ours");

            steps.time("ours: list-backups, show-backup, check on Barman 3.4's catalog", () -> {
                Proc list = barman(tree, "list-backups", "swap").ok();
                assertEquals(theirList.out(), list.out(), "our list-backups prints what 3.4's printed");
                Proc show = barman(tree, "show-backup", "swap", first).ok();
                assertTrue(show.out().matches("(?s).*\n  Status +: DONE\n.*"), show.out());
                Proc check = barman(tree, "check", "swap");
                System.out.println("PackageSwapIT: our check in the tree:\n" + check.out() + check.err());
                assertEquals(0, check.exit(), check.out() + check.err());
                for (String row : List.of("PostgreSQL", "superuser or standard user with backup privileges",
                        "wal_level", "directories", "failed backups", "ssh", "systemid coherence", "archive_mode",
                        "archive_command", "continuous archiving", "archiver errors")) {
                    assertTrue(check.out().contains("\t" + row + ": OK"), row + "\n" + check.out());
                }
                assertFalse(check.out().contains("FAILED"), check.out());
            });
            steps.time("ours: recover " + first + " into " + RECOVERED + ", started with the host's PostgreSQL 15",
                    () -> {
                        Proc recover = barman(tree, "recover", "swap", first, RECOVERED).ok();
                        assertTrue(recover.out().contains("Your PostgreSQL server has been successfully prepared for"
                                + " recovery!"), recover.out());
                        assertTrue(Files.readString(tree.path(RECOVERED + "/backup_label"))
                                .contains("LABEL: Barman backup swap " + first), "backup_label");
                        assertEquals("10000", startRecovered(tree, pgBin));
                    });
            String second = steps.time("ours: keep " + first + ", backup --wait", () -> {
                barman(tree, "keep", "--target", "full", "swap", first).ok();
                assertEquals("Server swap:\n\tKeep: full", barman(tree, "keep", "--status", "swap", first).ok().out().strip());
                Lab.psql(PG, "INSERT INTO swap_data SELECT g, md5(g::text) FROM generate_series(10001, 15000) g");
                return backupId(barman(tree, "backup", "swap", "--wait").ok().out());
            });
            Proc ourList = barman(tree, "list-backups", "swap").ok();
            assertEquals(List.of(second, first), ids(ourList.out()), ourList.out());
            Map<String, String> ourCatalog = settledSnapshot(home);
            assertTrue(ourCatalog.containsKey("swap/base/" + second + "/backup.info"));
            assertTrue(ourCatalog.containsKey("swap/base/" + first + "/annotations/keep"), ourCatalog.keySet().toString());

            // Debian's replaces ours.
            Proc theirs = steps.time("apt-get install barman barman-cli (Debian's again, replaces ours)",
                    () -> tree.sh("apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confdef"
                            + " -o Dpkg::Options::=--force-confold barman barman-cli"));
            assertEquals(0, theirs.exit(), theirs.out() + theirs.err());
            assertFalse(theirs.out().contains("What would you like to do about it"), theirs.out());
            System.out.println("PackageSwapIT: after Debian's again: barmanj '" + tree.status("barmanj")
                    + "', barmanj-cli '" + tree.status("barmanj-cli") + "', /etc/barman.d: "
                    + list(tree, "/etc/barman.d"));
            assertEquals("ii", tree.status("barman"));
            assertEquals("ii", tree.status("barman-cli"));
            assertFalse(tree.status("barmanj").startsWith("i"), "barmanj replaced");
            assertFalse(tree.status("barmanj-cli").startsWith("i"), "barmanj-cli replaced");
            assertTrue(tree.run("barman", "--version").ok().out().startsWith("3.4.0 Barman by EnterpriseDB"));
            assertEtcKept(tree, etc, "after installing Debian's again");
            assertSameFiles(ourCatalog, home, "the catalog, after installing Debian's again");

            steps.time("Barman 3.4: list-backups, show-backup, keep --status on what ours wrote", () -> {
                Proc list = barman(tree, "list-backups", "swap").ok();
                assertEquals(List.of(second, first), ids(list.out()), list.out());
                assertEquals(ourList.out(), list.out(), "3.4's list-backups prints what ours printed");
                Proc show = barman(tree, "show-backup", "swap", second).ok();
                assertTrue(show.out().matches("(?s).*\n  Status +: DONE\n.*"), show.out());
                assertTrue(show.out().matches("(?s).*\n    Previous Backup +: " + first + "\n.*"), show.out());
                assertEquals("Server swap:\n\tKeep: full", barman(tree, "keep", "--status", "swap", first).ok().out().strip());
            });
            // Our configuration-files state purged: Debian's barman keeps its configuration, its log folder and
            // the catalog.
            // (Barman 3.4's list-backups wrote its pid into .swap-xlogdb.lock: the catalog as it is now.)
            Map<String, String> theirCatalog = settledSnapshot(home);
            Proc purge = steps.time("apt-get purge barmanj barmanj-cli (left as config-files)",
                    () -> tree.sh("apt-get purge -y barmanj barmanj-cli"));
            assertEquals(0, purge.exit(), purge.out() + purge.err());
            assertEquals("", tree.status("barmanj"));
            assertEquals("ii", tree.status("barman"));
            assertEtcKept(tree, etc, "after purging ours");
            for (String conffile : List.of("/etc/cron.d/barman", "/etc/logrotate.d/barman")) {
                assertTrue(Files.exists(tree.path(conffile)), conffile + " (Debian's) after purging ours");
            }
            assertTrue(Files.isDirectory(tree.path("/var/log/barman")), "the log folder Debian's barman writes to");
            assertSameFiles(theirCatalog, home, "the catalog, after purging ours");
            assertEquals(ourList.out(), barman(tree, "list-backups", "swap").ok().out());
            assertEquals(List.of(), tree.hostMounts(), "no mount of the tree left on the host");
            } catch (Throwable failure) {
                // What the logs say, before the tree and the server go.
                System.out.println("PackageSwapIT: failed; PostgreSQL's log:\n" + Proc.run("tail", "-n", "30",
                        "/var/lib/edb/" + PG + "/log").out() + "barman's log in the tree:\n" + Proc.run("tail", "-n",
                        "40", tree.path("/var/log/barman/barman.log").toString()).out());
                throw failure;
            }
        } finally {
            Lab.lab("pg", "destroy", PG);
            steps.report();
        }
    }

    /** Starts the recovered cluster (owned by the tree's barman, the host's barman34), returns its row count. */
    private static String startRecovered(Chroot tree, String pgBin) throws Exception {
        Path data = tree.path(RECOVERED);
        Path run = tree.path("/var/tmp/swap-recovered-run");
        Files.createDirectories(run);
        Files.writeString(run.resolve("hba.conf"), "local all all trust\n");
        Proc.run("chown", "-R", "barman34:", run.toString()).ok();
        try {
            Proc.as("barman34", pgBin + "/pg_ctl", "-D", data.toString(), "-l", run.resolve("log").toString(), "-w",
                    "-t", "120", "-o", "-c port=" + RECOVERED_PORT + " -c listen_addresses='' -c unix_socket_directories="
                            + run + " -c archive_mode=off -c hba_file=" + run.resolve("hba.conf")
                            + " -c cluster_name=swap-recovered", "start").ok();
            return Proc.as("barman34", pgBin + "/psql", "-X", "-h", run.toString(), "-p", String.valueOf(RECOVERED_PORT),
                    "-U", "enterprisedb", "-d", "postgres", "-Atc", "SELECT count(*) FROM swap_data").ok().out().strip();
        } finally {
            Proc.as("barman34", pgBin + "/pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
        }
    }

    private static Proc barman(Chroot tree, String... args) {
        StringBuilder script = new StringBuilder("barman");
        for (String a : args) {
            script.append(' ').append(a);
        }
        return tree.as("barman", script.toString());
    }

    private static String backupId(String out) {
        // "Starting backup using ... for server swap in /var/lib/barman/swap/base/<id>"
        Matcher m = Pattern.compile("/swap/base/(\\d{8}T\\d{6})").matcher(out);
        if (!m.find() || !out.contains("Backup completed")) {
            throw new AssertionError("no completed backup in:\n" + out);
        }
        return m.group(1);
    }

    private static List<String> ids(String listBackups) {
        return BACKUP_ID.matcher(listBackups).results().map(r -> r.group(1)).toList();
    }

    private static void assertEtcKept(Chroot tree, Map<String, String> etc, String when) throws Exception {
        assertEquals(etc.get("barman.conf"), sha(tree.path("/etc/barman.conf")), "/etc/barman.conf " + when);
        assertTrue(Files.readString(tree.path("/etc/barman.conf")).contains(EDIT), when);
        Map<String, String> now = snapshot(tree.path("/etc/barman.d"));
        assertEquals(etc.get("swap.conf"), now.get("swap.conf"), "/etc/barman.d/swap.conf " + when);
    }

    private static String list(Chroot tree, String dir) {
        return tree.run("ls", dir).ok().out().strip().replace('\n', ' ');
    }

    /**
     * The catalog once PostgreSQL has sent every WAL file it had ready (a backup's history file goes after the
     * backup ended): the snapshot the installs that follow must leave as it is.
     */
    private static Map<String, String> settledSnapshot(Path home) throws InterruptedException {
        Path status = Path.of("/var/lib/edb/" + PG + "/data/pg_wal/archive_status");
        for (int i = 0; i < 300; i++) {
            String ready = Proc.run("sh", "-c", "ls \"$0\" | grep -c '\\.ready$' || true", status.toString()).out().strip();
            if (ready.equals("0")) {
                return snapshot(home);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("PostgreSQL still has WAL files to archive after 30 s: " + status);
    }

    /** The files under {@code dir} are those of {@code expected}, with the same contents; names what differs. */
    private static void assertSameFiles(Map<String, String> expected, Path dir, String what) {
        Map<String, String> now = snapshot(dir);
        List<String> differences = new java.util.ArrayList<>();
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String sum = now.get(e.getKey());
            if (sum == null) {
                differences.add("gone: " + e.getKey());
            } else if (!sum.equals(e.getValue())) {
                differences.add("changed: " + e.getKey());
            }
        }
        now.keySet().stream().filter(k -> !expected.containsKey(k)).forEach(k -> differences.add("new: " + k));
        assertEquals(List.of(), differences, what + " (" + expected.size() + " files before)");
    }

    /** Every regular file under a folder (relative path) with its SHA-256. */
    private static Map<String, String> snapshot(Path dir) {
        Map<String, String> files = new TreeMap<>();
        String out = Proc.run("sh", "-c", "cd \"$0\" && find . -type f -exec sha256sum {} +", dir.toString()).ok().out();
        for (String line : out.lines().toList()) {
            files.put(line.substring(66).replaceFirst("^\\./", ""), line.substring(0, 64));
        }
        return files;
    }

    private static String sha(Path file) {
        return Proc.run("sha256sum", file.toString()).ok().out().substring(0, 64);
    }
}
