package org.eqprop.estimators;

import org.eqprop.dynamics.Equilibrium;

import java.util.Locale;
import java.util.function.DoubleFunction;

/**
 * An EqProp gradient estimator: from the free equilibrium s^0 and a way to run a nudged phase with strength β
 * (starting from s^0), picks the two equilibria whose ∂Φ/∂θ contrast estimates ∇θL (Scellier thesis eq. 2.11,
 * 5.22; Laborieux et al. 2021).
 */
public interface GradientEstimator {

    /**
     * @param free        the free equilibrium s^0
     * @param nudgedPhase runs a nudged phase with the given signed β from s^0
     * @param beta        the nudging strength β &gt; 0
     */
    Contrast contrast(Equilibrium free, DoubleFunction<Equilibrium> nudgedPhase, double beta);

    /** The command-line name. */
    String name();

    /** "symmetric", "one-sided" or "random-sign" (the latter drawing signs from {@code seed}). */
    static GradientEstimator of(String name, long seed) {
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "symmetric":
                return new SymmetricEstimator();
            case "one-sided":
                return new OneSidedEstimator();
            case "random-sign":
                return new RandomSignEstimator(seed);
            default:
                throw new IllegalArgumentException("Unknown estimator '" + name
                        + "'; expected symmetric, one-sided or random-sign");
        }
    }
}
