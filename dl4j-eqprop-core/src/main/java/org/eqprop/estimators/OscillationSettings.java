package org.eqprop.estimators;

/**
 * The settings of the oscillating nudge ({@link OscillatingEstimator}): β(t) = |β| e^{2πit/M}, M values per turn
 * (each held for the block's nudgedSteps K relaxation steps), {@code warmupPeriods} turns before the update is
 * integrated over {@code periods} turns.
 *
 * @param stepsPerPeriod M ≥ 3 (default 32)
 * @param warmupPeriods  ≥ 0 (default 1)
 * @param periods        ≥ 1 (default 1)
 * @param radius         |β| &gt; 0
 */
public record OscillationSettings(int stepsPerPeriod, int warmupPeriods, int periods, double radius) {

    public static final int DEFAULT_STEPS_PER_PERIOD = 32;
    public static final int DEFAULT_WARMUP_PERIODS = 1;
    public static final int DEFAULT_PERIODS = 1;

    public OscillationSettings {
        new OscillatingEstimator(stepsPerPeriod, warmupPeriods, periods, 1);
        if (!(radius > 0) || !Double.isFinite(radius)) {
            throw new IllegalArgumentException("the nudge radius |beta| must be finite and > 0, got " + radius);
        }
    }

    /** M values of β per turn, one warm-up turn, one integrated turn: {@code estimator(oscillating(32, 0.5))}. */
    public static OscillationSettings oscillating(int stepsPerPeriod, double radius) {
        return new OscillationSettings(stepsPerPeriod, DEFAULT_WARMUP_PERIODS, DEFAULT_PERIODS, radius);
    }
}
