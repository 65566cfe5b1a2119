package org.eqprop.estimators;

import org.eqprop.dynamics.Equilibrium;

import java.util.Locale;
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
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "symmetric":
                return new SymmetricEstimator();
            case "one-sided":
                return new OneSidedEstimator();
            case "random-sign":
                return new RandomSignEstimator(seed);
            case "holomorphic":
                return new HolomorphicEstimator(holomorphicPoints);
            case "langevin":
                return new LangevinEstimator(samples);
            case "oscillating":
                return new OscillatingEstimator(oscillation[0], oscillation[1], oscillation[2], oscillation[3]);
            default:
                throw new IllegalArgumentException("Unknown estimator '" + name
                        + "'; expected symmetric, one-sided, random-sign, holomorphic, oscillating or langevin");
        }
    }
}
