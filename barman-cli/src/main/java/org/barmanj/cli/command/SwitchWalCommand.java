package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalFileEntry;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.postgres.PostgresConnection;
import org.barmanj.core.postgres.PostgresException;
import org.barmanj.core.postgres.WalSwitch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** {@code barman switch-wal}: closes the current WAL segment, and with {@code --archive} waits for it. */
@Command(name = "switch-wal", aliases = "switch-xlog", description = "Execute the switch-wal command on the target server")
public final class SwitchWalCommand extends ServerCommand {
    @Option(names = "--force", description = "forces the switch by executing CHECKPOINT before pg_switch_wal()")
    boolean force;

    @Option(names = "--archive", description = "wait for one WAL file to be archived")
    boolean archive;

    @Option(names = "--archive-timeout", paramLabel = "TIMEOUT", defaultValue = "30",
            description = "the time, in seconds, the archiver will wait for a new WAL file to be archived before "
                    + "timing out (default: 30)")
    int archiveTimeout;

    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*", description = "specifies the server name target of the "
            + "switch-wal command")
    List<String> servers;

    @Override
    int run(Session session) {
        for (Map.Entry<String, ServerConfig> e : session.servers(servers, true, false).entrySet()) {
            if (session.usable(e.getValue(), e.getKey(), true, true, true)) {
                switchWal(session, e.getValue());
            }
        }
        return 0;
    }

    private void switchWal(Session session, ServerConfig server) {
        String closed;
        try (PostgresConnection pg = PostgresConnection.open(server, session.env(), System.getProperty("user.home"))) {
            WalSwitch.Result result = WalSwitch.perform(pg, force);
            closed = result.closedWal();
            switch (result.outcome()) {
                case SWITCHED -> session.output().info("The WAL file " + closed + " has been closed on server '"
                        + server.name() + "'");
                case NOT_NEEDED -> session.output().info("No switch required for server '" + server.name() + "'");
                default -> session.output().info("No switch performed because server '" + server.name()
                        + "' is a standby.");
            }
        } catch (PostgresException e) {
            session.output().error(e.getMessage().contains("permission denied")
                    ? "Barman switch-wal --force requires superuser rights or the 'pg_checkpoint' role"
                    : "Unable to perform pg_switch_wal for server '" + server.name() + "'.");
            session.output().debug(e.getMessage());
            return;
        }
        if (archive) {
            waitForWal(session, server, closed, archiveTimeout);
        }
    }

    /**
     * Barman's {@code wait_for_wal}: runs the archiver every 0.1 s until {@code wal} (null: any new WAL) is in the
     * archive, or {@code timeout} seconds (0: no limit) have passed. Returns whether it arrived.
     */
    static boolean waitForWal(Session session, ServerConfig server, String wal, int archiveTimeout) {
        String max = archiveTimeout > 0 ? " (max: " + archiveTimeout + " seconds)" : "";
        CatalogLayout layout = new CatalogLayout(server);
        Map<Integer, String> initial = wal == null ? latestPerTimeline(layout) : Map.of();
        session.output().info(wal != null ? "Waiting for the WAL file " + wal + " from server '" + server.name() + "'" + max
                : "Waiting for a WAL file from server '" + server.name() + "' to be archived" + max);
        long end = System.nanoTime() + archiveTimeout * 1_000_000_000L;
        while (archiveTimeout <= 0 || System.nanoTime() < end) {
            ArchiveWalCommand.archive(session, server, false);
            if (wal != null ? Files.exists(layout.walPath(wal)) : !Objects.equals(initial, latestPerTimeline(layout))) {
                return true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        if (wal != null) {
            session.output().error("The WAL file " + wal + " has not been received in " + archiveTimeout + " seconds");
        } else {
            session.output().info("A WAL file has not been received in " + archiveTimeout + " seconds");
        }
        return false;
    }

    private static Map<Integer, String> latestPerTimeline(CatalogLayout layout) {
        Map<Integer, String> latest = new TreeMap<>();
        for (WalFileEntry e : layout.xlogDb().read()) {
            if (WalName.isSegment(e.name())) {
                latest.merge(WalName.timeline(e.name()), e.name(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
            }
        }
        return latest;
    }
}
