package org.barmanj.core.server;

import org.barmanj.core.BuildInfo;
import org.barmanj.core.Events;
import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.catalog.WalName;
import org.barmanj.core.compat.Formats;
import org.barmanj.core.compat.PyDateTime;
import org.barmanj.core.compat.PyLiteral;
import org.barmanj.core.compat.PythonText;
import org.barmanj.core.compression.Compression;
import org.barmanj.core.config.BarmanConfig;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.RetentionPolicy;
import org.barmanj.core.config.ServerConfig;
import org.barmanj.core.remote.SharedConnection;
import org.barmanj.core.remote.Shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * {@code barman diagnose}: what support needs to know, as the tree of Barman 3.4's {@code exec_diagnose} (the
 * same keys): {@code global} (the {@code [barman]} options, the global configuration errors, this host's system
 * information) and, for every configured server, inactive and disabled ones included, its configuration, the
 * system information of its PostgreSQL host when {@code ssh_command} reaches it, PostgreSQL's status, every backup
 * and the newest archived WAL file of each timeline. Values are JSON-ready (maps, lists, strings, numbers,
 * booleans, null); the caller redacts passwords on output.
 */
public final class Diagnosis {
    private static final String SEPARATOR = "--barmanj-diagnose--";
    /**
     * Barman's {@code get_system_info}, as one script for this host or through ssh: each probe's output, separated
     * by a line of its own. {@code ssh -V} is read from stderr (Barman's local probe passes {@code 2>&1} as an
     * argument, not as a redirection, and so gets an empty text; here the version is given).
     */
    private static final String SYSTEM_INFO_SCRIPT = String.join("\n",
            "if r=$(lsb_release -a 2>/dev/null); then printf '%s' \"$r\";",
            "elif [ -e /etc/lsb-release ]; then printf 'Ubuntu Linux %s' \"$(cat /etc/lsb-release)\";",
            "elif [ -e /etc/debian_version ]; then printf 'Debian GNU/Linux %s' \"$(cat /etc/debian_version)\";",
            "elif [ -e /etc/redhat-release ]; then printf 'RedHat Linux %s' \"$(cat /etc/redhat-release)\";",
            "elif r=$(sw_vers 2>/dev/null); then printf '%s' \"$r\"; fi",
            "echo; echo " + SEPARATOR + "; uname -a 2>/dev/null",
            "echo " + SEPARATOR + "; python --version 2>&1",
            "echo " + SEPARATOR + "; rsync --version 2>&1 | head -n 1",
            "echo " + SEPARATOR + "; ssh -V 2>&1");
    private static final List<String> SYSTEM_INFO_KEYS = List.of("release", "kernel_ver", "python_ver", "rsync_ver",
            "ssh_ver");

    private Diagnosis() {
    }

    /**
     * The diagnosis of every server of {@code config}, each asked through its {@code service}. Backups whose
     * backup.info cannot be read are left out, with a warning.
     */
    public static Map<String, Object> collect(BarmanConfig config, Function<ServerConfig, BarmanServer> service,
                                              Events events) {
        Map<String, Object> global = new TreeMap<>();
        Map<String, Object> globalConfig = new TreeMap<>(config.globalOptions());
        // A path shared by two servers stops the configuration from loading at all: no such error is left here.
        globalConfig.put("errors_list", List.of());
        global.put("config", globalConfig);
        Map<String, Object> system = systemInfo(null);
        if (system == null) {
            system = new TreeMap<>(Map.of("error", "the system information could not be gathered"));
        }
        // The Barman version we are compatible with, and ours: support needs to know which tool wrote this.
        system.put("barman_ver", BuildInfo.COMPAT_VERSION + " barmanj " + BuildInfo.VERSION);
        system.put("timestamp", isoLocal(OffsetDateTime.now()));
        global.put("system_info", system);
        Map<String, Object> servers = new TreeMap<>();
        for (ServerConfig server : config.servers().values()) {
            servers.put(server.name(), server(service.apply(server), events));
        }
        Map<String, Object> diagnosis = new TreeMap<>();
        diagnosis.put("global", global);
        diagnosis.put("servers", servers);
        return diagnosis;
    }

    private static Map<String, Object> server(BarmanServer service, Events events) {
        ServerConfig server = service.config();
        Map<String, Object> result = new TreeMap<>();
        result.put("config", configuration(server));
        String ssh = server.string(Option.SSH_COMMAND);
        if (ssh != null) {
            Map<String, Object> remote = systemInfo(SharedConnection.of(ssh).ownSshCommand());
            if (remote != null) {
                result.put("system_info", remote);
            }
        }
        Map<String, Object> status = new TreeMap<>();
        service.remoteStatus()
                .forEach((k, v) -> status.put(k, PythonText.jsonValue(v)));
        result.put("status", status);
        BackupCatalog catalog = BackupCatalog.load(server);
        catalog.unreadable().values().forEach(events::warning);
        Map<String, Object> backups = new TreeMap<>();
        for (BackupInfo backup : catalog.all()) {
            backups.put(backup.backupId(), backup(backup));
        }
        result.put("backups", backups);
        result.put("wals", Map.of("last_archived_wal_per_timeline", lastArchivedPerTimeline(server, events)));
        return result;
    }

    /** Barman's {@code vars(server.config)}: every option Barman 3.4 knows (newer ones only when set), and more. */
    private static Map<String, Object> configuration(ServerConfig server) {
        Map<String, Object> values = new TreeMap<>();
        for (Map.Entry<Option, Object> v : server.values().entrySet()) {
            Option option = v.getKey();
            if (option.newerThan34() && server.source(option).equals("default")) {
                continue;
            }
            values.put(option.key(), configValue(v.getValue()));
        }
        RetentionPolicy policy = server.retentionPolicy();
        if (policy != null) {
            // Barman replaces "main" by the WAL policy it derives from retention_policy.
            values.put("wal_retention_policy", "simple-wal " + policy.value() + " " + unit(policy));
        }
        values.put("name", server.name());
        values.put("barman_home", server.barmanHome());
        values.put("barman_lock_directory", server.lockDirectory());
        values.put("msg_list", new ArrayList<>(server.problems()));
        return values;
    }

    /** As Barman's JSON encoder writes option values: csv options joined by commas, durations in words. */
    private static Object configValue(Object value) {
        if (value instanceof Set<?> words) {
            return String.join(",", words.stream().map(String::valueOf).toList());
        }
        if (value instanceof Duration d) {
            return Formats.duration(d);
        }
        if (value instanceof RetentionPolicy p) {
            return (p.kind() == RetentionPolicy.Kind.REDUNDANCY ? "redundancy " : "window ") + p.value() + " "
                    + unit(p);
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> copy = new TreeMap<>();
            m.forEach((k, v) -> copy.put(String.valueOf(k), PythonText.jsonValue(v)));
            return copy;
        }
        if (value instanceof Collection<?> c) {
            return new ArrayList<>(c);
        }
        return PythonText.jsonValue(value);
    }

    /** Barman's unit of a policy: {@code b} (backups) for redundancy, else {@code d}, {@code w} or {@code m}. */
    private static String unit(RetentionPolicy policy) {
        return policy.kind() == RetentionPolicy.Kind.REDUNDANCY ? "b" : String.valueOf(policy.unit());
    }

    private static final Set<String> INTEGERS = Set.of("begin_offset", "end_offset", "size", "deduplicated_size",
            "timeline", "version", "xlog_segment_size");
    private static final Set<String> LITERALS = Set.of("copy_stats", "included_files", "snapshots_info");
    private static final Set<String> OMITTED_WHEN_NONE = Set.of("backup_name", "snapshots_info");

    /**
     * Barman's {@code BackupInfo.to_dict} as diagnose shows it: every key Barman 3.4 knows (and any other the file
     * has), integers as numbers, Python literals decoded, times in ISO 8601 in this host's time zone, tablespaces
     * as {@code [name, oid, location]} lists, the rest as written.
     */
    private static Map<String, Object> backup(BackupInfo backup) {
        Map<String, Object> o = new TreeMap<>();
        List<String> keys = new ArrayList<>(BackupInfo.CLASSIC_KEYS);
        keys.addAll(backup.keys());
        for (String key : keys) {
            String raw = backup.raw(key);
            if (raw == null) {
                if (!OMITTED_WHEN_NONE.contains(key)) {
                    o.put(key, null);
                }
                continue;
            }
            o.put(key, backupValue(backup, key, raw));
        }
        o.put("backup_id", backup.backupId());
        return o;
    }

    private static Object backupValue(BackupInfo backup, String key, String raw) {
        try {
            if (INTEGERS.contains(key)) {
                return Long.valueOf(raw);
            }
            if (LITERALS.contains(key)) {
                return PyLiteral.parse(raw);
            }
            if (key.equals("begin_time") || key.equals("end_time")) {
                return isoLocal(PyDateTime.parse(raw));
            }
            if (key.equals("tablespaces")) {
                List<Object> list = new ArrayList<>();
                for (BackupInfo.Tablespace t : backup.tablespaces()) {
                    list.add(List.of(t.name(), t.oid(), t.location()));
                }
                return list;
            }
        } catch (RuntimeException e) {
            // A value the catalog reader cannot decode is shown as written: diagnose is for looking at problems.
        }
        return raw;
    }

    /**
     * Barman's {@code get_latest_archived_wals_info}: per timeline (8 hex digits), the last WAL segment of the
     * newest hash folder that has one, with its size, modification time and compression.
     */
    private static Map<String, Object> lastArchivedPerTimeline(ServerConfig server, Events events) {
        Path wals = new CatalogLayout(server).walsDirectory();
        Map<String, Object> timelines = new TreeMap<>();
        if (!Files.isDirectory(wals)) {
            return timelines;
        }
        try (Stream<Path> dirs = Files.list(wals)) {
            for (Path dir : dirs.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) {
                String name = dir.getFileName().toString();
                if (name.length() < 8 || !name.substring(0, 8).matches("[0-9A-Fa-f]{8}")
                        || timelines.containsKey(name.substring(0, 8))) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    Path last = files.filter(f -> !Files.isDirectory(f) && WalName.isSegment(f.getFileName().toString()))
                            .max(Comparator.naturalOrder()).orElse(null);
                    if (last != null) {
                        timelines.put(name.substring(0, 8), walFile(last));
                    }
                }
            }
        } catch (IOException e) {
            events.warning("Cannot list the WAL archive " + wals + ": " + e.getMessage());
        }
        return timelines;
    }

    private static Map<String, Object> walFile(Path file) throws IOException {
        Map<String, Object> o = new TreeMap<>();
        o.put("name", file.getFileName().toString());
        o.put("size", Files.size(file));
        Instant mtime = Files.getLastModifiedTime(file).toInstant();
        o.put("time", mtime.getEpochSecond() + mtime.getNano() / 1e9);
        o.put("compression", Compression.detect(file));
        return o;
    }

    /** The system information of this host ({@code sshCommand} null) or of the ssh host; null when unreachable. */
    private static Map<String, Object> systemInfo(String sshCommand) {
        Shell.Result result;
        try {
            result = Shell.run(sshCommand, SYSTEM_INFO_SCRIPT);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        if (sshCommand != null && result.exit() == 255) {
            return null;
        }
        String[] parts = result.out().split("\n?" + SEPARATOR + "\n", -1);
        Map<String, Object> info = new TreeMap<>();
        for (int i = 0; i < SYSTEM_INFO_KEYS.size(); i++) {
            info.put(SYSTEM_INFO_KEYS.get(i), i < parts.length ? parts[i].stripTrailing() : "");
        }
        return info;
    }

    /** Python's {@code isoformat()} of a time in this host's time zone. */
    private static String isoLocal(OffsetDateTime t) {
        return PyDateTime.format(t.atZoneSameInstant(ZoneId.systemDefault()).toOffsetDateTime()).replace(' ', 'T');
    }
}
