package org.eqprop.estimators;

import org.eqprop.dynamics.Equilibrium;

import java.util.function.DoubleFunction;

/**
 * The symmetric estimator (Laborieux et al. 2021; Scellier thesis eq. 5.22):
 * ∇θL ≈ −(∂Φ/∂θ(s^{+β}) − ∂Φ/∂θ(s^{−β})) / 2β, whose bias is O(β²).
 */
public final class SymmetricEstimator implements GradientEstimator {

    @Override
    public Contrast contrast(Equilibrium free, DoubleFunction<Equilibrium> nudgedPhase, double beta) {
        Equilibrium plus = nudgedPhase.apply(beta);
        Equilibrium minus = nudgedPhase.apply(-beta);
        return new Contrast(plus, minus, -1.0 / (2.0 * beta));
    }

    @Override
    public String name() {
        return "symmetric";
    }
}
