package org.barmanj.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FaultBudgetTest {
    @Test
    void attemptIsTheReadTimeoutPlusSixteenSecondsPerMiB() {
        assertEquals(Duration.ofSeconds(60), FaultBudget.attempt(60, 0));
        assertEquals(Duration.ofSeconds(380), FaultBudget.attempt(60, 20L << 20));
        assertEquals(Duration.ofSeconds(316), FaultBudget.attempt(60, 16L << 20));
        assertEquals(Duration.ofSeconds(30 + 4096), FaultBudget.attempt(30, 256L << 20));
        assertEquals(Duration.ofSeconds(61), FaultBudget.attempt(60, 64 << 10));
        assertEquals(Duration.ofMillis(60_001), FaultBudget.attempt(60, 66));
    }

    @Test
    void cleanUpCallsGetTenSecondsInAll() {
        assertEquals(Duration.ofSeconds(10), FaultBudget.afterFailure().apiCallTimeout().orElseThrow());
        assertEquals(Duration.ofSeconds(380),
                FaultBudget.forBody(60, 20L << 20).apiCallAttemptTimeout().orElseThrow());
    }
}
