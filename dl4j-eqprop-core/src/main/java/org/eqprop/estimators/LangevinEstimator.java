package org.eqprop.estimators;

import org.eqprop.dynamics.ComplexEquilibrium;
import org.eqprop.dynamics.Equilibrium;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Langevin (stochastic) EqProp (Scellier thesis ch. 6): with noisy dynamics the phases do not settle but sample the
 * Boltzmann distributions p_β ∝ e^{−(E + βC)/T}, and the symmetric update is averaged over S samples of each nudged
 * phase, taken after its burn-in of K steps:
 * <pre>
 *   ∇θ⟨C⟩_0 ≈ −(1/2β) (⟨∂Φ/∂θ⟩_{+β} − ⟨∂Φ/∂θ⟩_{−β}),   ⟨·⟩ = (1/S) Σ_j · (s_j).
 * </pre>
 * With noise-free dynamics every sample is the fixed point and this is the symmetric estimator.
 */
public final class LangevinEstimator implements GradientEstimator {

    private final int samples;

    /** @param samples S ≥ 1 samples of each nudged phase (consecutive steps after the burn-in) */
    public LangevinEstimator(int samples) {
        if (samples < 1) {
            throw new IllegalArgumentException("Langevin EqProp needs at least 1 sample per phase, got " + samples);
        }
        this.samples = samples;
    }

    public int samples() {
        return samples;
    }

    @Override
    public boolean averages() {
        return true;
    }

    @Override
    public ContourAverage contour(Equilibrium free, ComplexPhase phase, double beta) {
        if (!(beta > 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be finite and > 0, got " + beta);
        }
        List<ContourAverage.Term> terms = new ArrayList<>();
        double w = 1.0 / (2 * beta * samples);
        for (int sign : new int[]{1, -1}) {
            ComplexEquilibrium s = phase.relax(sign * beta, 0);
            terms.add(new ContourAverage.Term(s, -sign * w, 0));
            for (int j = 1; j < samples; j++) {
                s = phase.advance(s, sign * beta, 0, 1);
                terms.add(new ContourAverage.Term(s, -sign * w, 0));
            }
        }
        return new ContourAverage(terms);
    }

    @Override
    public Contrast contrast(Equilibrium free, DoubleFunction<Equilibrium> nudgedPhase, double beta) {
        if (samples > 1) {
            throw new IllegalStateException("Langevin EqProp averages " + samples + " samples: use contour()");
        }
        return new SymmetricEstimator().contrast(free, nudgedPhase, beta);
    }

    @Override
    public String name() {
        return "langevin";
    }
}
