package org.barmanj.core.server;

import org.barmanj.core.RecordingEvents;
import org.barmanj.core.TestServer;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.lock.LockFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * cron's start of the WAL receiver, with a launcher standing in for barman whose receive-wal takes the lock and
 * stays: started detached (a session of its own, stdin and stderr on /dev/null), once, and left alone while it
 * holds the lock.
 */
class CronReceiveWalTest {
    @TempDir
    Path home;

    @Test
    void cronStartsOneDetachedReceiverWhileNoneHoldsTheLock() throws IOException, InterruptedException {
        TestServer.create(home, "streaming_archiver = on\nslot_name = barman\n");
        Path lock = home.resolve(".demo-receive-wal.lock");
        Path launcher = home.resolve("fake-barman");
        Files.writeString(launcher, "#!/bin/sh\n"
                + "[ \"$4\" = receive-wal ] || exit 0\n"
                + "echo \"$@\" >> " + home.resolve("args") + "\n"
                + "readlink /proc/$$/fd/0 /proc/$$/fd/2 > " + home.resolve("fds") + "\n"
                + "ps -o sid= -p $$ | tr -d ' ' > " + home.resolve("sid.tmp") + "\n"
                + "mv " + home.resolve("sid.tmp") + " " + home.resolve("sid") + "\n"
                + "exec flock " + lock + " sleep 60\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwx------"));
        BarmanConfig config = BarmanConfig.load(home.resolve("barman.conf").toString(), Map.of(), home.toString());
        BarmanCommand subcommands = new BarmanCommand(launcher.toString(), home.resolve("barman.conf"));
        RecordingEvents events = new RecordingEvents();
        new BarmanServer(config, config.server("demo"), Map.of(), events, subcommands).cron(false);
        assertTrue(events.info.contains("Starting streaming archiver for server demo"), events.all.toString());
        String sid = null;
        try {
            sid = waitFor(home.resolve("sid"));
            assertEquals(List.of("-c " + home.resolve("barman.conf") + " -q receive-wal demo"),
                    Files.readAllLines(home.resolve("args")));
            assertEquals(List.of("/dev/null", "/dev/null"), Files.readAllLines(home.resolve("fds")));
            String ownSid = new String(new ProcessBuilder("ps", "-o", "sid=", "-p",
                    String.valueOf(ProcessHandle.current().pid())).start().getInputStream().readAllBytes()).strip();
            assertNotEquals(ownSid, sid, "a session of its own");
            long until = System.currentTimeMillis() + 10_000;
            LockFile free = LockFile.tryAcquire(lock);
            while (free != null && System.currentTimeMillis() < until) {
                free.close();
                Thread.sleep(100);
                free = LockFile.tryAcquire(lock);
            }
            assertNull(free, "the receiver holds its lock");

            RecordingEvents again = new RecordingEvents();
            new BarmanServer(config, config.server("demo"), Map.of(), again, subcommands).cron(false);
            assertFalse(again.info.contains("Starting streaming archiver for server demo"), again.all.toString());
            Thread.sleep(500);
            assertEquals(1, Files.readAllLines(home.resolve("args")).size(), "started once");
        } finally {
            if (sid != null) {
                // The fake receiver leads its session and process group: end that group (flock and its sleep).
                new ProcessBuilder("kill", "-TERM", "--", "-" + sid).start().waitFor();
            }
        }
    }

    private static String waitFor(Path file) throws IOException, InterruptedException {
        long until = System.currentTimeMillis() + 10_000;
        while (!Files.exists(file) && System.currentTimeMillis() < until) {
            Thread.sleep(50);
        }
        return Files.readString(file).strip();
    }
}
