package org.eqprop.estimators;

import org.eqprop.dynamics.Equilibrium;

import java.util.function.DoubleFunction;

/**
 * An EqProp gradient estimator: from the free equilibrium s^0 and a way to run a nudged phase with strength β
 * (starting from s^0), picks the two equilibria whose ∂Φ/∂θ contrast estimates ∇θL (Scellier thesis eq. 2.11,
 * 5.22; Laborieux et al. 2021).
 */
public interface GradientEstimator extends org.eqprop.util.RandomState {

    /**
     * @param free        the free equilibrium s^0
     * @param nudgedPhase runs a nudged phase with the given signed β from s^0
     * @param beta        the nudging strength β &gt; 0
     */
    Contrast contrast(Equilibrium free, DoubleFunction<Equilibrium> nudgedPhase, double beta);

    /** The command-line name. */
    String name();

    /**
     * True when the estimator nudges at complex β and must be asked for its {@link #contour} instead of its
     * {@link #contrast} (holomorphic EqProp with more than two points).
     */
    default boolean complexPhases() {
        return false;
    }

    /**
     * True when the estimator forms its gradient as a weighted sum over many equilibria or samples, a
     * {@link ContourAverage} from {@link #contour}, instead of the {@link Contrast} of two (every estimator with
     * {@link #complexPhases()}, and Langevin EqProp's averages over samples).
     */
    default boolean averages() {
        return complexPhases();
    }

    /**
     * The weighted sum of an estimator that {@link #averages()}: runs its phases with {@code phase} from the free
     * equilibrium and returns the weighted equilibria.
     *
     * @param radius the nudging strength |β|
     */
    default ContourAverage contour(Equilibrium free, ComplexPhase phase, double radius) {
        throw new UnsupportedOperationException(name() + " combines two real phases: use contrast()");
    }

    /** The estimators by the names of the command line and the JSON configuration. */
    enum Kind implements org.eqprop.util.Named {
        /** (∂Φ/∂θ(s^{+β}) − ∂Φ/∂θ(s^{−β})) / 2β, bias O(β²) (Laborieux et al. 2021). */
        SYMMETRIC,
        /** (∂Φ/∂θ(s^{β}) − ∂Φ/∂θ(s^0)) / β, bias O(β) (Scellier &amp; Bengio 2017). */
        ONE_SIDED,
        /** one-sided with the sign of β drawn per iteration (Laborieux et al. 2021). */
        RANDOM_SIGN,
        /** the contour average over N complex nudges β e^{2πik/N} (Laborieux &amp; Zenke 2022). */
        HOLOMORPHIC,
        /** one complex phase whose nudge turns around the circle (online holomorphic EqProp). */
        OSCILLATING,
        /** the symmetric contrast of sample averages of noisy nudged phases (Scellier thesis ch. 6). */
        LANGEVIN;

        /** The kind named {@code name} (any case), or an exception listing the choices. */
        public static Kind parse(String name) {
            return org.eqprop.util.Named.parse(Kind.class, name, "estimator");
        }

        /**
         * A new estimator of this kind.
         *
         * @param seed              the random sign's stream
         * @param holomorphicPoints N nudges on the circle (holomorphic)
         * @param oscillation       {values of β per period, warm-up periods, integrated periods, steps per value}
         * @param samples           samples per nudged phase (langevin)
         */
        public GradientEstimator create(long seed, int holomorphicPoints, int[] oscillation, int samples) {
            return switch (this) {
                case SYMMETRIC -> new SymmetricEstimator();
                case ONE_SIDED -> new OneSidedEstimator();
                case RANDOM_SIGN -> new RandomSignEstimator(seed);
                case HOLOMORPHIC -> new HolomorphicEstimator(holomorphicPoints);
                case LANGEVIN -> new LangevinEstimator(samples);
                case OSCILLATING -> new OscillatingEstimator(oscillation[0], oscillation[1], oscillation[2],
                        oscillation[3]);
            };
        }

        /** True for the estimators that average many equilibria instead of contrasting two. */
        public boolean averages() {
            return this == HOLOMORPHIC || this == OSCILLATING || this == LANGEVIN;
        }

        /**
         * The nudged phases one iteration relaxes: 2 for the symmetric and Langevin estimators, ⌊N/2⌋ + 1 for
         * holomorphic EqProp with N points (the conjugate points are not relaxed), 1 otherwise.
         */
        public int nudgedPhases(int holomorphicPoints) {
            return switch (this) {
                case SYMMETRIC, LANGEVIN -> 2;
                case HOLOMORPHIC -> holomorphicPoints / 2 + 1;
                default -> 1;
            };
        }
    }

    /** "symmetric", "one-sided" or "random-sign" (the latter drawing signs from {@code seed}). */
    static GradientEstimator of(String name, long seed) {
        return of(name, seed, HolomorphicSettings.DEFAULT_POINTS);
    }

    /**
     * "symmetric", "one-sided", "random-sign" (drawing signs from {@code seed}) or "holomorphic" (with
     * {@code holomorphicPoints} points on the circle).
     */
    static GradientEstimator of(String name, long seed, int holomorphicPoints) {
        return of(name, seed, holomorphicPoints, new int[]{OscillationSettings.DEFAULT_STEPS_PER_PERIOD,
                OscillationSettings.DEFAULT_WARMUP_PERIODS, OscillationSettings.DEFAULT_PERIODS, 1});
    }

    /**
     * As {@link #of(String, long, int)}, and "oscillating" with {@code oscillation} = {values of β per period, warm-up
     * periods, integrated periods, relaxation steps per value}.
     */
    static GradientEstimator of(String name, long seed, int holomorphicPoints, int[] oscillation) {
        return of(name, seed, holomorphicPoints, oscillation, 1);
    }

    /** As {@link #of(String, long, int, int[])}, and "langevin" with {@code samples} samples per nudged phase. */
    static GradientEstimator of(String name, long seed, int holomorphicPoints, int[] oscillation, int samples) {
        return Kind.parse(name).create(seed, holomorphicPoints, oscillation, samples);
    }
}
