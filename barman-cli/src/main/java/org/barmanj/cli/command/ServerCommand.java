package org.barmanj.cli.command;

import org.barmanj.cli.BarmanCli;
import org.barmanj.cli.Session;
import picocli.CommandLine.ParentCommand;

import java.util.concurrent.Callable;

/** Base of the subcommands: they run inside a {@link Session} opened by the parent {@code barman} command. */
abstract class ServerCommand implements Callable<Integer> {
    @ParentCommand
    BarmanCli parent;

    @Override
    public final Integer call() {
        return parent.inSession(this::run);
    }

    /** The command's work; returns an exit code to combine with the output's (0 unless it knows better). */
    abstract int run(Session session);
}
