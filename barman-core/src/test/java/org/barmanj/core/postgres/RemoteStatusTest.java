package org.barmanj.core.postgres;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RemoteStatusTest {
    @Test
    void versionAsBarmanShowsIt() {
        assertEquals("15.18", RemoteStatus.txtVersion("PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu"));
        assertEquals("13.1", RemoteStatus.txtVersion("PostgreSQL 13.1 (EnterpriseDB Advanced Server 13.1.4) on "
                + "x86_64-pc-linux-gnu, compiled by gcc (GCC) 4.8.5 20150623 (Red Hat 4.8.5-39), 64-bit"));
        assertEquals("10.5", RemoteStatus.txtVersion("EnterpriseDB 10.5.12 on x86_64-pc-linux-gnu"));
    }

    @Test
    void synchronousStandbyNames() {
        assertEquals(List.of(""), RemoteStatus.standbyNames(""));
        assertEquals(List.of("s1", "s2"), RemoteStatus.standbyNames("2 (s1, s2)"));
        assertEquals(List.of("a", "b"), RemoteStatus.standbyNames("ANY 1 (a,b)"));
    }

    @Test
    void conninfoQuoting() {
        ConnInfo c = ConnInfo.parse("host=pg1-srv user=barman dbname=postgres password='it\\'s x' options='-c a\\'b'");
        assertEquals("pg1-srv", c.get("host"));
        assertEquals("barman", c.get("user"));
        assertEquals("it's x", c.get("password"));
        assertEquals("-c a'b", c.get("options"));
    }
}
