package org.barmanj.cli;

import java.util.function.ToIntFunction;

/** Lets subcommands (in another package) run their work in the parent command's session. */
public final class Sessions {
    private Sessions() {
    }

    public static int run(BarmanCli parent, ToIntFunction<Session> body) {
        return parent.inSession(body);
    }
}
