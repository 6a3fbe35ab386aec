package org.barmanj.core.streaming;

import org.barmanj.core.process.ChildProcesses;

import java.io.IOException;
import java.util.Optional;

/** Barman's {@code ProcessManager.kill}: SIGINT to a pid, then a check each second that it has gone. */
public final class ProcessSignals {
    private ProcessSignals() {
    }

    /** True when the process is gone (or was already) within {@code retries} seconds. */
    public static boolean interruptAndWait(long pid, int retries) {
        try {
            Process kill = ChildProcesses.start(new ProcessBuilder("kill", "-INT", String.valueOf(pid))
                    .redirectErrorStream(true));
            kill.getInputStream().readAllBytes();
            kill.waitFor();
        } catch (IOException e) {
            return !alive(pid);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        for (int i = 0; i < retries; i++) {
            if (!alive(pid)) {
                return true;
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return !alive(pid);
    }

    private static boolean alive(long pid) {
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        return p.isPresent() && p.get().isAlive();
    }
}
