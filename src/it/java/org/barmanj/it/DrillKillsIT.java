package org.barmanj.it;

import org.barmanj.it.DrillKills.Kill;
import org.barmanj.it.DrillKills.Step;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

/**
 * Issue 18, must-show 3 on PostgreSQL 13 and 17 ({@code DrillFaultIT} shows it on 15): {@code kill -9} of a drill
 * at each of the steps a drill has with these binaries (no pg_checksums, no pg_amcheck beside their postgres): the
 * restore copy, the WAL replay before consistency, the read of every relation (pg_prewarm), the amcheck functions
 * and a probe, each seen running first; barman's JVM or the process group of {@code barman drill} killed, then the
 * checks of {@link DrillKills#killAt}. One backup per version, its kills in sequence.
 * {@code -Ddrill.kill.versions=13} runs one version only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DrillKillsIT {
    private DrillKills lab;

    static Stream<Arguments> kills() {
        return Arrays.stream(System.getProperty("drill.kill.versions", "13,17").split(",")).map(Integer::valueOf)
                .flatMap(major -> Stream.of(Arguments.of(major, Step.RESTORE_COPY, Kill.JVM),
                        Arguments.of(major, Step.REPLAY, Kill.PROCESS_GROUP),
                        Arguments.of(major, Step.READ, Kill.JVM),
                        Arguments.of(major, Step.AMCHECK_FUNCTIONS, Kill.JVM),
                        Arguments.of(major, Step.PROBE, Kill.PROCESS_GROUP)));
    }

    @ParameterizedTest(name = "PostgreSQL {0}: kill -9 of the {2} during {1}")
    @MethodSource("kills")
    void killedAt(int major, Step step, Kill kill) throws Exception {
        if (lab == null || lab.major != major) {
            destroy();
            // lab ports 6723/6724 for 13, 6725/6726 for 17
            int port = major == 13 ? 6723 : 6725;
            lab = DrillKills.backupWithWalToReplay("dkills", major, port, port + 1);
        }
        lab.killAt(step, kill);
    }

    @AfterAll
    void destroy() {
        if (lab != null) {
            lab.close();
            lab = null;
        }
    }
}
