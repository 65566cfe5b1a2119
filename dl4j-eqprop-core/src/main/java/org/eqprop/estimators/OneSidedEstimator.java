package org.eqprop.estimators;

import org.eqprop.dynamics.Equilibrium;

import java.util.function.DoubleFunction;

/**
 * The original one-sided estimator (Scellier &amp; Bengio 2017): ∇θL ≈ −(∂Φ/∂θ(s^β) − ∂Φ/∂θ(s^0)) / β,
 * whose bias is O(β).
 */
public final class OneSidedEstimator implements GradientEstimator {

    @Override
    public Contrast contrast(Equilibrium free, DoubleFunction<Equilibrium> nudgedPhase, double beta) {
        return new Contrast(nudgedPhase.apply(beta), free, -1.0 / beta);
    }

    @Override
    public String name() {
        return "one-sided";
    }
}
