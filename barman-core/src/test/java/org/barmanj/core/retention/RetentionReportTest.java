package org.barmanj.core.retention;

import org.barmanj.core.catalog.BackupCatalog;
import org.barmanj.core.config.RetentionPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The retention statuses, as Barman 3.4's retention_policies.py computes them (the oracle IT compares them with
 * Barman 3.4's list-backups on the same catalogs).
 */
class RetentionReportTest {
    private static final OffsetDateTime NOW = OffsetDateTime.parse("2026-12-02T12:00:00Z");

    @TempDir
    Path home;

    private SyntheticCatalog six(String options) throws Exception {
        SyntheticCatalog c = new SyntheticCatalog(home, options);
        for (int i = 1; i <= 6; i++) {
            c.backup("2026112" + i + "T000000", i == 4 ? "FAILED" : "DONE", 1, 2 * i, 2 * i, NOW.minusDays(7 - i));
        }
        return c;
    }

    private static String statuses(SyntheticCatalog c) {
        Map<String, String> report = RetentionReport.of(BackupCatalog.load(c.server), NOW);
        return String.join(" ", report.values());
    }

    @Test
    void redundancyKeepsTheNewestDoneBackupsAndKeptOnesTakeAPlace() throws Exception {
        SyntheticCatalog c = six("retention_policy = REDUNDANCY 2\n");
        assertEquals("OBSOLETE OBSOLETE OBSOLETE - VALID VALID", statuses(c));
        c.keep("20261122T000000", KeepAnnotation.STANDALONE).keep("20261126T000000", KeepAnnotation.FULL);
        assertEquals("OBSOLETE KEEP:STANDALONE OBSOLETE - VALID KEEP:FULL", statuses(c));
    }

    @Test
    void minimumRedundancyRaisesARedundancyBelowIt() throws Exception {
        assertEquals("OBSOLETE OBSOLETE VALID - VALID VALID",
                statuses(six("retention_policy = REDUNDANCY 1\nminimum_redundancy = 3\n")));
    }

    @Test
    void recoveryWindowKeepsTheFirstBackupEndedBeforeItAndMinimumRedundancyMarksPotentiallyObsolete()
            throws Exception {
        // End times: 6, 5, 4 (FAILED), 3, 2 and 1 days ago; the window begins 2 days and 1 second... ago.
        assertEquals("OBSOLETE OBSOLETE VALID - VALID VALID",
                statuses(six("retention_policy = RECOVERY WINDOW OF 2 DAYS\n")));
        assertEquals("OBSOLETE OBSOLETE* VALID - VALID VALID",
                statuses(six("retention_policy = RECOVERY WINDOW OF 2 DAYS\nminimum_redundancy = 4\n")));
        assertEquals("VALID VALID VALID - VALID VALID",
                statuses(six("retention_policy = RECOVERY WINDOW OF 1 WEEKS\n")));
    }

    @Test
    void theWindowBeginsAtTheSameLocalTimeDaysEarlierAsPythonsTimedelta() {
        // Python under TZ=Europe/Paris: 2026-10-30 10:30Z is 11:30+01:00; minus timedelta(days=7) it is
        // 2026-10-23 11:30+02:00 (summer time), 09:30Z: not 10:30Z, 7 x 24 hours earlier.
        RetentionPolicy week = RetentionPolicy.parse("RECOVERY WINDOW OF 7 DAYS");
        OffsetDateTime now = OffsetDateTime.parse("2026-10-30T10:30:00Z");
        assertEquals(OffsetDateTime.parse("2026-10-23T09:30:00Z").toInstant(),
                RetentionReport.horizon(week, now, java.time.ZoneId.of("Europe/Paris")).toInstant());
        assertEquals(OffsetDateTime.parse("2026-10-23T10:30:00Z").toInstant(),
                RetentionReport.horizon(week, now, java.time.ZoneOffset.UTC).toInstant());
    }

    @Test
    void keepAnnotationsAreReadAsBarmanReadsThem() throws Exception {
        SyntheticCatalog c = six("retention_policy = REDUNDANCY 1\n");
        java.nio.file.Path annotation = c.layout.backupDirectory("20261121T000000").resolve("annotations/keep");
        java.nio.file.Files.createDirectories(annotation.getParent());
        // Anything but exactly "standalone" is a full keep; an empty file is no keep for retention.
        java.nio.file.Files.writeString(annotation, "standalone\n");
        java.nio.file.Files.createDirectories(c.layout.backupDirectory("20261122T000000").resolve("annotations"));
        java.nio.file.Files.writeString(c.layout.backupDirectory("20261122T000000").resolve("annotations/keep"), "");
        assertEquals("KEEP:FULL OBSOLETE OBSOLETE - OBSOLETE VALID", statuses(c));
    }

    @Test
    void noPolicyNoReport() throws Exception {
        assertEquals("", statuses(six("")));
    }
}
