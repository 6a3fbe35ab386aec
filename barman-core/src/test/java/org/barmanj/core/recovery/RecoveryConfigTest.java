package org.barmanj.core.recovery;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RecoveryConfigTest {
    private static Recovery.Options options(String ssh, boolean standby, boolean getWal) {
        return new Recovery.Options(ssh, standby, RecoveryTarget.NONE, Map.of(), getWal, null, 1, false, "barman",
                "backup-srv.example.com", 0, 0, null);
    }

    @Test
    void standbyWithoutGetWalCopiesWalsAndUsesBarmanWal() {
        assertEquals(List.of("restore_command = 'cp barman_wal/%f %p'", "recovery_end_command = 'rm -fr barman_wal'"),
                RecoveryConfig.lines(options("ssh pg@pg2", true, false), RecoveryTarget.NONE, "demo", false));
    }

    @Test
    void remoteGetWalUsesBarmanWalRestorePartialOnlyOutsideStandbyMode() {
        assertEquals(List.of("# The 'barman-wal-restore' command is provided in the 'barman-cli' package",
                "restore_command = 'barman-wal-restore -P -U barman backup-srv.example.com demo %f %p'"),
                RecoveryConfig.lines(options("ssh pg@pg2", false, true), RecoveryTarget.NONE, "demo", false));
        assertEquals("restore_command = 'barman-wal-restore -U barman backup-srv.example.com demo %f %p'",
                RecoveryConfig.lines(options("ssh pg@pg2", true, true), RecoveryTarget.NONE, "demo", false).get(1));
    }

    @Test
    void targetsInBarmansOrder() {
        RecoveryTarget t = new RecoveryTarget(null, "1234", null, null, false, "latest", true, "promote");
        assertEquals(List.of("restore_command = 'cp barman_wal/%f %p'", "recovery_end_command = 'rm -fr barman_wal'",
                "recovery_target_xid = '1234'", "recovery_target_inclusive = 'False'",
                "recovery_target_timeline = latest", "recovery_target_action = 'promote'"),
                RecoveryConfig.lines(options(null, false, false), t, "demo", true));
        assertEquals("xid: '1234', timeline: 'latest'", t.describe(null, true));
        assertEquals("immediate: True", new RecoveryTarget(null, null, null, null, true, null, false, null).describe(null, false));
    }
}
