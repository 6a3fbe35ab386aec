package org.barmanj.core.compat;

import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PyDateTimeTest {
    @Test
    void formatsLikePythonStr() {
        assertEquals("2026-11-24 16:33:25.659801+00:00",
                PyDateTime.format(PyDateTime.parse("2026-11-24 16:33:25.659801+00:00")));
        assertEquals("2026-11-24 16:33:30+01:00", PyDateTime.format(PyDateTime.parse("2026-11-24 16:33:30+01:00")));
        assertEquals("2026-11-24 16:33:30.100000-05:30",
                PyDateTime.format(PyDateTime.parse("2026-11-24T16:33:30.1-05:30")));
    }

    @Test
    void parsesPostgresTimestamps() {
        assertEquals(OffsetDateTime.of(2026, 11, 24, 16, 33, 31, 123456000, ZoneOffset.UTC),
                PyDateTime.parse("2026-11-24 16:33:31.123456+00"));
    }

    @Test
    void ctimePadsTheDayWithASpace() {
        assertEquals("Tue Nov 24 16:33:30 2026", PyDateTime.ctime(PyDateTime.parse("2026-11-24 16:33:30+00:00")));
        assertEquals("Sat Nov  2 15:12:03 2024", PyDateTime.ctime(PyDateTime.parse("2024-11-02 15:12:03+01:00")));
    }
}
