package org.eqprop.util;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResumableRandomTest {

    @Test
    void aRestoredStreamContinuesExactly() {
        ResumableRandom a = new ResumableRandom(42);
        for (int i = 0; i < 17; i++) {
            a.nextLong();
        }
        ResumableRandom b = new ResumableRandom(0);
        b.restore(a.state());
        for (int i = 0; i < 100; i++) {
            assertEquals(a.nextLong(), b.nextLong());
            assertEquals(a.nextDouble(), b.nextDouble());
            assertEquals(a.nextBoolean(), b.nextBoolean());
        }
        assertNotEquals(new ResumableRandom(1).nextLong(), new ResumableRandom(2).nextLong());
    }

    @Test
    void itsDrawsAreUniform() {
        ResumableRandom r = new ResumableRandom(7);
        int n = 200_000;
        double sum = 0;
        int trues = 0;
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble();
            assertTrue(u >= 0 && u < 1);
            sum += u;
            trues += r.nextBoolean() ? 1 : 0;
        }
        // standard errors: 1/sqrt(12 n) = 6.5e-4 for the mean, 1.1e-3 for the fraction
        assertEquals(0.5, sum / n, 4e-3);
        assertEquals(0.5, (double) trues / n, 6e-3);
    }
}
