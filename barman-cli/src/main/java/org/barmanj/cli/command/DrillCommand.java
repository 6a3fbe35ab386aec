package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.BarmanException;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.drill.DrillForecast;
import org.barmanj.core.drill.DrillReport;
import org.barmanj.core.server.BarmanServer;
import org.barmanj.core.server.DrillRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code barman drill SERVER [BACKUP_ID]} (ours): a backup restored into a scratch folder, started privately,
 * checked and removed; the result printed and recorded as the backup's {@code drill.json}. Exit 1 when a check
 * failed.
 */
@Command(name = "drill", description = "Restore a backup into a scratch folder, start it privately, check it, "
        + "measure the recovery time, and record the result")
public final class DrillCommand extends ServerCommand {
    @Mixin
    TargetOptions target;

    @Option(names = "--standby-mode", description = "refused: a drill ends its recovery")
    boolean standbyMode;

    @Option(names = "--remote-ssh-command", paramLabel = "SSH_COMMAND",
            description = "drill on another host, reached with this ssh command (OpenSSH), as recover's option. "
                    + "Example: 'ssh postgres@db2'")
    String remoteSshCommand;

    @Option(names = "--keep", description = "keep the scratch folder (PostgreSQL is stopped all the same)")
    boolean keep;

    @Option(names = "--forecast", description = "print the forecast of a restore of the latest DONE backup and the "
            + "WAL archived since, from the recorded drills' rates, without running a drill")
    boolean forecast;

    @Parameters(index = "0", paramLabel = "SERVER_NAME", description = "specifies the server name for the command")
    String serverName;

    @Parameters(index = "1", arity = "0..1", paramLabel = "BACKUP_ID",
            description = "the backup to drill (default latest; or oldest, a backup id or name)")
    String backupId = "latest";

    @Override
    int run(Session session) {
        if (forecast) {
            return forecastOnly(session);
        }
        DrillRequest request = new DrillRequest(backupId, target.targetTime, target.targetXid, target.targetLsn,
                target.targetName, target.targetImmediate, target.targetTli, target.exclusive, standbyMode, keep,
                remoteSshCommand);
        BarmanServer server = session.server(serverName);
        if (server == null) {
            return 1;
        }
        DrillReport report = server.drill(request);
        Output out = session.output();
        DrillForecast.Forecast next;
        String noForecast = null;
        try {
            next = server.drillForecast();
        } catch (BarmanException e) {
            next = null;
            noForecast = e.getMessage();
        }
        if (out.json()) {
            Map<String, Object> o = json(report);
            o.put("forecast", next == null ? null : ForecastView.json(next));
            out.jsonRoot().put(server.config().name(), o);
        } else {
            console(report, out);
            if (next != null) {
                ForecastView.console(next, out);
            } else {
                out.result("Forecast: none (" + noForecast + ")");
            }
        }
        return report.ok() ? 0 : 1;
    }

    private int forecastOnly(Session session) {
        if (!"latest".equals(backupId) || keep || standbyMode || remoteSshCommand != null
                || target.targetTime != null || target.targetXid != null || target.targetLsn != null
                || target.targetName != null || target.targetImmediate || target.targetTli != null
                || target.exclusive) {
            throw new BarmanException(ErrorCode.USAGE, "barman drill: --forecast takes only SERVER_NAME: it "
                    + "forecasts a restore of the latest DONE backup and all the WAL archived since");
        }
        BarmanServer server = session.server(serverName);
        if (server == null) {
            return 1;
        }
        DrillForecast.Forecast f = server.drillForecast();
        Output out = session.output();
        if (out.json()) {
            Map<String, Object> o = Session.object();
            o.put("forecast", ForecastView.json(f));
            out.jsonRoot().put(server.config().name(), o);
        } else {
            ForecastView.console(f, out);
        }
        return 0;
    }

    private static void console(DrillReport r, Output out) {
        out.result("Drill of backup " + r.backupId() + " of server " + r.server() + " (PostgreSQL "
                + r.postgresVersion() + "), target: " + r.target());
        for (DrillReport.Check c : r.checks()) {
            out.result("\t" + c.line());
        }
        DrillReport.Figures f = r.figures();
        out.result("Figures:");
        out.result("\tcopy: " + secs(f.copySeconds()) + " (" + Formats.size(f.bytesCopied()) + ", "
                + Formats.size(f.copyThroughput()) + "/s)");
        out.result("\tWAL replay: " + secs(f.replaySeconds()) + " (" + f.walSegments() + " segments, "
                + Formats.size(f.walBytes()) + ")");
        if (f.redo() != null) {
            out.result("\tredo: " + secs(f.redo().seconds()) + " (" + Formats.size(f.redo().bytes()) + ", "
                    + Formats.size(f.redo().throughput()) + "/s; start without it: " + secs(f.startOverheadSeconds())
                    + ")");
        }
        out.result("\taccepts connections after: " + secs(f.acceptSeconds()));
        out.result("\tchecks: " + secs(f.checksSeconds()));
        out.result("\ttotal: " + secs(f.totalSeconds()));
        out.result("Drill " + (r.ok() ? "OK" : "FAILED: " + r.reason()));
    }

    private static String secs(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    private static Map<String, Object> json(DrillReport r) {
        Map<String, Object> o = Session.object();
        o.put("backup_id", r.backupId());
        o.put("status", r.ok() ? "OK" : "FAILED");
        o.put("reason", r.reason());
        o.put("postgres_version", r.postgresVersion());
        o.put("target", r.target());
        o.put("started", r.started().toString());
        o.put("ended", r.ended().toString());
        List<Object> checks = Session.list();
        for (DrillReport.Check c : r.checks()) {
            Map<String, Object> m = Session.object();
            m.put("name", c.name());
            m.put("result", c.result().name());
            m.put("method", c.method());
            m.put("detail", c.detail());
            checks.add(m);
        }
        o.put("checks", checks);
        DrillReport.Figures f = r.figures();
        Map<String, Object> fig = Session.object();
        fig.put("copy_seconds", f.copySeconds());
        fig.put("wal_replay_seconds", f.replaySeconds());
        fig.put("accept_connections_seconds", f.acceptSeconds());
        fig.put("checks_seconds", f.checksSeconds());
        fig.put("total_seconds", f.totalSeconds());
        fig.put("bytes_copied", f.bytesCopied());
        fig.put("wal_segments", f.walSegments());
        fig.put("wal_bytes", f.walBytes());
        fig.put("restore_bytes_per_second", f.restoreThroughput());
        if (f.redo() != null) {
            fig.put("redo_bytes", f.redo().bytes());
            fig.put("redo_seconds", f.redo().seconds());
            fig.put("redo_bytes_per_second", f.redo().throughput());
            fig.put("start_overhead_seconds", f.startOverheadSeconds());
        }
        o.put("figures", fig);
        return o;
    }
}
