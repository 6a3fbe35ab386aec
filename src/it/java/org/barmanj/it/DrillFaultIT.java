package org.barmanj.it;

import org.barmanj.it.DrillKills.Kill;
import org.barmanj.it.DrillKills.Step;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 18, must-shows 3 and 4 on PostgreSQL 15. {@code kill -9} of a drill at each of its steps (the restore
 * copy, PostgreSQL's WAL replay before consistency, pg_checksums, pg_amcheck, a probe query), of barman's JVM or of
 * the whole process group of {@code barman drill}; each step is caught from what runs (a child process, the
 * drill's log, pg_stat_activity), then: no PostgreSQL of the drill, no listening socket, no lock held, and the
 * next drill passes. Then Debian's Barman 3.4 on the drilled catalog: its {@code recover} of a drilled backup
 * starts with the expected rows, its {@code delete} of one leaves our {@code list-backups} and {@code check}
 * clean. The kills are {@link DrillKills}'s, which {@code DrillKillsIT} runs on 13 and 17.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillFaultIT {
    private static final int PORT = 6720;
    private static final int DRILL_PORT = 6721;
    private static final int RECOVERED_PORT = 6722;
    private static final String PG_BIN = "/usr/lib/postgresql/15/bin";

    private DrillKills lab;
    private BarmanHome home;
    private Path drillFile;
    private String settings;
    private String drilled;

    @BeforeAll
    void backupWithWalToReplay() throws Exception {
        lab = DrillKills.backupWithWalToReplay("dfault", 15, PORT, DRILL_PORT);
        home = lab.home;
        drillFile = lab.drillFile;
        settings = lab.settings;
        drilled = lab.drilled;
    }

    @AfterAll
    void destroy() {
        if (lab != null) {
            lab.close();
        }
    }

    static Stream<Arguments> steps() {
        return Stream.of(Arguments.of(Step.RESTORE_COPY, Kill.JVM), Arguments.of(Step.REPLAY, Kill.JVM),
                Arguments.of(Step.PG_CHECKSUMS, Kill.JVM), Arguments.of(Step.PG_AMCHECK, Kill.JVM),
                Arguments.of(Step.PROBE, Kill.PROCESS_GROUP), Arguments.of(Step.REPLAY, Kill.PROCESS_GROUP));
    }

    @Order(1)
    @ParameterizedTest(name = "kill -9 of the {1} during {0}")
    @MethodSource("steps")
    void killedAt(Step step, Kill kill) throws Exception {
        lab.killAt(step, kill);
    }

    @Order(2)
    @Test
    void barman34RecoversAndDeletesDrilledBackups() throws Exception {
        Files.writeString(drillFile, settings);
        if (!Files.exists(home.root.resolve("demo/base/" + drilled + "/drill.json"))) {
            home.barman("drill", "demo", drilled).ok();
        }
        home.barman("backup", "demo", "--wait").ok();
        String second = home.barman("list-backups", "demo").ok().out().lines().findFirst().orElseThrow()
                .split("\\s+")[1];
        home.barman("drill", "demo", second).ok();

        // recover by Barman 3.4 of a drilled backup, started with PostgreSQL 15: every row is there.
        Path target = home.root.resolve("recovered34/pgdata");
        Path run = home.root.resolve("recovered34/run");
        Path hba = home.root.resolve("recovered34/hba.conf");
        Proc.as("barman", "mkdir", "-p", run.toString()).ok();
        Proc.as("barman", "sh", "-c", "echo 'local all all trust' > " + hba).ok();
        Proc recover = home.barman34("recover", "demo", drilled, target.toString());
        assertEquals(0, recover.exit(), recover.out() + recover.err());
        // (Its one WARNING, no safe horizon time for a new destination, is Barman 3.4's for any fresh folder.)
        String said = recover.out() + recover.err();
        assertFalse(said.contains(" ERROR") || said.contains("drill"), said);
        try {
            Proc.as("barman", PG_BIN + "/pg_ctl", "-D", target.toString(), "-l",
                    home.root.resolve("recovered34/postgres.log").toString(), "-w", "-t", "120", "-o",
                    "-c port=" + RECOVERED_PORT + " -c listen_addresses='' -c unix_socket_directories=" + run
                            + " -c archive_mode=off -c hba_file=" + hba + " -c cluster_name=barman34-recovered",
                    "start").ok();
            String rows = Proc.as("barman", PG_BIN + "/psql", "-h", run.toString(), "-p",
                    String.valueOf(RECOVERED_PORT), "-d", "postgres", "-Atc",
                    "SELECT (SELECT count(*) FROM pgbench_accounts) || ' ' || (SELECT count(*) FROM replay_filler)")
                    .ok().out().strip();
            assertEquals(DrillKills.SCALE * 100_000 + " " + DrillKills.FILLER_ROWS, rows);
        } finally {
            Proc.as("barman", PG_BIN + "/pg_ctl", "-D", target.toString(), "-m", "fast", "-w", "stop");
        }

        // delete by Barman 3.4 of a drilled backup: its folder goes, our list-backups and check are unaffected.
        Proc delete = home.barman34("delete", "demo", drilled);
        assertEquals(0, delete.exit(), delete.out() + delete.err());
        assertFalse(Files.exists(home.root.resolve("demo/base/" + drilled)), "deleted backup's folder");
        Proc list = home.barman("list-backups", "demo");
        assertEquals(0, list.exit(), list.out() + list.err());
        assertFalse(list.out().contains(drilled), list.out());
        assertTrue(list.out().contains(second), list.out());
        Proc check = home.barman("check", "demo");
        assertEquals(0, check.exit(), check.out() + check.err());
        assertFalse(check.out().contains("FAILED"), check.out());
        assertTrue(check.out().contains("\trestore drill: OK (last drill of " + second), check.out());
        assertEquals(0, home.barman34("list-backups", "demo").exit());
    }
}
