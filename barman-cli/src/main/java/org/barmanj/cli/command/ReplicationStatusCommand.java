package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.server.ReplicationStatus;
import org.barmanj.core.server.ReplicationStatus.Client;
import org.barmanj.core.server.ReplicationStatus.Target;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code barman replication-status}: the streaming clients of each server's PostgreSQL ({@code pg_stat_replication}),
 * as Barman 3.4's console and JSON writers show them, in full or {@code --minimal}.
 */
@Command(name = "replication-status", description = "Shows live information and status of any streaming client")
public final class ReplicationStatusCommand extends ServerCommand {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server name for the command ('all' will show all available servers)")
    List<String> servers;

    @Option(names = "--minimal", description = "machine readable output")
    boolean minimal;

    private Target target = Target.ALL;

    @Option(names = "--target", paramLabel = "{all,hot-standby,wal-streamer}", defaultValue = "all",
            description = "Possible values are: 'hot-standby' (only hot standby servers), 'wal-streamer' (only WAL "
                    + "streaming clients, such as pg_receivewal), 'all' (any of them). Defaults to all")
    void target(String value) {
        try {
            target = Target.of(value);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "argument --target: invalid choice: '" + value
                    + "' (choose from 'all', 'hot-standby', 'wal-streamer')");
        }
    }

    @Override
    int run(Session session) {
        Output out = session.output();
        session.eachServer(servers, Session.Selection.ACTIVE, service -> {
            String name = service.config().name();
            Map<String, Object> json = null;
            if (out.json()) {
                json = Session.object();
                out.jsonRoot().put(name, json);
            }
            ReplicationStatus result = service.replicationStatus(target);
            if (result == null) {
                return;
            }
            if (json != null) {
                json(json, result);
            } else {
                console(out, name, result);
            }
        });
        return 0;
    }

    private void console(Output out, String server, ReplicationStatus result) {
        String title = target.title();
        String lsn = result.serverLsn();
        if (minimal) {
            out.result(lsn != null ? capitalize(title) + " for master '" + server + "' (LSN @ " + lsn + "):"
                    : capitalize(title) + " for slave '" + server + "':");
        } else {
            out.result("Status of " + title + " for server '" + server + "':");
            if (lsn != null) {
                out.result("  Current LSN on master: " + lsn);
            }
        }
        List<Client> clients = result.clients();
        if (clients.isEmpty()) {
            out.result("  No " + title + " attached");
            return;
        }
        int n = 1;
        if (minimal) {
            for (Client c : clients) {
                String address = c.clientAddr() == null ? "socket" : c.clientAddr();
                out.result(c.replayLsn() == null
                        ? "  " + n + ". W) " + c.userName() + "@" + address + " S:" + c.sentLsn() + " W:"
                        + c.writeLsn() + " P:" + c.syncPriority() + " AN:" + c.applicationName()
                        : "  " + n + ". " + c.syncState().substring(0, 1).toUpperCase(Locale.ROOT) + ") "
                        + c.userName() + "@" + address + " S:" + c.sentLsn() + " F:" + c.flushLsn() + " R:"
                        + c.replayLsn() + " P:" + c.syncPriority() + " AN:" + c.applicationName());
                n++;
            }
            return;
        }
        out.result("  Number of " + title + ": " + clients.size());
        for (Client c : clients) {
            out.result("");
            out.result("  " + n + ". " + name(c));
            out.result("     Application name: " + c.applicationName());
            out.result("     Sync stage      : " + syncStage(c));
            if (c.clientAddr() != null) {
                out.result("     Communication   : TCP/IP");
                out.result("     IP Address      : " + c.clientAddr() + " / Port: " + c.clientPort() + " / Host: "
                        + (c.clientHostname() == null || c.clientHostname().isEmpty() ? "-" : c.clientHostname()));
            } else {
                out.result("     Communication   : Unix domain socket");
            }
            out.result("     User name       : " + c.userName());
            out.result("     Current state   : " + c.state() + " (" + c.syncState() + ")");
            if (c.slotName() != null && !c.slotName().isEmpty()) {
                out.result("     Replication slot: " + c.slotName());
            }
            out.result("     WAL sender PID  : " + c.pid());
            out.result("     Started at      : " + PyDateTime.format(c.backendStart()));
            if (c.backendXmin() != null && !c.backendXmin().isEmpty()) {
                out.result("     Standby's xmin  : " + c.backendXmin());
            }
            String[][] positions = {{"Sent LSN   ", c.sentLsn()}, {"Write LSN  ", c.writeLsn()},
                    {"Flush LSN  ", c.flushLsn()}, {"Replay LSN ", c.replayLsn()}};
            for (String[] p : positions) {
                if (p[1] != null && !p[1].isEmpty()) {
                    out.result("     " + p[0] + ": " + p[1] + " (diff: " + Formats.size(diff(p[1], c.currentLsn()))
                            + ")");
                }
            }
            n++;
        }
    }

    private void json(Map<String, Object> json, ReplicationStatus result) {
        String key = target.title().toLowerCase(Locale.ROOT).replace(' ', '_').replace('-', '_').replace(".", "");
        json.put("server_lsn", result.serverLsn());
        List<Object> items = new ArrayList<>();
        json.put(key, items);
        if (result.clients().isEmpty()) {
            json.put("standby_info", "No " + target.title() + " attached");
            return;
        }
        for (Client c : result.clients()) {
            Map<String, Object> o = Session.object();
            String address = c.clientAddr() == null ? "socket" : c.clientAddr();
            if (minimal) {
                if (c.replayLsn() != null) {
                    o.put("sync_state", c.syncState().substring(0, 1).toUpperCase(Locale.ROOT));
                }
                o.put("user_name", c.userName());
                o.put("client_addr", address);
                o.put("sent_lsn", c.sentLsn());
                if (c.replayLsn() == null) {
                    o.put("write_lsn", c.writeLsn());
                } else {
                    o.put("flush_lsn", c.flushLsn());
                    o.put("replay_lsn", c.replayLsn());
                }
                o.put("sync_priority", c.syncPriority());
                o.put("application_name", c.applicationName());
                items.add(o);
                continue;
            }
            o.put("name", name(c));
            o.put("application_name", c.applicationName());
            o.put("sync_stage", syncStage(c));
            if (c.clientAddr() != null) {
                o.put("communication", "TCP/IP");
                o.put("ip_address", c.clientAddr());
                o.put("port", c.clientPort());
                o.put("host", c.clientHostname() == null || c.clientHostname().isEmpty() ? null : c.clientHostname());
            } else {
                o.put("communication", "Unix domain socket");
            }
            o.put("user_name", c.userName());
            o.put("current_state", c.state());
            o.put("current_sync_state", c.syncState());
            if (c.slotName() != null && !c.slotName().isEmpty()) {
                o.put("replication_slot", c.slotName());
            }
            o.put("wal_sender_pid", c.pid());
            o.put("started_at", PyDateTime.format(c.backendStart()));
            if (c.backendXmin() != null && !c.backendXmin().isEmpty()) {
                o.put("standbys_xmin", c.backendXmin());
            }
            String[][] positions = {{"sent", c.sentLsn()}, {"write", c.writeLsn()}, {"flush", c.flushLsn()},
                    {"replay", c.replayLsn()}};
            for (String[] p : positions) {
                if (p[1] != null && !p[1].isEmpty()) {
                    long d = diff(p[1], c.currentLsn());
                    o.put(p[0] + "_lsn", p[1]);
                    o.put(p[0] + "_lsn_diff", Formats.size(d));
                    o.put(p[0] + "_lsn_diff_bytes", d);
                }
            }
            items.add(o);
        }
    }

    /** {@code #1 Sync standby}, {@code Async WAL streamer}, ...: priority only for a synchronous candidate. */
    private static String name(Client c) {
        String type = c.replayLsn() == null ? "WAL streamer" : "standby";
        String state = capitalize(c.syncState()) + " " + type;
        return c.syncPriority() > 0 ? "#" + c.syncPriority() + " " + state : state;
    }

    /** Barman's synchronisation stages: how far the client has the server's current LSN. */
    static String syncStage(Client c) {
        boolean streamer = c.replayLsn() == null;
        int max = streamer ? 3 : 5;
        if (!streamer) {
            if (diff(c.replayLsn(), c.currentLsn()) == 0) {
                return "5/5 Hot standby (max)";
            }
            if (c.flushLsn() != null && diff(c.flushLsn(), c.currentLsn()) == 0) {
                return "4/5 2-safe";
            }
        }
        if (c.writeLsn() != null && diff(c.writeLsn(), c.currentLsn()) == 0) {
            return "3/" + max + " Remote write";
        }
        if (c.sentLsn() != null && diff(c.sentLsn(), c.currentLsn()) == 0) {
            return "2/" + max + " WAL Sent (min)";
        }
        return "1/" + max + " 1-safe";
    }

    private static long diff(String lsn, String current) {
        return WalName.parseLsn(lsn) - WalName.parseLsn(current);
    }

    /** Python's {@code str.capitalize()}: the first letter upper case, the rest lower case. */
    static String capitalize(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
    }
}
