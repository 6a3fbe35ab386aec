package org.barmanj.core.drill;

import org.barmanj.core.fs.Durable;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The drills {@code cron} starts ({@code drill_schedule}): when one is due, the start marker that keeps cron from
 * starting it twice, and the command line that runs it niced and one at a time on the host. The newest
 * {@code drill.json} of the server's DONE backups (scheduled or run by hand) sets the clock. A drill cron started
 * that is still queued or running is never started again; one that ended without a result (refused, killed, the
 * host rebooted) is tried again {@link #RETRY_WITHOUT_RESULT} after its start, or the schedule if shorter, so that
 * it is not retried every minute. A drill that failed has a result: the next one waits for the whole schedule.
 */
public final class DrillSchedule {
    /** The longest wait after a scheduled drill that left no {@code drill.json}. */
    public static final Duration RETRY_WITHOUT_RESULT = Duration.ofDays(1);

    /** Whether a drill is due, and why (for the messages). */
    public record Decision(boolean due, String reason) {
    }

    /**
     * What the start marker says: when cron started a drill and, once it was started, the process it started
     * ({@code pid}, null when cron ended before writing it) with that process's start time, so that a reused pid is
     * not taken for it. That process (the drill's {@code flock}) lives while the drill waits for the host lock and
     * while it runs.
     */
    public record Start(Instant at, Long pid, Instant processStart) {
        /** Whether the process cron started is still there (queued or running). */
        public boolean alive() {
            if (pid == null) {
                return false;
            }
            Optional<Instant> started = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .flatMap(p -> p.info().startInstant());
            return started.isPresent() && started.get().equals(processStart);
        }

        /**
         * The marker of {@code file}, or null when there is none. An unreadable content counts as a start at the
         * file's modification time, whose process is unknown.
         */
        public static Start read(Path file) throws IOException {
            if (!Files.exists(file)) {
                return null;
            }
            String[] words = Files.readString(file, StandardCharsets.US_ASCII).strip().split(" ");
            try {
                Instant at = Instant.parse(words[0]);
                if (words.length == 3) {
                    return new Start(at, Long.parseLong(words[1]), Instant.parse(words[2]));
                }
                return new Start(at, null, null);
            } catch (DateTimeParseException | NumberFormatException e) {
                return new Start(Files.getLastModifiedTime(file).toInstant(), null, null);
            }
        }

        /** {@code <at> [<pid> <process start>]}, written atomically: a temporary file renamed over the marker. */
        public void write(Path file) throws IOException {
            String line = at + (pid == null ? "" : " " + pid + " " + processStart) + "\n";
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, line, StandardCharsets.US_ASCII);
            Durable.syncFile(tmp);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }

        /** This start with the process cron started (without it when its start time cannot be read). */
        public Start of(Process process) {
            Instant processStarted = process.info().startInstant().orElse(null);
            return processStarted == null ? this : new Start(at, process.pid(), processStarted);
        }
    }

    private DrillSchedule() {
    }

    /**
     * {@code schedule}: {@code drill_schedule} (null: none); {@code lastDrillEnded}: the end of the newest
     * {@code drill.json} of the server's DONE backups, or null; {@code lastStart}: when cron last started one (the
     * start marker), or null; {@code startedAlive}: whether the process it started then is still there;
     * {@code doneBackup}: whether the server has a DONE backup to drill.
     */
    public static Decision decide(Duration schedule, Instant lastDrillEnded, Instant lastStart, boolean startedAlive,
                                  boolean doneBackup, Instant now) {
        if (schedule == null) {
            return new Decision(false, "no drill_schedule");
        }
        if (!doneBackup) {
            return new Decision(false, "no DONE backup");
        }
        if (lastStart != null && startedAlive) {
            return new Decision(false, "the drill started by cron at " + lastStart + " is queued or running");
        }
        boolean noResultSince = lastStart != null && (lastDrillEnded == null || lastStart.isAfter(lastDrillEnded));
        Instant next;
        String why;
        if (noResultSince) {
            next = lastStart.plus(schedule.compareTo(RETRY_WITHOUT_RESULT) < 0 ? schedule : RETRY_WITHOUT_RESULT);
            why = "the drill started by cron at " + lastStart + " left no result";
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

    /** The start marker of {@code server}'s scheduled drills. */
    public static Path startMarker(String lockDirectory, String server) {
        return Path.of(lockDirectory, "." + server + "-cron_drill.started");
    }

    /**
     * What the drill's command line runs under: {@code nice -n 19}, {@code ionice -c 3} (idle I/O) when it is on
     * {@code path}, and {@code flock <hostLock>}, which waits for the lock and holds it (with the barman process it
     * starts, which inherits it) until the drill ends: the scheduled drills of the host queue there.
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
