package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.config.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code barman cron}: the maintenance cron runs every minute. For every active server, under the server's
 * cron lock (so runs never overlap): the archiver (in a process of its own), the WAL receiver when
 * {@code streaming_archiver} is on (started detached when none runs, stopped when it is off), check-backup of the
 * oldest backup waiting for its WAL files, the retention policy, then a scheduled drill when {@code drill_schedule}
 * makes one due (started detached and niced; the host's scheduled drills run one at a time). The receiver of an
 * inactive or disabled server is
 * stopped. The servers are served at the same time, so that one server's
 * backlog does not hold up the others.
 */
@Command(name = "cron", description = "Run maintenance tasks (global command)")
public final class CronCommand extends ServerCommand {
    @Option(names = "--keep-descriptors", description = "Keep the stdout and the stderr streams attached to Barman "
            + "subprocesses")
    boolean keepDescriptors;

    @Override
    int run(Session session) {
        List<Thread> servers = new ArrayList<>();
        Map<String, ServerConfig> served = session.servers(null, true, true);
        for (ServerConfig server : session.servers(null, false, false).values()) {
            if (!served.containsKey(server.name())) {
                // Not Barman 3.4's (its cron leaves them alone): a receiver does not outlive its server's disabling.
                session.service(server).stopReceiveWal(false);
            }
        }
        for (ServerConfig server : served.values()) {
            Thread t = new Thread(() -> session.service(server).cron(keepDescriptors), "cron-" + server.name());
            t.start();
            servers.add(t);
        }
        for (Thread t : servers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        return 0;
    }
}
