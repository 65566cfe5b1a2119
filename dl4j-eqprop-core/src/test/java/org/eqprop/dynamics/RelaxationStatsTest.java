package org.eqprop.dynamics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RelaxationStatsTest {

    /** Of a million non-converged phases, the 1st, 10th, ..., 1,000,000th are logged: seven lines. */
    @Test
    void nonConvergedPhasesAreLoggedAtPowersOfTen() {
        List<Long> logged = new ArrayList<>();
        for (long n = 0; n <= 1_000_000; n++) {
            if (RelaxationStats.logsAt(n)) {
                logged.add(n);
            }
        }
        assertEquals(List.of(1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L), logged);
    }
}
