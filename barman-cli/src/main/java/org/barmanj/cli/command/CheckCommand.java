package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.ErrorCode;
import org.barmanj.core.check.CheckResult;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.server.CheckReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code barman check}: Barman's checks of a server's configuration, PostgreSQL, ssh and WAL archiving. */
@Command(name = "check", description = "Check if the server configuration is working. This command returns success if "
        + "every checks pass, or failure if any of these fails")
public final class CheckCommand extends ServerCommand {
    @Option(names = "--nagios", description = "Nagios plugin compatible output")
    boolean nagios;

    @Spec
    CommandSpec spec;

    private Integer checkTimeout;

    /** Barman 3.17's option; its value is checked as its {@code check_non_negative} does. */
    @Option(names = "--check-timeout", paramLabel = "CHECK_TIMEOUT",
            description = "the time, in seconds, the checks of a server may take (0: no limit), instead of its "
                    + "check_timeout")
    void checkTimeout(String value) {
        int seconds;
        try {
            seconds = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 0) {
            throw new ParameterException(spec.commandLine(), "argument --check-timeout: '" + value
                    + "' is not a valid non negative integer");
        }
        checkTimeout = seconds;
    }

    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server name for the command ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        Output out = session.output();
        Map<ServerConfig, CheckReport> reports = new LinkedHashMap<>();
        boolean allKnown = session.eachServer(servers, Session.Selection.ALL, service -> {
            CheckReport report = checkTimeout == null ? service.check() : service.check(checkTimeout);
            reports.put(service.config(), report);
            if (!nagios) {
                print(out, service.config(), report.results());
            }
        });
        Map<String, List<CheckResult>> all = new LinkedHashMap<>();
        List<String> perf = new ArrayList<>();
        List<String> inactive = new ArrayList<>();
        boolean failed = !allKnown;
        for (Map.Entry<ServerConfig, CheckReport> e : reports.entrySet()) {
            String name = e.getKey().name();
            all.put(name, e.getValue().results());
            perf.add(name + "=" + e.getValue().lastBackupBytes() + "B " + name + "_wals=" + e.getValue().walBytes()
                    + "B");
            if (!e.getKey().active()) {
                inactive.add(name);
            } else if (e.getValue().failed()) {
                failed = true;
            }
        }
        if (nagios) {
            return nagios(out, all, inactive, perf);
        }
        return failed ? 1 : 0;
    }

    private static void print(Output out, ServerConfig server, List<CheckResult> results) {
        // The configuration row fails exactly when Barman disables the server (backup_compression's version
        // rules are only known once connected).
        boolean disabled = server.disabled() || results.stream().anyMatch(r -> r.name().equals("configuration")
                && !r.ok());
        String note = !server.active() ? " (inactive)" : disabled ? " (WARNING: disabled)" : "";
        if (out.json()) {
            Map<String, Object> checks = Session.object();
            for (CheckResult r : results) {
                Map<String, Object> o = Session.object();
                o.put("status", r.ok() ? "OK" : "FAILED");
                o.put("hint", r.hint() == null ? "" : r.hint());
                checks.put(r.name().toLowerCase(Locale.ROOT).replace(" ", "_").replace("-", "_").replace(".", ""), o);
            }
            out.jsonRoot().put(server.name(), checks);
            results.forEach(r -> r.details().forEach(d -> out.result("\t\t" + d)));
            return;
        }
        out.result("Server " + server.name() + note + ":");
        for (CheckResult r : results) {
            out.result("\t" + r.name() + ": " + (r.ok() ? "OK" : "FAILED") + (r.hint() == null ? "" : " (" + r.hint() + ")"));
            r.details().forEach(d -> out.result("\t\t" + d));
        }
    }

    /**
     * One Nagios status line, then one line per failed check; exit 2 when an active server has a failure. Like
     * Barman, a CRITICAL line lists every server with failures, inactive ones too; when only inactive servers
     * fail, the OK line names them as IGNORING.
     */
    private static int nagios(Output out, Map<String, List<CheckResult>> all, List<String> inactive,
                              List<String> perf) {
        List<String> issues = new ArrayList<>();
        List<String> summaries = new ArrayList<>();
        List<String> details = new ArrayList<>();
        for (Map.Entry<String, List<CheckResult>> e : all.entrySet()) {
            String srv = e.getKey();
            List<String> failedNames = new ArrayList<>();
            for (CheckResult r : e.getValue()) {
                if (!r.ok()) {
                    failedNames.add(r.name());
                    details.add(srv + "." + r.name() + ": FAILED" + (r.hint() == null ? "" : " (" + r.hint() + ")"));
                }
            }
            if (!failedNames.isEmpty()) {
                issues.add(srv);
                summaries.add(srv + " FAILED: " + String.join(", ", failedNames));
            }
        }
        String perfData = perf.isEmpty() ? "" : "|" + String.join(" ", perf);
        boolean critical = issues.stream().anyMatch(srv -> !inactive.contains(srv));
        if (critical) {
            String head = all.size() == 1 ? "BARMAN CRITICAL - server " + all.keySet().iterator().next() + " has issues"
                    : "BARMAN CRITICAL - " + issues.size() + " server out of " + all.size() + " have issues";
            out.result(head + " * " + String.join(" * ", summaries) + perfData);
            details.forEach(out::result);
            return ErrorCode.NAGIOS_CRITICAL.exitCode();
        }
        StringBuilder ignoring = new StringBuilder();
        issues.forEach(srv -> ignoring.append(" * IGNORING: ").append(srv));
        List<String> good = new ArrayList<>(all.keySet());
        good.removeAll(issues);
        if (good.isEmpty()) {
            out.result("BARMAN OK - No server configured" + ignoring);
        } else if (good.size() == 1) {
            out.result("BARMAN OK - Ready to serve the Espresso backup for " + good.get(0) + ignoring + perfData);
        } else {
            out.result("BARMAN OK - Ready to serve the Espresso backup for " + good.size() + " servers * "
                    + String.join(" * ", good) + ignoring + perfData);
        }
        return 0;
    }
}
