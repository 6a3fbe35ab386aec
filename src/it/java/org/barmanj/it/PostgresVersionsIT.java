package org.barmanj.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tutorial's demo server against real PostgreSQL 13, 15 and 17: our barman, started as root as an
 * operator would, switches to the barman user (whose ~/.pgpass has the password) and prints exactly what
 * Debian's Barman 3.4 prints for the same configuration, live.
 */
class PostgresVersionsIT {
    @BeforeAll
    static void sshd() {
        Lab.startSshd();
    }

    @AfterAll
    static void stop() {
        for (int major : new int[] {13, 15, 17}) {
            Lab.lab("pg", "destroy", "it-pg" + major);
        }
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @ValueSource(ints = {13, 15, 17})
    void statusAndShowServersMatchBarman34(int major) throws IOException {
        int port = 5500 + major;
        String version = Lab.startPostgres("it-pg" + major, major, "pg1-srv", port);
        System.out.println("PostgresVersionsIT: running against PostgreSQL " + version);
        assertTrue(version.startsWith(major + "."), version);
        BarmanHome home = new BarmanHome("pg" + major).tutorialServer("pg1-srv", port).ownedByBarman();
        try {
            String conf = home.conf.toString();
            for (String[] command : new String[][] {{"status", "demo"}, {"show-servers", "demo"},
                    {"list-servers"}, {"list-backups", "demo"}}) {
                for (String format : new String[] {"console", "json"}) {
                    Proc ours = Proc.run(cat(new String[] {Lab.BARMAN.toString(), "-f", format, "-c", conf}, command));
                    Proc theirs = Proc.as("barman", cat(new String[] {Lab.BARMAN_34, "-f", format, "-c", conf}, command));
                    String what = String.join(" ", command) + " (" + format + ") on PostgreSQL " + version;
                    assertEquals(theirs.exit(), ours.exit(), "exit code of " + what + "\n" + ours.err());
                    assertEquals(withoutVolatile(theirs.out()), withoutVolatile(ours.out()), what);
                }
            }
            Proc status = Proc.run(Lab.BARMAN.toString(), "-c", conf, "status", "demo").ok();
            assertTrue(status.out().contains("\tPostgreSQL version: " + version.split(" ")[0] + "\n"), status.out());
        } finally {
            home.delete();
        }
    }

    /** The archiving rate is computed from now(): it differs between two runs a few ms apart. */
    private static String withoutVolatile(String out) {
        return out.replaceAll("(current_archived_wals_per_second\"?: \"?)[0-9.E-]+", "$1<rate>")
                .replaceAll("[0-9.]+/hour", "<rate>/hour");
    }

    private static String[] cat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
