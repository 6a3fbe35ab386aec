package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.BarmanException;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.WalInfo;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.drill.DrillReport;
import org.barmanj.core.server.BarmanServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** {@code barman show-backup}: everything known about one backup. */
@Command(name = "show-backup", aliases = "show-backups", description = "This method shows a single backup information")
public final class ShowBackupCommand extends ServerCommand {
    private static final String ROW = "  %-23s: %s";
    private static final String NESTED = "    %-21s: %s";

    @Mixin
    BackupArguments arguments;

    /** Everything shown about a backup, computed once for both output formats. */
    private record Details(BackupInfo backup, WalInfo wal, BackupInfo previous, BackupInfo next,
                           String retention, List<BackupCatalog.ChildTimeline> children, String drill) {
    }

    /** The line of the backup's drill.json, null without one; an unreadable one says so, the rest is shown. */
    private static String lastDrill(BarmanServer service, String backupId) {
        try {
            DrillReport r = service.lastDrill(backupId);
            return r == null ? null : r.summary();
        } catch (BarmanException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }

    @Override
    int run(Session session) {
        BarmanServer service = session.server(arguments.serverName);
        if (service == null) {
            return 1;
        }
        ServerConfig server = service.config();
        BackupCatalog catalog = BackupCatalog.load(server);
        BackupInfo backup = catalog.find(arguments.backupId);
        Details d;
        if (backup.copyDone()) {
            String retention = service.retentionEnforced()
                    ? service.retentionReport(catalog).get(backup.backupId()) : null;
            d = new Details(backup, catalog.walInfo(backup), catalog.previous(backup), catalog.next(backup),
                    retention, catalog.childTimelines(backup), lastDrill(service, backup.backupId()));
        } else {
            d = new Details(backup, null, null, null, null, List.of(), null);
        }
        Output out = session.output();
        if (out.json()) {
            out.jsonRoot().put(server.name(), json(d));
        } else {
            console(d, out::result);
        }
        return 0;
    }

    private static void console(Details d, Consumer<String> print) {
        BackupInfo b = d.backup();
        print.accept("Backup " + b.backupId() + ":");
        if (b.backupName() != null) {
            print.accept(String.format(ROW, "Backup Name", b.backupName()));
        }
        print.accept(String.format(ROW, "Server Name", b.serverName()));
        if (b.raw("systemid") != null) {
            print.accept(String.format(ROW, "System Id", b.raw("systemid")));
        }
        print.accept(String.format(ROW, "Status", b.statusText()));
        if (!b.copyDone()) {
            if (b.error() != null) {
                print.accept(String.format(ROW, "Error", b.error()));
            }
            return;
        }
        print.accept(String.format(ROW, "PostgreSQL Version", b.shown("version")));
        print.accept(String.format(ROW, "PGDATA directory", b.shown("pgdata")));
        print.accept("");
        List<BackupInfo.Tablespace> tablespaces = b.tablespaces();
        if (!tablespaces.isEmpty()) {
            print.accept("  Tablespaces:");
            for (BackupInfo.Tablespace t : tablespaces) {
                print.accept(String.format(NESTED, t.name(), t.location() + " (oid: " + t.oid() + ")"));
            }
            print.accept("");
        }
        WalInfo w = d.wal();
        print.accept("  Base backup information:");
        Long size = b.size();
        if (size != null) {
            print.accept(String.format(NESTED, "Disk usage", Formats.size(size) + " ("
                    + Formats.size(size + w.walSize()) + " with WALs)"));
        }
        Long dedup = b.deduplicatedSize();
        if (dedup != null && size != null && size > 0) {
            print.accept(String.format(NESTED, "Incremental size", Formats.size(dedup) + " (-"
                    + Formats.percent(1 - (double) dedup / size) + ")"));
        }
        print.accept(String.format(NESTED, "Timeline", b.shown("timeline")));
        print.accept(String.format(NESTED, "Begin WAL", b.beginWal()));
        print.accept(String.format(NESTED, "End WAL", b.endWal()));
        print.accept(String.format(NESTED, "WAL number", w.walNum()));
        if (w.walCompressionRatio() > 0) {
            print.accept(String.format(NESTED, "WAL compression ratio", Formats.percent(w.walCompressionRatio())));
        }
        print.accept(String.format(NESTED, "Begin time", b.beginTime().map(PyDateTime::format).orElse("None")));
        print.accept(String.format(NESTED, "End time", PyDateTime.format(b.endTime())));
        Map<Object, Object> stats = b.copyStats();
        double copyTime = seconds(stats.get("copy_time"));
        if (copyTime != 0) {
            String value = Formats.duration(copyTime);
            Object analysis = stats.get("analysis_time");
            if (analysis != null && seconds(analysis) >= 1) {
                value += " + " + Formats.duration(seconds(analysis)) + " startup";
            }
            print.accept(String.format(NESTED, "Copy time", value));
            Long basis = dedup != null && dedup != 0 ? dedup : size;
            if (basis != null) {
                value = Formats.size(basis / copyTime) + "/s";
                long workers = workers(stats);
                if (workers > 1) {
                    value += " (" + workers + " jobs)";
                }
                print.accept(String.format(NESTED, "Estimated throughput", value));
            }
        }
        print.accept(String.format(NESTED, "Begin Offset", b.shown("begin_offset")));
        print.accept(String.format(NESTED, "End Offset", b.shown("end_offset")));
        print.accept(String.format(NESTED, "Begin LSN", b.shown("begin_xlog")));
        print.accept(String.format(NESTED, "End LSN", b.shown("end_xlog")));
        print.accept("");
        print.accept("  WAL information:");
        print.accept(String.format(NESTED, "No of files", w.untilNextNum()));
        print.accept(String.format(NESTED, "Disk usage", Formats.size(w.untilNextSize())));
        if (w.walsPerSecond() > 0) {
            print.accept(String.format(NESTED, "WAL rate", Formats.fixed(w.walsPerSecond() * 3600, 2) + "/hour"));
        }
        if (w.untilNextCompressionRatio() > 0) {
            print.accept(String.format(NESTED, "Compression ratio", Formats.percent(w.untilNextCompressionRatio())));
        }
        print.accept(String.format(NESTED, "Last available", w.last()));
        if (!d.children().isEmpty()) {
            List<String> tlis = new ArrayList<>();
            for (BackupCatalog.ChildTimeline c : d.children()) {
                tlis.add(String.valueOf(c.timeline()));
            }
            print.accept(String.format(NESTED, "Reachable timelines", String.join(", ", tlis)));
        }
        print.accept("");
        print.accept("  Catalog information:");
        print.accept(String.format(NESTED, "Retention Policy", d.retention() == null ? "not enforced" : d.retention()));
        print.accept(String.format(NESTED, "Previous Backup", d.previous() == null
                ? "- (this is the oldest base backup)" : d.previous().backupId()));
        print.accept(String.format(NESTED, "Next Backup", d.next() == null
                ? "- (this is the latest base backup)" : d.next().backupId()));
        if (d.drill() != null) {
            // Ours, only for a backup with a drill.json: Barman 3.4's output otherwise.
            print.accept(String.format(NESTED, "Last drill", d.drill()));
        }
        if (!d.children().isEmpty()) {
            print.accept("");
            print.accept("WARNING: WAL information is inaccurate due to multiple timelines interacting with this backup");
        }
    }

    private static Map<String, Object> json(Details d) {
        BackupInfo b = d.backup();
        Map<String, Object> o = Session.object();
        o.put("backup_id", b.backupId());
        o.put("status", b.statusText());
        if (b.backupName() != null) {
            o.put("backup_name", b.backupName());
        }
        if (!b.copyDone()) {
            if (b.error() != null) {
                o.put("error", b.error());
            }
            return o;
        }
        o.put("postgresql_version", b.get(BackupInfo.VERSION));
        o.put("pgdata_directory", b.raw("pgdata"));
        List<Object> tablespaces = Session.list();
        for (BackupInfo.Tablespace t : b.tablespaces()) {
            Map<String, Object> ts = Session.object();
            ts.put("name", t.name());
            ts.put("location", t.location());
            ts.put("oid", t.oid());
            tablespaces.add(ts);
        }
        o.put("tablespaces", tablespaces);
        WalInfo w = d.wal();
        long size = b.size() == null ? 0 : b.size();
        Map<String, Object> base = Session.object();
        base.put("disk_usage", Formats.size(size));
        base.put("disk_usage_bytes", size);
        base.put("disk_usage_with_wals", Formats.size(size + w.walSize()));
        base.put("disk_usage_with_wals_bytes", size + w.walSize());
        Long dedup = b.deduplicatedSize();
        if (dedup != null && size > 0) {
            base.put("incremental_size", Formats.size(dedup));
            base.put("incremental_size_bytes", dedup);
            base.put("incremental_size_ratio", "-" + Formats.percent(1 - (double) dedup / size));
        }
        base.put("timeline", b.get(BackupInfo.TIMELINE));
        base.put("begin_wal", b.beginWal());
        base.put("end_wal", b.endWal());
        if (w.walCompressionRatio() > 0) {
            base.put("wal_compression_ratio", Formats.percent(w.walCompressionRatio()));
        }
        base.put("begin_time_timestamp", b.beginTime().map(t -> String.valueOf(t.toEpochSecond())).orElse(null));
        base.put("begin_time", b.beginTime().map(PyDateTime::format).orElse(null));
        base.put("end_time_timestamp", String.valueOf(b.endTime().toEpochSecond()));
        base.put("end_time", PyDateTime.format(b.endTime()));
        Map<Object, Object> stats = b.copyStats();
        Object copyTime = stats.get("copy_time");
        if (copyTime != null && seconds(copyTime) != 0) {
            Object analysis = stats.getOrDefault("analysis_time", 0L);
            base.put("copy_time", Formats.duration(seconds(copyTime)));
            base.put("copy_time_seconds", copyTime);
            base.put("analysis_time", Formats.duration(seconds(analysis)));
            base.put("analysis_time_seconds", analysis);
            long basis = dedup != null && dedup != 0 ? dedup : size;
            base.put("throughput", Formats.size(basis / seconds(copyTime)) + "/s");
            base.put("throughput_bytes", basis / seconds(copyTime));
            base.put("number_of_workers", workers(stats));
        }
        base.put("begin_offset", b.get(BackupInfo.BEGIN_OFFSET));
        base.put("end_offset", b.get(BackupInfo.END_OFFSET));
        base.put("begin_lsn", b.raw("begin_xlog"));
        base.put("end_lsn", b.raw("end_xlog"));
        o.put("base_backup_information", base);
        Map<String, Object> wal = Session.object();
        wal.put("no_of_files", w.untilNextNum());
        wal.put("disk_usage", Formats.size(w.untilNextSize()));
        wal.put("disk_usage_bytes", w.untilNextSize());
        wal.put("wal_rate", 0L);
        wal.put("wal_rate_per_second", 0L);
        wal.put("compression_ratio", 0L);
        wal.put("last_available", w.last());
        List<Object> timelines = Session.list();
        if (w.walsPerSecond() > 0) {
            wal.put("wal_rate", Formats.fixed(w.walsPerSecond() * 3600, 2) + "/hour");
            wal.put("wal_rate_per_second", w.walsPerSecond());
        }
        if (w.untilNextCompressionRatio() > 0) {
            wal.put("compression_ratio", Formats.percent(w.untilNextCompressionRatio()));
        }
        if (!d.children().isEmpty()) {
            wal.put("_WARNING", "WAL information is inaccurate due to multiple timelines interacting with this backup");
            for (BackupCatalog.ChildTimeline c : d.children()) {
                timelines.add(String.valueOf(c.timeline()));
            }
        }
        wal.put("timelines", timelines);
        o.put("wal_information", wal);
        Map<String, Object> catalog = Session.object();
        catalog.put("retention_policy", d.retention() == null ? "not enforced" : d.retention());
        catalog.put("previous_backup", d.previous() == null ? "- (this is the oldest base backup)" : d.previous().backupId());
        catalog.put("next_backup", d.next() == null ? "- (this is the latest base backup)" : d.next().backupId());
        o.put("catalog_information", catalog);
        if (d.drill() != null) {
            o.put("last_drill", d.drill());
        }
        return o;
    }

    private static double seconds(Object v) {
        return v instanceof Number n ? n.doubleValue() : 0;
    }

    private static long workers(Map<Object, Object> stats) {
        Object n = stats.get("number_of_workers");
        return n instanceof Number num ? num.longValue() : 1;
    }
}
