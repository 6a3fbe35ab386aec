package org.barmanj.core.streaming;

import sun.misc.Signal;

/**
 * SIGINT and SIGTERM as a request to stop (what {@code receive-wal --stop} and Barman's ProcessManager send is
 * SIGINT): the receiver then fsyncs what it has and ends with exit code 0, where the JVM's default would end the
 * process at once.
 */
final class StopSignals {
    private StopSignals() {
    }

    static void install(Runnable stop) {
        for (String name : new String[] {"INT", "TERM"}) {
            Signal.handle(new Signal(name), signal -> stop.run());
        }
    }
}
