package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.config.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Map;

/** {@code barman list-servers}: one line per configured server, with its description. */
@Command(name = "list-servers", aliases = "list-server",
        description = "List available servers, with useful information")
public final class ListServersCommand extends ServerCommand {
    @Option(names = "--minimal", description = "machine readable output")
    boolean minimal;

    @Override
    int run(Session session) {
        Output out = session.output();
        for (ServerConfig server : session.config().servers().values()) {
            String description = server.description() == null ? "" : server.description();
            if (!server.active()) {
                description += " (inactive)";
            } else if (server.disabled()) {
                description += " (WARNING: disabled)";
                if (!out.json()) {
                    // Not in Barman's output: the reasons, on stderr, so that stdout stays as Barman's.
                    for (String problem : server.problems()) {
                        out.warning(server.name() + ": " + problem);
                    }
                }
            }
            if (out.json()) {
                Map<String, Object> o = Session.object();
                o.put("description", description.isEmpty() ? null : description);
                out.jsonRoot().put(server.name(), minimal ? Session.object() : o);
            } else if (minimal || description.isEmpty()) {
                out.result(server.name());
            } else {
                out.result(server.name() + " - " + description);
            }
        }
        return 0;
    }
}
