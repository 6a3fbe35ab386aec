package org.barmanj.core.drill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrillScheduleTest {
    private static final Duration WEEK = Duration.ofDays(7);
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");

    private static DrillSchedule.Decision decide(Duration schedule, Instant ended, Instant started, boolean done) {
        return DrillSchedule.decide(schedule, ended, started, false, done, NOW);
    }

    @Test
    void noScheduleOrNoDoneBackupIsNeverDue() {
        assertEquals(new DrillSchedule.Decision(false, "no drill_schedule"), decide(null, null, null, true));
        assertEquals(new DrillSchedule.Decision(false, "no DONE backup"), decide(WEEK, null, null, false));
    }

    @Test
    void noDrillYetIsDue() {
        assertEquals(new DrillSchedule.Decision(true, "no drill recorded"), decide(WEEK, null, null, true));
    }

    @Test
    void dueOnceTheNewestDrillIsAsOldAsTheSchedule() {
        DrillSchedule.Decision recent = decide(WEEK, NOW.minus(Duration.ofDays(6)), null, true);
        assertFalse(recent.due());
        assertEquals("the last drill ended at 2026-11-27T10:00:00Z, next drill at 2026-12-04T10:00:00Z",
                recent.reason());
        assertTrue(decide(WEEK, NOW.minus(WEEK), null, true).due());
        assertTrue(decide(WEEK, NOW.minus(Duration.ofDays(30)), null, true).due());
    }

    @Test
    void aScheduledDrillThatRecordedItsResultCountsByItsEnd() {
        // cron started it, it failed or passed and wrote drill.json after: the schedule runs from that end.
        Instant start = NOW.minus(Duration.ofDays(2));
        DrillSchedule.Decision d = decide(WEEK, start.plus(Duration.ofMinutes(5)), start, true);
        assertFalse(d.due());
        assertTrue(d.reason().startsWith("the last drill ended at "), d.reason());
    }

    @Test
    void aStartedDrillStillQueuedOrRunningIsNeverStartedAgain() {
        Instant start = NOW.minus(Duration.ofDays(3));
        // Queued for three days behind another server's drill: past the retry wait, still not started again.
        assertEquals(new DrillSchedule.Decision(false, "the drill started by cron at 2026-11-30T10:00:00Z is queued "
                + "or running"), DrillSchedule.decide(WEEK, null, start, true, true, NOW));
        // Even when an older drill makes the schedule due.
        assertFalse(DrillSchedule.decide(WEEK, NOW.minus(Duration.ofDays(30)), start, true, true, NOW).due());
        assertFalse(DrillSchedule.decide(Duration.ofHours(1), start.plusSeconds(60), start, true, true, NOW).due());
    }

    @Test
    void aScheduledDrillThatLeftNoResultIsRetriedAfterADay() {
        Instant lastEnded = NOW.minus(Duration.ofDays(10));
        DrillSchedule.Decision soon = decide(WEEK, lastEnded, NOW.minus(Duration.ofHours(23)), true);
        assertFalse(soon.due());
        assertEquals("the drill started by cron at 2026-12-02T11:00:00Z left no result, next drill at "
                + "2026-12-03T11:00:00Z", soon.reason());
        assertEquals(new DrillSchedule.Decision(true, "the drill started by cron at 2026-12-02T10:00:00Z left no "
                + "result"), decide(WEEK, lastEnded, NOW.minus(Duration.ofHours(24)), true));
        // Also when no drill was ever recorded.
        assertFalse(decide(WEEK, null, NOW.minus(Duration.ofMinutes(1)), true).due());
        assertTrue(decide(WEEK, null, NOW.minus(Duration.ofDays(1)), true).due());
    }

    @Test
    void aScheduleShorterThanADayIsAlsoTheRetryWait() {
        Duration hours = Duration.ofHours(6);
        assertFalse(decide(hours, null, NOW.minus(Duration.ofHours(5)), true).due());
        assertTrue(decide(hours, null, NOW.minus(Duration.ofHours(6)), true).due());
    }

    @Test
    void aManualDrillAfterAFailedStartResetsTheClock() {
        DrillSchedule.Decision d = decide(WEEK, NOW.minus(Duration.ofDays(3)), NOW.minus(Duration.ofDays(4)), true);
        assertFalse(d.due());
        assertTrue(d.reason().startsWith("the last drill ended at "), d.reason());
    }

    @Test
    void startMarkerNamesTheStartedProcess(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve(".demo-cron_drill.started");
        assertNull(DrillSchedule.Start.read(marker));
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            DrillSchedule.Start starting = new DrillSchedule.Start(NOW, null, null);
            starting.write(marker);
            assertEquals(starting, DrillSchedule.Start.read(marker));
            assertFalse(starting.alive(), "no process written yet");
            DrillSchedule.Start started = starting.of(sleeper);
            started.write(marker);
            DrillSchedule.Start read = DrillSchedule.Start.read(marker);
            assertEquals(started, read);
            assertEquals(sleeper.pid(), read.pid());
            assertTrue(read.alive());
            // The same pid with another start time is another process.
            assertFalse(new DrillSchedule.Start(NOW, sleeper.pid(), read.processStart().minusSeconds(5)).alive());
            assertEquals(List.of(marker), Files.list(dir).toList(), "no temporary file left");
        } finally {
            sleeper.destroy();
            sleeper.waitFor();
        }
        assertFalse(DrillSchedule.Start.read(marker).alive(), "ended");
    }

    @Test
    void anUnreadableMarkerIsAStartAtItsModificationTime(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve(".demo-cron_drill.started");
        Files.writeString(marker, "garbage\n");
        Instant mtime = Instant.parse("2026-12-01T08:00:00Z");
        Files.setLastModifiedTime(marker, FileTime.from(mtime));
        assertEquals(new DrillSchedule.Start(mtime, null, null), DrillSchedule.Start.read(marker));
    }

    @Test
    void hostLockIsNoServersTaskLock() {
        Path lock = DrillSchedule.hostLock("/var/lib/barman");
        assertEquals(Path.of("/var/lib/barman/.cron_drill.lock"), lock);
        assertFalse(lock.getFileName().toString().contains("-"));
        assertEquals(Path.of("/var/lib/barman/.demo-cron_drill.started"),
                DrillSchedule.startMarker("/var/lib/barman", "demo"));
    }

    @Test
    void nicedWithIoniceOnlyWhenOnThePath(@TempDir Path dir) throws Exception {
        Path lock = Path.of("/l/.cron_drill.lock");
        assertEquals(List.of("nice", "-n", "19", "flock", lock.toString()),
                DrillSchedule.nicedUnderLock(lock, dir.toString()));
        Path ionice = dir.resolve("ionice");
        Files.createFile(ionice, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        assertEquals(List.of("nice", "-n", "19", "ionice", "-c", "3", "flock", lock.toString()),
                DrillSchedule.nicedUnderLock(lock, "/nonexistent:" + dir));
    }
}
