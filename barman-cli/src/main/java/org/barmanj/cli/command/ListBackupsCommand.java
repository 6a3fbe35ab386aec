package org.barmanj.cli.command;

import org.barmanj.cli.Session;
import org.barmanj.cli.output.Output;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.WalInfo;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.compat.PyDateTime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/** {@code barman list-backups}: the backups of each server, newest first. */
@Command(name = "list-backups", aliases = "list-backup",
        description = "List available backups for the given server (supports 'all')")
public final class ListBackupsCommand extends ServerCommand {
    @Option(names = "--minimal", description = "machine readable output")
    boolean minimal;

    @Parameters(paramLabel = "SERVER_NAME", arity = "1..*",
            description = "specifies the server name for the command ('all' will show all available servers)")
    List<String> servers;

    @Override
    int run(Session session) {
        Output out = session.output();
        session.eachServer(servers, Session.Selection.ACTIVE, service -> {
            BackupCatalog catalog = service.catalog();
            List<Object> rows = new ArrayList<>();
            if (out.json()) {
                out.jsonRoot().put(service.config().name(), rows);
            }
            Map<String, String> retention = service.retentionReport(catalog);
            List<BackupInfo> newestFirst = catalog.all();
            Collections.reverse(newestFirst);
            for (BackupInfo backup : newestFirst) {
                if (minimal) {
                    if (out.json()) {
                        rows.add(backup.backupId());
                    } else {
                        out.result(backup.backupId());
                    }
                    continue;
                }
                long size = backup.size() == null ? 0 : backup.size();
                long walSize = 0;
                String retentionStatus = null;
                if (backup.copyDone()) {
                    WalInfo wal = catalog.walInfo(backup);
                    size += wal.walSize();
                    walSize = wal.untilNextSize();
                    String r = retention.get(backup.backupId());
                    if (service.retentionEnforced() && !BackupCatalog.VALID.equals(r)) {
                        retentionStatus = r;
                    }
                }
                if (out.json()) {
                    rows.add(json(backup, size, walSize, retentionStatus));
                } else {
                    out.result(line(backup, size, walSize, retentionStatus));
                }
            }
        });
        return 0;
    }

    private static String line(BackupInfo backup, long size, long walSize, String retentionStatus) {
        StringBuilder line = new StringBuilder(backup.serverName() + " " + backup.backupId() + " ");
        line.append(backup.backupName() != null ? "'" + backup.backupName() + "' - " : "- ");
        if (!backup.copyDone()) {
            return line.append(backup.statusText()).toString();
        }
        line.append(PyDateTime.ctime(backup.endTime())).append(" - Size: ").append(Formats.size(size))
                .append(" - WAL Size: ").append(Formats.size(walSize));
        List<BackupInfo.Tablespace> tablespaces = backup.tablespaces();
        if (!tablespaces.isEmpty()) {
            List<String> parts = new ArrayList<>();
            for (BackupInfo.Tablespace t : tablespaces) {
                parts.add(t.name() + ":" + t.location());
            }
            line.append(" (tablespaces: ").append(String.join(", ", parts)).append(")");
        }
        if (backup.status() == BackupInfo.Status.WAITING_FOR_WALS) {
            line.append(" - ").append(BackupInfo.Status.WAITING_FOR_WALS.name());
        }
        if (retentionStatus != null && !retentionStatus.equals(BackupCatalog.NONE)) {
            line.append(" - ").append(retentionStatus);
        }
        return line.toString();
    }

    private static Map<String, Object> json(BackupInfo backup, long size, long walSize, String retentionStatus) {
        Map<String, Object> o = Session.object();
        o.put("backup_id", backup.backupId());
        if (backup.backupName() != null) {
            o.put("backup_name", backup.backupName());
        }
        if (!backup.copyDone()) {
            o.put("status", backup.statusText());
            return o;
        }
        o.put("end_time_timestamp", String.valueOf(backup.endTime().toEpochSecond()));
        o.put("end_time", PyDateTime.ctime(backup.endTime()));
        o.put("size_bytes", size);
        o.put("wal_size_bytes", walSize);
        o.put("size", Formats.size(size));
        o.put("wal_size", Formats.size(walSize));
        o.put("status", backup.statusText());
        o.put("retention_status", retentionStatus == null ? BackupCatalog.NONE : retentionStatus);
        List<Object> tablespaces = Session.list();
        for (BackupInfo.Tablespace t : backup.tablespaces()) {
            Map<String, Object> ts = Session.object();
            ts.put("name", t.name());
            ts.put("location", t.location());
            tablespaces.add(ts);
        }
        o.put("tablespaces", tablespaces);
        return o;
    }
}
