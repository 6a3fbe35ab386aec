package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What barman creates is private to barman_user whatever the umask it is started with: an operator's or an ssh
 * session's 022 gives 0600 files and 0700 folders in the catalog and the WAL archive.
 */
class FileModesIT {
    static final String WAL = "000000010000000000000007";
    static Path work;
    static Path stream;
    static Path otherStream;

    @BeforeAll
    static void prepare() throws IOException {
        work = Files.createTempDirectory("file-modes");
        stream = capture(1);
        otherStream = capture(2);
    }

    /** The stream barman-wal-archive sends for a 16 MiB segment of random bytes, captured by an ssh that saves it. */
    private static Path capture(long seed) throws IOException {
        Path dir = work.resolve("seed" + seed);
        Files.createDirectories(dir.resolve("fakessh"));
        byte[] content = new byte[16 * 1024 * 1024];
        new Random(seed).nextBytes(content);
        Files.write(dir.resolve(WAL), content);
        Files.writeString(dir.resolve("fakessh/ssh"), "#!/bin/sh\ncat > " + dir.resolve("stream.tar") + "\n");
        Proc.run("chmod", "-R", "a+rwX", work.toString()).ok();
        Proc.run("chmod", "755", dir.resolve("fakessh/ssh").toString()).ok();
        Proc.run("env", "PATH=" + dir.resolve("fakessh") + ":/usr/bin:/bin", Lab.BIN.resolve("barman-wal-archive")
                .toString(), "--look-ahead", "0", "backup-srv", "demo", dir.resolve(WAL).toString()).ok();
        return dir.resolve("stream.tar");
    }

    @AfterAll
    static void clean() {
        Proc.run("rm", "-rf", work.toString()).ok();
    }

    private static String mode(Path p) {
        return Proc.run("stat", "-c", "%a", p.toString()).ok().out().strip();
    }

    /** Our barman as the home's user, started with umask 022 and {@code stdin} as its standard input. */
    private static Proc barmanUmask022(BarmanHome home, String stdin, String args) {
        return Proc.as(home.user, "sh", "-c", "umask 022; exec " + Lab.BARMAN + " -c " + home.conf + " " + args
                + (stdin == null ? "" : " < " + stdin));
    }

    @Test
    void catalogAndArchiveArePrivate() throws IOException {
        BarmanHome home = new BarmanHome("modes").tutorialServer("pg1-srv", 1).ownedByBarman();
        try {
            // barman_home itself new: created by the first command that needs it.
            Path newHome = home.root.resolve("home");
            Files.writeString(home.conf, Files.readString(home.conf).replace("barman_home = " + home.root,
                    "barman_home = " + newHome));
            barmanUmask022(home, stream.toString(), "put-wal demo").ok();
            barmanUmask022(home, null, "archive-wal demo").ok();
            // The same name with other content: put-wal accepts it into incoming/, archive-wal moves it aside.
            barmanUmask022(home, otherStream.toString(), "put-wal demo").ok();
            barmanUmask022(home, null, "archive-wal demo").ok();

            assertEquals("700", mode(newHome));
            for (String folder : new String[] {"demo", "demo/wals", "demo/wals/0000000100000000", "demo/incoming",
                    "demo/errors"}) {
                assertEquals("700", mode(newHome.resolve(folder)), folder);
            }
            assertEquals("600", mode(newHome.resolve("demo/wals/0000000100000000/" + WAL)));
            assertEquals("600", mode(newHome.resolve("demo/wals/xlog.db")));
            try (var errors = Files.list(newHome.resolve("demo/errors"))) {
                Path duplicate = errors.findFirst().orElseThrow();
                assertTrue(duplicate.getFileName().toString().endsWith(".duplicate"), duplicate.toString());
                assertEquals("600", mode(duplicate));
            }
        } finally {
            home.delete();
        }
    }
}
