package org.barmanj.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** The wall time of each step of a test, printed as it ends and summed up at the end. */
final class Steps {
    interface Step {
        void run() throws Exception;
    }

    private final String test;
    private final long start = System.nanoTime();
    private final List<String> lines = new ArrayList<>();

    Steps(String test) {
        this.test = test;
    }

    <T> T time(String what, Callable<T> step) throws Exception {
        long begin = System.nanoTime();
        try {
            return step.call();
        } finally {
            String line = String.format("%7.1f s  %s", (System.nanoTime() - begin) / 1e9, what);
            lines.add(line);
            System.out.println(test + ": " + line);
        }
    }

    void time(String what, Step step) throws Exception {
        time(what, () -> {
            step.run();
            return null;
        });
    }

    /** Prints every step's time and the total. */
    void report() {
        StringBuilder all = new StringBuilder(test + ": steps\n");
        lines.forEach(l -> all.append("  ").append(l).append('\n'));
        all.append(String.format("  %7.1f s  total%n", (System.nanoTime() - start) / 1e9));
        System.out.print(all);
    }
}
