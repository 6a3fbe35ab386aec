package org.barmanj.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our two Debian packages (packaging/target) on a fresh Debian 12 tree made by debootstrap, as an operator
 * installs them: {@code apt-get install ./barmanj_*.deb ./barmanj-cli_*.deb ./barmanj-cli-cloud_*.deb} brings their dependencies from the
 * mirror; then {@code barman --version}, {@code man barman}, {@code barman-wal-archive --test} (against the lab's
 * backup host, over its sshd), the barman user and folders, cron and logrotate, the class-data-sharing archive;
 * an upgrade to a newer version (the same packages repacked) with an edited {@code /etc/barman.conf}; remove
 * (the configuration stays) and purge (it goes; the catalog under /var/lib/barman stays).
 */
class PackageInstallIT {
    private static final String CATALOG_FILE = "/var/lib/barman/demo/wals/xlog.db";
    private static final String CATALOG_LINE = "000000010000000000000002\t16777216\t1700000000.0\tNone\n";
    private static final String EDIT = "# edited by the operator: PackageInstallIT";

    @Test
    void installUpgradeRemovePurge() throws Exception {
        Steps steps = new Steps("PackageInstallIT");
        Path server = Debs.built("barmanj");
        Path client = Debs.built("barmanj-cli");
        Path cloud = Debs.built("barmanj-cli-cloud");
        String version = Debs.version(server);
        assertEquals(version, Debs.version(client));
        assertEquals(version, Debs.version(cloud));
        Lab.startSshd();
        BarmanHome backupHost = new BarmanHome("pkg-install").tutorialServer("pg1-srv", 1).ownedByBarman();
        Path scratch = Files.createTempDirectory("pkg-install");
        try (Chroot tree = Chroot.fresh("pkg-install", steps)) {
            assertEquals(List.of(), tree.hostMounts(), "the tree's mounts are not the host's");
            // The tools this test reads the result with (not dependencies of ours).
            steps.time("apt-get install man-db logrotate (the test's tools)",
                    () -> tree.sh("apt-get install -y -q man-db logrotate").ok());
            tree.copyIn(server, "/tmp/debs");
            tree.copyIn(client, "/tmp/debs");
            tree.copyIn(cloud, "/tmp/debs");
            assertEquals("", tree.status("openjdk-17-jre-headless"), "no Java runtime before");

            Proc install = steps.time("apt-get install -y ./barmanj_*.deb ./barmanj-cli_*.deb ./barmanj-cli-cloud_*.deb",
                    () -> tree.sh("cd /tmp/debs && apt-get install -y ./" + server.getFileName() + " ./"
                            + client.getFileName() + " ./" + cloud.getFileName()));
            assertEquals(0, install.exit(), install.out() + install.err());
            System.out.println("PackageInstallIT: " + line(install.out(), "newly installed"));
            assertEquals("ii", tree.status("barmanj"));
            assertEquals("ii", tree.status("barmanj-cli"));
            assertEquals("ii", tree.status("barmanj-cli-cloud"));
            for (String dependency : List.of("openjdk-17-jre-headless", "rsync", "openssh-client")) {
                assertEquals("ii", tree.status(dependency), dependency + ", from the mirror");
            }

            steps.time("barman --version, files, user, cron, logrotate, CDS archive", () -> {
                Proc barman = tree.run("barman", "--version").ok();
                assertTrue(barman.out().contains("barmanj"), barman.out());
                assertEquals("/usr/bin/barman", tree.sh("command -v barman").ok().out().strip());


                String passwd = tree.run("getent", "passwd", "barman").ok().out().strip();
                String[] f = passwd.split(":");
                assertEquals("/var/lib/barman", f[5], passwd);
                assertTrue(Integer.parseInt(f[2]) < 1000, "a system user: " + passwd);
                assertEquals("barman", tree.run("id", "-gn", "barman").ok().out().strip());
                for (String dir : List.of("/var/lib/barman", "/var/log/barman")) {
                    assertEquals("barman:barman 750", tree.run("stat", "-c", "%U:%G %a", dir).ok().out().strip(), dir);
                }

                String cron = Files.readString(tree.path("/etc/cron.d/barman"));
                assertTrue(cron.matches("(?s).*\\n\\* \\* \\* \\* \\* barman .*barman.* cron.*"), cron);
                assertTrue(Files.exists(tree.path("/etc/logrotate.d/barman")));
                Proc logrotate = tree.run("logrotate", "-d", "/etc/logrotate.d/barman");
                assertEquals(0, logrotate.exit(), logrotate.out() + logrotate.err());
                assertFalse((logrotate.out() + logrotate.err()).toLowerCase().contains("error"), logrotate.err());
                assertTrue(logrotate.err().contains("/var/log/barman/barman.log"), logrotate.err());

                assertCdsArchives(tree);
                // The client package: only its own jar, no third-party library.
                assertEquals("barman-wal-archive.jar\nbarman-wal-archive.jsa",
                        tree.sh("ls /usr/share/barmanj-cli/lib").ok().out().strip());
                // The cloud package: Debian's nine barman-cloud-* commands on the PATH, each answering as itself.
                List<String> commands = tree.sh("ls /usr/bin | grep '^barman-cloud-'").ok().out().lines().toList();
                assertEquals(List.of("barman-cloud-backup", "barman-cloud-backup-delete", "barman-cloud-backup-keep",
                        "barman-cloud-backup-list", "barman-cloud-backup-show", "barman-cloud-check-wal-archive",
                        "barman-cloud-restore", "barman-cloud-wal-archive", "barman-cloud-wal-restore"), commands);
                for (String command : commands) {
                    Proc v = tree.run(command, "--version");
                    assertEquals(0, v.exit(), command + ": " + v.out() + v.err());
                    assertTrue(v.out().startsWith(command + " 3."), command + ": " + v.out());
                }
            });

            steps.time("barman-wal-archive --test against the lab's backup host (ssh barman@backup-srv)", () -> {
                // root of the tree is the PostgreSQL host here: the lab's enterprisedb key and known_hosts.
                Path ssh = tree.path("/root/.ssh");
                Files.createDirectories(ssh);
                for (String file : List.of("id_ed25519", "id_ed25519.pub", "known_hosts")) {
                    Files.copy(Path.of("/var/lib/edb/.ssh").resolve(file), ssh.resolve(file));
                }
                Proc.run("chown", "-R", "root:root", ssh.toString()).ok();
                Proc.run("chmod", "-R", "go-rwx", ssh.toString()).ok();
                Proc test = tree.run("barman-wal-archive", "-c", backupHost.conf.toString(), "--test", "backup-srv",
                        "demo", "DUMMY");
                assertEquals(0, test.exit(), test.out() + test.err());
                assertTrue(test.out().contains("Ready to accept WAL files for the server demo"), test.out());
                Proc wrong = tree.run("barman-wal-archive", "-c", backupHost.conf.toString(), "--test", "backup-srv",
                        "nosuch", "DUMMY");
                assertTrue(wrong.exit() != 0, "an unknown server: " + wrong.out() + wrong.err());
            });

            steps.time("man barman, barman.conf(5), barman-wal-archive(1), barman-wal-restore(1)", () -> {
                assertTrue(tree.run("man", "-w", "barman").ok().out().strip().startsWith("/usr/share/man/man1/barman.1"));
                String page = tree.sh("MANWIDTH=100 man barman 2>&1").ok().out();
                assertTrue(page.contains("recover") && page.contains("list-backups") && page.contains("switch-wal"),
                        page);
                for (String[] other : new String[][] {{"5", "barman.conf"}, {"1", "barman-wal-archive"},
                        {"1", "barman-wal-restore"}}) {
                    String path = tree.run("man", "-w", other[0], other[1]).ok().out().strip();
                    assertTrue(path.startsWith("/usr/share/man/man" + other[0] + "/" + other[1] + "."), path);
                }
            });

            // A catalog file of the operator's, and an edited configuration.
            Files.createDirectories(tree.path(CATALOG_FILE).getParent());
            Files.writeString(tree.path(CATALOG_FILE), CATALOG_LINE);
            tree.run("chown", "-R", "barman:barman", "/var/lib/barman/demo").ok();
            String edited = Files.readString(tree.path("/etc/barman.conf")) + EDIT + "\n";
            Files.writeString(tree.path("/etc/barman.conf"), edited);
            String template = "/etc/barman.d/ssh-server.conf-template";
            String oldTemplate = Files.readString(tree.path(template));

            String newer = version + "+it1";
            String release = "# a line of release " + newer;
            Path newServer = Debs.repack(server, newer, scratch, List.of("/etc/barman.conf", template), release);
            Path newClient = Debs.repack(client, newer, scratch, List.of(), release);
            Path newCloud = Debs.repack(cloud, newer, scratch, List.of(), release);
            tree.copyIn(newServer, "/tmp/debs");
            tree.copyIn(newClient, "/tmp/debs");
            tree.copyIn(newCloud, "/tmp/debs");
            Proc upgrade = steps.time("upgrade to " + newer + " (apt-get install --force-confdef --force-confold)",
                    () -> tree.sh("cd /tmp/debs && apt-get install -y -o Dpkg::Options::=--force-confdef"
                            + " -o Dpkg::Options::=--force-confold ./" + newServer.getFileName() + " ./"
                            + newClient.getFileName() + " ./" + newCloud.getFileName()));
            assertEquals(0, upgrade.exit(), upgrade.out() + upgrade.err());
            assertFalse(upgrade.out().contains("What would you like to do about it"), upgrade.out());
            assertTrue(upgrade.out().contains("Keeping old config file"), "dpkg kept the edited file:\n" + upgrade.out());
            for (String pkg : List.of("barmanj", "barmanj-cli", "barmanj-cli-cloud")) {
                assertEquals("ii", tree.status(pkg), pkg);
                assertEquals(newer, tree.run("dpkg-query", "-W", "-f", "${Version}", pkg).ok().out().strip(), pkg);
            }
            assertEquals(edited, Files.readString(tree.path("/etc/barman.conf")), "the operator's edit survives");
            assertTrue(Files.readString(tree.path("/etc/barman.conf.dpkg-dist")).endsWith(release + "\n"),
                    "the release's version beside it");
            assertEquals(oldTemplate + release + "\n", Files.readString(tree.path(template)),
                    "an unedited conffile follows the release");
            assertEquals(CATALOG_LINE, Files.readString(tree.path(CATALOG_FILE)));
            assertCdsArchives(tree);
            assertTrue(tree.run("barman", "--version").ok().out().contains("barmanj"));

            Proc remove = steps.time("apt-get remove barmanj barmanj-cli barmanj-cli-cloud",
                    () -> tree.sh("apt-get remove -y barmanj barmanj-cli barmanj-cli-cloud"));
            assertEquals(0, remove.exit(), remove.out() + remove.err());
            assertEquals("rc", tree.status("barmanj"), "removed, its configuration kept");
            assertFalse(Files.exists(tree.path("/usr/bin/barman")));
            assertFalse(Files.exists(tree.path("/usr/bin/barman-wal-archive")));
            assertFalse(Files.exists(tree.path("/usr/share/barmanj")), "nothing left of the program (CDS archive)");
            assertFalse(Files.exists(tree.path("/usr/share/barmanj-cli")));
            assertFalse(Files.exists(tree.path("/usr/share/barmanj-cli-cloud")));
            assertFalse(Files.exists(tree.path("/usr/bin/barman-cloud-wal-archive")));
            assertEquals(edited, Files.readString(tree.path("/etc/barman.conf")), "remove keeps the configuration");
            for (String conffile : List.of(template, "/etc/cron.d/barman", "/etc/logrotate.d/barman")) {
                assertTrue(Files.exists(tree.path(conffile)), conffile);
            }
            assertEquals(CATALOG_LINE, Files.readString(tree.path(CATALOG_FILE)), "remove keeps the catalog");

            Proc purge = steps.time("apt-get purge barmanj barmanj-cli barmanj-cli-cloud",
                    () -> tree.sh("apt-get purge -y barmanj barmanj-cli barmanj-cli-cloud"));
            assertEquals(0, purge.exit(), purge.out() + purge.err());
            assertEquals("", tree.status("barmanj"), "purged");
            assertEquals("", tree.status("barmanj-cli"), "purged");
            assertEquals("", tree.status("barmanj-cli-cloud"), "purged");
            for (String conffile : List.of("/etc/barman.conf", "/etc/barman.conf.dpkg-dist", template,
                    "/etc/barman.d/streaming-server.conf-template", "/etc/cron.d/barman", "/etc/logrotate.d/barman")) {
                assertFalse(Files.exists(tree.path(conffile)), "purge removes " + conffile);
            }
            assertEquals(CATALOG_LINE, Files.readString(tree.path(CATALOG_FILE)), "purge keeps the catalog");
            assertEquals("barman:barman 750", tree.run("stat", "-c", "%U:%G %a", "/var/lib/barman").ok().out().strip());
            System.out.println("PackageInstallIT: after purge: /var/log/barman "
                    + (Files.exists(tree.path("/var/log/barman")) ? "kept" : "removed") + ", user barman "
                    + (tree.run("getent", "passwd", "barman").exit() == 0 ? "kept" : "removed"));
            assertEquals(List.of(), tree.hostMounts(), "no mount of the tree left on the host");
        } finally {
            backupHost.delete();
            Proc.run("rm", "-rf", scratch.toString()).ok();
            steps.report();
        }
    }

    /**
     * The class-data-sharing archives exist where the jars are, are no file of the packages (postinst built
     * them) and match the installed jars and Java runtime: a JVM told to use them or fail ({@code -Xshare:on})
     * runs each launcher.
     */
    private static void assertCdsArchives(Chroot tree) throws Exception {
        for (String[] launcher : new String[][] {{"/usr/share/barmanj", "barman", "barman.jsa", "barmanj"},
                {"/usr/share/barmanj-cli", "barman-wal-archive", "barman-wal-archive.jsa", "barmanj-cli"},
                {"/usr/share/barmanj-cli-cloud", "barman-cloud-wal-archive", "barman-cloud.jsa", "barmanj-cli-cloud"}}) {
            String jsa = launcher[0] + "/lib/" + launcher[2];
            assertTrue(Files.size(tree.path(jsa)) > 100_000, jsa + ": " + Files.size(tree.path(jsa)));
            assertFalse(tree.run("dpkg-query", "-L", launcher[3]).ok().out().contains(jsa), jsa + " not shipped");
            // The launcher, as it is, but with -Xshare:on, beside the original (this tree is thrown away).
            String strict = launcher[0] + "/bin/." + launcher[1] + "-share-on";
            tree.sh("sed 's/-Xshare:auto/-Xshare:on/' " + launcher[0] + "/bin/" + launcher[1] + " > " + strict
                    + " && chmod 755 " + strict).ok();
            assertTrue(Files.readString(tree.path(strict)).contains("-Xshare:on"), strict);
            Proc run = tree.run(strict, "--version");
            tree.run("rm", "-f", strict).ok();
            assertEquals(0, run.exit(), jsa + " usable: " + run.out() + run.err());
        }
    }

    private static String line(String out, String containing) {
        return out.lines().filter(l -> l.contains(containing)).findFirst().orElse("(no '" + containing + "' line)");
    }
}
