package org.eqprop.estimators;

import org.eqprop.dynamics.Equilibrium;

import org.eqprop.util.ResumableRandom;
import java.util.function.DoubleFunction;

/**
 * The one-sided estimator with the sign of β drawn at random each time (Scellier thesis §5.2.4; Laborieux et al.
 * 2021): ∇θL ≈ −(∂Φ/∂θ(s^{sβ}) − ∂Φ/∂θ(s^0)) / (sβ), s = ±1, whose O(β) bias cancels on average.
 */
public final class RandomSignEstimator implements GradientEstimator, org.eqprop.util.RandomState.OneStream {

    private final ResumableRandom random;

    public RandomSignEstimator(long seed) {
        this.random = new ResumableRandom(seed);
    }

    @Override
    public org.eqprop.util.ResumableRandom stream() {
        return random;
    }

    @Override
    public Contrast contrast(Equilibrium free, DoubleFunction<Equilibrium> nudgedPhase, double beta) {
        double signed;
        synchronized (random) {
            signed = random.nextBoolean() ? beta : -beta;
        }
        return new Contrast(nudgedPhase.apply(signed), free, -1.0 / signed);
    }

    @Override
    public String name() {
        return "random-sign";
    }
}
