package org.eqprop.spiking;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * O'Connor et al. 2019, §4: with sigma-delta bits and annealed step sizes the spiking network converges to the fixed
 * points of the continuous network, before and after the output is perturbed (random 500-500-10 networks, the first
 * layer clamped to a random input, batch 20, the output nudged with β = 1 on ½‖s_N − y‖², the paper's β = ½ on
 * ‖s_N − y‖²).
 */
class SpikingConvergenceTest {

    private static final int[] SIZES = {500, 500, 10};

    /** The mean error over two random networks after each step. */
    static double[] meanTrace(SpikingSettings settings, int steps, int perturbAt) {
        int networks = 2;
        double[] mean = new double[steps];
        for (int n = 0; n < networks; n++) {
            SpikingConvergence.Problem p = SpikingConvergence.randomProblem(SIZES, 20, 1.0, 100 + n);
            double[] trace = SpikingConvergence.errorTrace(p, new SpikingRelaxation(settings), steps, perturbAt, null);
            for (int t = 0; t < steps; t++) {
                mean[t] += trace[t] / networks;
            }
        }
        return mean;
    }

    private static void assertConverges(String name, SpikingSettings settings, int perturbAt) {
        int steps = 2 * perturbAt;
        double[] trace = meanTrace(settings, steps, perturbAt);
        double free = trace[perturbAt - 1];
        double end = trace[steps - 1];
        System.out.printf("%s: mean error t=1 %.3g, t=10 %.3g, t=%d %.3g (free), t=%d %.3g (perturbed), t=%d %.3g%n",
                name, trace[0], trace[9], perturbAt, free, perturbAt + 1, trace[perturbAt], steps, end);
        assertTrue(end < 1e-2, name + ": mean error " + end + " to the nudged fixed point at t=" + steps);
        assertTrue(free < 3e-2 && free < trace[9] / 4 && trace[9] < trace[0],
                name + ": the error to the free fixed point must fall: " + trace[0] + ", " + trace[9] + ", " + free);
        assertTrue(trace[perturbAt] > 3 * free, name + ": the perturbation must move the fixed point away");
    }

    @Test
    void sigmaDeltaWithOsaAndPredictiveCodingConvergesWithin100Plus100Steps() {
        assertConverges("OSA(0.0411) + lambda 0.206", SpikingSettings.osa(0.0411).predictive(0.206, 0), 100);
    }

    @Test
    void sigmaDeltaWithScheduledStepSizesConvergesWithin250Plus250Steps() {
        assertConverges("eps 0.857/t^0.534", SpikingSettings.scheduled(0.857, 0.534), 250);
    }
}
