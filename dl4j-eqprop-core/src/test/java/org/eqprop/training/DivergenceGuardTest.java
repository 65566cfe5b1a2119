package org.eqprop.training;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DivergenceGuardTest {

    @Test
    void aLossThatStaysFarAboveItsBestStopsTheRun() {
        DivergenceGuard g = new DivergenceGuard(new DivergenceSettings(4, 20, true));
        Random r = new Random(1);
        for (int i = 0; i < 200; i++) {
            g.observe(1.0 / (1 + i * 0.05) * (1 + 0.5 * r.nextGaussian() * 0.3), i, 1);
        }
        double best = g.bestMeanLoss();
        assertTrue(best < 0.2, "the loss went down: " + best);
        // a spike of a few iterations is no divergence
        for (int i = 200; i < 203; i++) {
            g.observe(10 * best, i, 1);
        }
        for (int i = 203; i < 240; i++) {
            g.observe(best, i, 1);
        }
        DivergenceException e = assertThrows(DivergenceException.class, () -> {
            for (int i = 240; i < 300; i++) {
                g.observe(6 * best, i, 1);
            }
        });
        assertTrue(e.getMessage().contains("its best"), e.getMessage());
        assertTrue(e.iteration() >= 250 && e.iteration() < 262, "caught within the window: " + e.iteration());
    }

    @Test
    void aNoisyButStableLossIsNotStopped() {
        DivergenceGuard g = new DivergenceGuard(DivergenceSettings.DEFAULT);
        Random r = new Random(2);
        assertDoesNotThrow(() -> {
            for (int i = 0; i < 5000; i++) {
                g.observe(0.3 * Math.exp(0.5 * r.nextGaussian()), i, 1);
            }
        });
    }

    /**
     * A run trained close to zero loss (mnist-fc1 after 9 epochs: best windowed mean 0.0021, a start near 0.45) whose
     * windows of harder examples sit at 4-5x that best has not diverged; the same run climbing back to a tenth of its
     * start has.
     */
    @Test
    void aLossNearZeroThatWobblesIsNotStoppedButOneClimbingBackIs() {
        DivergenceGuard g = new DivergenceGuard(DivergenceSettings.DEFAULT);
        Random r = new Random(3);
        int i = 0;
        for (; i < 3000; i++) {
            g.observe(0.45 * Math.exp(-i / 400.0) + 0.002 * Math.exp(0.3 * r.nextGaussian()), i, 1);
        }
        double best = g.bestMeanLoss();
        assertTrue(best < 0.003, "trained close to zero: " + best);
        int from = i;
        assertDoesNotThrow(() -> {
            for (int j = from; j < from + 300; j++) {
                g.observe(5 * best, j, 2);
            }
        });
        int later = i + 300;
        DivergenceException e = assertThrows(DivergenceException.class, () -> {
            for (int j = later; j < later + 300; j++) {
                g.observe(0.1, j, 3);
            }
        });
        assertTrue(e.getMessage().contains("of the way to its first"), e.getMessage());
    }

    @Test
    void chanceLevelEpochsStopTheRunWhenThereAreEnoughExamples() {
        DivergenceGuard g = new DivergenceGuard(DivergenceSettings.DEFAULT);
        assertThrows(DivergenceException.class, () -> g.checkEpoch(0.905, 2000, 100, 10, 1));
        assertThrows(DivergenceException.class, () -> g.checkEpoch(0.899, 60000, 3000, 10, 1));
        assertDoesNotThrow(() -> g.checkEpoch(0.87, 60000, 3000, 10, 1));
        assertDoesNotThrow(() -> g.checkEpoch(0.95, 40, 2, 10, 1), "too few examples to judge");
        assertDoesNotThrow(() -> new DivergenceGuard(DivergenceSettings.NON_FINITE_ONLY).checkEpoch(0.95, 60000, 3000,
                10, 1));
        assertDoesNotThrow(() -> g.checkEpoch(0.901, 1000, 16, 10, 1), "16 iterations: too early to judge");
        assertThrows(IllegalArgumentException.class, () -> new DivergenceSettings(1, 10, true));
        assertThrows(IllegalArgumentException.class, () -> new DivergenceSettings(2, 0, true));
    }
}
