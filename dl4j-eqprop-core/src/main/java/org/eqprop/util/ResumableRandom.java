package org.eqprop.util;

import java.util.SplittableRandom;

/**
 * A seeded SplitMix64 stream, {@code z ← z + γ, out = mix64(z)} with γ = 0x9E3779B97F4A7C15: the generator behind
 * {@link SplittableRandom}, with its one-word state readable ({@link #state()}) and settable ({@link #restore}), so
 * that a checkpoint holds its exact position. Draws are not synchronised: callers sharing one lock on it, as
 * {@link #randomState()} and {@link #restoreRandomState} do.
 */
public final class ResumableRandom implements RandomState {

    private static final long GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    public ResumableRandom(long seed) {
        this.state = seed;
    }

    /** The next 64 random bits (Stafford's variant 13 finaliser of the incremented state). */
    public long nextLong() {
        long z = state += GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** Uniform in [0, 1), 53 bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** A child generator seeded from this stream (one draw): for the noise of one phase. */
    public SplittableRandom split() {
        return new SplittableRandom(nextLong());
    }

    /** The whole state: {@code new ResumableRandom(0).restore(r.state())} continues exactly as r. */
    public long state() {
        return state;
    }

    public void restore(long state) {
        this.state = state;
    }

    /** {@link #state()} as a checkpoint records it (one word), taken under this stream's lock. */
    @Override
    public synchronized long[] randomState() {
        return new long[]{state};
    }

    @Override
    public synchronized void restoreRandomState(long[] saved) {
        RandomState.expectLength(saved, 1, "ResumableRandom");
        state = saved[0];
    }
}
