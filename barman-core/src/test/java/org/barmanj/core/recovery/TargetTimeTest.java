package org.barmanj.core.recovery;

import org.barmanj.core.compat.PyDateTime;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Against what Barman 3.4's dateutil made of each input (resources/dateutil/target-times.tsv, recorded by
 * src/it/lab/record-target-time-fixtures with the local zone Europe/Rome): the same time for every form we
 * accept, a refusal for every input dateutil refuses, and a refusal for the forms PostgreSQL reads otherwise or
 * not at all (listed here).
 */
class TargetTimeTest {
    private static final ZoneId ROME = ZoneId.of("Europe/Rome");
    /**
     * Read by dateutil, refused by us: PostgreSQL 15 refuses the first ten as a timestamp; it reads 01/02/2030 by
     * its DateStyle, and CET and UTC+2 as zones where dateutil ignores the first and inverts the second
     * (POSIX); month names are not read by this version.
     */
    private static final Set<String> REFUSED = Set.of("203001011000", "20300101100000", "2030-01-01T10",
            "2030-01-01 10", "20300101T10", "2030-01-01 10:00:00,5", "30-01-01", "2030-01-01 10am", "10:00", "2030",
            "01/02/2030", "2030-01-01 10:00:00 CET", "2030-01-01 10:00:00 UTC+2", "Jan 1 2030 10:00", "1 Jan 2030");

    private record Fixture(String input, String dateutil) {
    }

    private static List<Fixture> fixtures() throws IOException {
        List<Fixture> fixtures = new ArrayList<>();
        try (InputStream in = TargetTimeTest.class.getResourceAsStream("/dateutil/target-times.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                int tab = line.indexOf('\t');
                fixtures.add(new Fixture(line.substring(0, tab), line.substring(tab + 1)));
            }
        }
        return fixtures;
    }

    @Test
    void sameTimesAsBarman34AndItsRefusals() throws IOException {
        List<String> refusedByUs = new ArrayList<>();
        int accepted = 0;
        for (Fixture f : fixtures()) {
            if (f.dateutil().startsWith("!! ")) {
                assertThrows(IllegalArgumentException.class, () -> TargetTime.parse(f.input(), ROME),
                        "dateutil refuses '" + f.input() + "' (" + f.dateutil() + ")");
                continue;
            }
            try {
                assertEquals(f.dateutil(), PyDateTime.format(TargetTime.parse(f.input(), ROME)), f.input());
                accepted++;
            } catch (IllegalArgumentException e) {
                assertEquals(TargetTime.FORMS, e.getMessage(), f.input());
                refusedByUs.add(f.input());
            }
        }
        assertEquals(REFUSED, Set.copyOf(refusedByUs), "the forms we refuse where dateutil reads them");
        assertEquals(46, accepted, "fixtures accepted");
    }

    @Test
    void theIssuesThreeForms() {
        assertEquals("2030-01-01 00:00:00+01:00", PyDateTime.format(TargetTime.parse("2030-01-01", ROME)));
        assertEquals("2030-01-01 10:00:00+00:00", PyDateTime.format(TargetTime.parse("2030-01-01 10:00:00 UTC", ROME)));
        assertEquals("2030-01-01 10:00:00+01:00", PyDateTime.format(TargetTime.parse("20300101T100000", ROME)));
    }

    @Test
    void outOfRangeFieldsSayWhich() {
        String[][] cases = {
            {"2030-13-01", "month must be in 1..12"},
            {"2030-02-30", "day is out of range for month"},
            {"2030-01-01 24:00:00", "hour must be in 0..23"},
            {"2030-01-01 10:60", "minute must be in 0..59"},
            {"2030-01-01 10:00:60", "second must be in 0..59"},
            {"0000-01-01", "year 0 is out of range"},
            {"2030-01-01 10:00:00+16", "offset must be between -15:59 and +15:59"},
            {"garbage", TargetTime.FORMS},
        };
        for (String[] c : cases) {
            assertEquals(c[1], assertThrows(IllegalArgumentException.class, () -> TargetTime.parse(c[0], ROME))
                    .getMessage(), c[0]);
        }
    }
}
