package org.eqprop.spiking;

import java.util.SplittableRandom;

/**
 * Stochastic rounding (O'Connor et al. 2019, eq. 9): q^t ~ Bernoulli(clip(x^t, 0, 1)); unbiased, E[q^t] = x^t, but
 * its noise does not cancel over time as sigma-delta's does. The draws depend only on the seed, the step and the
 * neuron, not on how the work is split over threads.
 */
public final class StochasticEncoder implements Encoder {

    private final long seed;

    public StochasticEncoder(long seed) {
        this.seed = seed;
    }

    @Override
    public Memory start(int neurons) {
        return new Draws(seed);
    }

    @Override
    public String toString() {
        return "stochastic";
    }

    private record Draws(long seed) implements Memory {

        @Override
        public int encode(float[] x, float[] q, int from, int to, int t) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + t * 0xBF58476D1CE4E5B9L + from);
            int spikes = 0;
            for (int i = from; i < to; i++) {
                float bit = r.nextFloat() < x[i] ? 1f : 0f;
                q[i] = bit;
                spikes += (int) bit;
            }
            return spikes;
        }

        @Override
        public Memory copy() {
            return this;
        }
    }
}
