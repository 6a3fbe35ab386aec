package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which Barman hooks barman-cloud-backup serves (Barman 3.4's __is_hook_script), and Python's str(datetime). */
class CloudBackupHookTest {
    @Test
    void onlyThePostPhaseOfTheBackupHooks() {
        assertFalse(CloudBackup.hookScript(Map.of()));
        assertFalse(CloudBackup.hookScript(Map.of("BARMAN_HOOK", "backup_script")), "no phase: not a hook");
        assertFalse(CloudBackup.hookScript(Map.of("BARMAN_PHASE", "post")), "no hook name: not a hook");
        assertTrue(CloudBackup.hookScript(Map.of("BARMAN_HOOK", "backup_script", "BARMAN_PHASE", "post")));
        assertTrue(CloudBackup.hookScript(Map.of("BARMAN_HOOK", "backup_retry_script", "BARMAN_PHASE", "post")));
        for (String[] refused : new String[][] {{"backup_script", "pre"}, {"backup_retry_script", "pre"},
                {"archive_script", "post"}, {"delete_retry_script", "post"}}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> CloudBackup.hookScript(
                    Map.of("BARMAN_HOOK", refused[0], "BARMAN_PHASE", refused[1])));
            assertEquals("barman-cloud-backup called as unsupported hook script: " + refused[1] + "_" + refused[0],
                    e.getMessage());
        }
    }

    @Test
    void datetimesAsPythonPrintsThem() {
        assertEquals("2026-12-08 00:01:02.000345", CloudBackup.pyStr(LocalDateTime.of(2026, 12, 8, 0, 1, 2, 345_000)));
        assertEquals("2026-12-08 00:01:02", CloudBackup.pyStr(LocalDateTime.of(2026, 12, 8, 0, 1, 2, 999)));
    }
}
