package org.barmanj.core.retention;

import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.catalog.BackupInfo;
import org.barmanj.core.catalog.BackupInfo.Status;
import org.barmanj.core.catalog.CatalogLayout;
import org.barmanj.core.config.Option;
import org.barmanj.core.config.RetentionPolicy;
import org.barmanj.core.config.ServerConfig;

import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.barmanj.core.catalog.BackupCatalog.KEEP_FULL;
import static org.barmanj.core.catalog.BackupCatalog.KEEP_STANDALONE;
import static org.barmanj.core.catalog.BackupCatalog.NONE;
import static org.barmanj.core.catalog.BackupCatalog.OBSOLETE;
import static org.barmanj.core.catalog.BackupCatalog.POTENTIALLY_OBSOLETE;
import static org.barmanj.core.catalog.BackupCatalog.VALID;

/**
 * What the retention policy says of each backup (Barman's {@code retention_policies.py}): {@code VALID},
 * {@code OBSOLETE}, {@code OBSOLETE*} (obsolete but kept for {@code minimum_redundancy}), {@code KEEP:FULL},
 * {@code KEEP:STANDALONE}, or {@code -} for a backup that is not DONE. {@code list-backups} and
 * {@code show-backup} show it; {@code cron} deletes the OBSOLETE ones.
 */
public final class RetentionReport {
    private RetentionReport() {
    }

    /** True when a valid retention policy is configured: Barman then reports and enforces it. */
    public static boolean enforced(ServerConfig server) {
        return server.retentionPolicy() != null;
    }

    /** {@code minimum_redundancy}, a negative or invalid value counting as 0 (as Barman's). */
    public static int minimumRedundancy(ServerConfig server) {
        Integer minimum = server.integer(Option.MINIMUM_REDUNDANCY);
        return minimum == null || minimum < 0 ? 0 : minimum;
    }

    /**
     * The status of every backup that is not EMPTY, keyed by id in the catalog's order; empty when no retention
     * policy is enforced.
     */
    public static Map<String, String> of(BackupCatalog catalog, OffsetDateTime now) {
        ServerConfig server = catalog.config();
        RetentionPolicy policy = server.retentionPolicy();
        if (policy == null) {
            return new LinkedHashMap<>();
        }
        CatalogLayout layout = new CatalogLayout(server);
        List<BackupInfo> backups = new ArrayList<>();
        for (BackupInfo b : catalog.all()) {
            if (b.status() != Status.EMPTY) {
                backups.add(b);
            }
        }
        return of(policy, minimumRedundancy(server), backups, id -> KeepAnnotation.read(layout, id), now);
    }

    /**
     * Where a recovery window begins: the same wall-clock time so many days earlier in the local zone, as Barman's
     * {@code datetime.now(tzlocal()) - timedelta(days=...)} computes it (across a change of summer time that is
     * an hour off the instant so many times 24 hours earlier).
     */
    static OffsetDateTime horizon(RetentionPolicy policy, OffsetDateTime now, ZoneId zone) {
        return now.atZoneSameInstant(zone).minusDays(policy.window().toDays()).toOffsetDateTime();
    }

    /**
     * The report for {@code backups} (oldest first, EMPTY ones left out), with {@code keepTarget} giving each
     * backup's keep annotation (null: none).
     */
    public static Map<String, String> of(RetentionPolicy policy, int minimumRedundancy, List<BackupInfo> backups,
                                         Function<String, String> keepTarget, OffsetDateTime now) {
        List<BackupInfo> newestFirst = new ArrayList<>(backups);
        Collections.reverse(newestFirst);
        Map<String, String> report = new LinkedHashMap<>();
        if (policy.kind() == RetentionPolicy.Kind.REDUNDANCY) {
            // Kept backups take a place among the newest ones, as in Barman.
            int redundancy = Math.max(policy.value(), minimumRedundancy);
            int i = 0;
            for (BackupInfo b : newestFirst) {
                if (b.status() != Status.DONE) {
                    report.put(b.backupId(), NONE);
                    continue;
                }
                String keep = keepStatus(keepTarget.apply(b.backupId()));
                report.put(b.backupId(), keep != null ? keep : i < redundancy ? VALID : OBSOLETE);
                i++;
            }
            return ordered(backups, report);
        }
        OffsetDateTime horizon = horizon(policy, now, ZoneId.systemDefault());
        boolean found = false;
        int valid = 0;
        for (BackupInfo b : newestFirst) {
            if (b.status() != Status.DONE) {
                report.put(b.backupId(), NONE);
                continue;
            }
            String keep = keepStatus(keepTarget.apply(b.backupId()));
            if (!found) {
                // Every backup up to the first one that ended before the window began is needed.
                report.put(b.backupId(), keep != null ? keep : VALID);
                valid++;
                found = b.endTime().isBefore(horizon);
            } else if (valid < minimumRedundancy) {
                report.put(b.backupId(), keep != null ? keep : POTENTIALLY_OBSOLETE);
                valid++;
            } else {
                report.put(b.backupId(), keep != null ? keep : OBSOLETE);
            }
        }
        return ordered(backups, report);
    }

    /** Barman reads an annotation of exactly {@code standalone} as such, and any other non-empty one as full. */
    private static String keepStatus(String target) {
        if (target == null || target.isEmpty()) {
            return null;
        }
        return target.equals(KeepAnnotation.STANDALONE) ? KEEP_STANDALONE : KEEP_FULL;
    }

    private static Map<String, String> ordered(List<BackupInfo> backups, Map<String, String> report) {
        Map<String, String> result = new LinkedHashMap<>();
        for (BackupInfo b : backups) {
            result.put(b.backupId(), report.get(b.backupId()));
        }
        return result;
    }
}
