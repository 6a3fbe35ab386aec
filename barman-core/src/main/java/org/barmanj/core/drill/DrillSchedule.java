package org.barmanj.core.drill;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The drills {@code cron} starts ({@code drill_schedule}): when one is due, and the command line that runs it niced
 * and one at a time on the host. The newest drill of the server (any backup's {@code drill.json}, scheduled or run
 * by hand) sets the clock; a scheduled drill that left no result (refused, killed, the host rebooted) is tried
 * again after {@link #RETRY_WITHOUT_RESULT} or the schedule, whichever is shorter, so that it is not retried every
 * minute. A drill that failed has a result: the next one waits for the whole schedule.
 */
public final class DrillSchedule {
    /** The longest wait after a scheduled drill that left no {@code drill.json}. */
    public static final Duration RETRY_WITHOUT_RESULT = Duration.ofDays(1);

    /** Whether a drill is due, and why (for the debug log). */
    public record Decision(boolean due, String reason) {
    }

    private DrillSchedule() {
    }

    /**
     * {@code schedule}: {@code drill_schedule} (null: none); {@code lastDrillEnded}: the end of the server's newest
     * recorded drill, or null; {@code lastScheduledStart}: when cron last started one, or null; {@code doneBackup}:
     * whether the server has a DONE backup to drill.
     */
    public static Decision decide(Duration schedule, Instant lastDrillEnded, Instant lastScheduledStart,
                                  boolean doneBackup, Instant now) {
        if (schedule == null) {
            return new Decision(false, "no drill_schedule");
        }
        if (!doneBackup) {
            return new Decision(false, "no DONE backup");
        }
        Instant next;
        String why;
        if (lastScheduledStart != null && (lastDrillEnded == null || lastScheduledStart.isAfter(lastDrillEnded))) {
            next = lastScheduledStart.plus(schedule.compareTo(RETRY_WITHOUT_RESULT) < 0 ? schedule
                    : RETRY_WITHOUT_RESULT);
            why = "the drill started by cron at " + lastScheduledStart + " left no result";
        } else if (lastDrillEnded != null) {
            next = lastDrillEnded.plus(schedule);
            why = "the last drill ended at " + lastDrillEnded;
        } else {
            return new Decision(true, "no drill recorded");
        }
        return next.isAfter(now) ? new Decision(false, why + ", next drill at " + next) : new Decision(true, why);
    }

    /**
     * The host's lock of scheduled drills, {@code .cron_drill.lock} in {@code barman_lock_directory}: no hyphen, so
     * that it is no server's {@code .<server>-<task>.lock}.
     */
    public static Path hostLock(String lockDirectory) {
        return Path.of(lockDirectory, ".cron_drill.lock");
    }

    /** The file whose modification time is when cron last started a drill of {@code server}. */
    public static Path startMarker(String lockDirectory, String server) {
        return Path.of(lockDirectory, "." + server + "-cron_drill.started");
    }

    /**
     * What the drill's command line runs under: {@code nice -n 19}, {@code ionice -c 3} (idle I/O) when it is on
     * {@code path}, and {@code flock <hostLock>}, which waits for the lock and holds it (with the barman process it
     * starts, which inherits it) until the drill ends.
     */
    public static List<String> nicedUnderLock(Path hostLock, String path) {
        List<String> prefix = new ArrayList<>(List.of("nice", "-n", "19"));
        if (onPath("ionice", path)) {
            prefix.addAll(List.of("ionice", "-c", "3"));
        }
        prefix.addAll(List.of("flock", hostLock.toString()));
        return prefix;
    }

    private static boolean onPath(String program, String path) {
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
