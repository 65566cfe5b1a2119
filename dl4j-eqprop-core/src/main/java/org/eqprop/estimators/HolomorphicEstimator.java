package org.eqprop.estimators;

import org.eqprop.dynamics.ComplexEquilibrium;
import org.eqprop.dynamics.Equilibrium;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * Holomorphic EqProp (Laborieux &amp; Zenke, NeurIPS 2022): with states and the nudge extended to the complex plane,
 * g(β) = ∂Φ/∂θ(s^β) is holomorphic in β, and Cauchy's formula gives its derivative at 0 from N points
 * β_k = r e^{2πik/N} of a circle of radius r = |β|:
 * <pre>
 *   ∇θL = −g'(0) = −(1/2πi) ∮ g(β)/β² dβ ≈ −(1/(N r)) Σ_{k=0}^{N−1} e^{−2πik/N} g(β_k).
 * </pre>
 * The sum is exact for every term of g's Taylor series but those of order N+1, 2N+1, …: the error falls like r^N, at
 * a finite nudge. With real parameters and input g(β̄) = conj g(β), so each pair k, N−k needs one complex phase
 * (weight doubled, real part kept); β_0 = r and, for even N, β_{N/2} = −r are real phases. N = 2 is the symmetric
 * estimator −(g(r) − g(−r))/2r.
 */
public final class HolomorphicEstimator implements GradientEstimator {

    private final int points;

    /** @param points N ≥ 2, the number of nudges on the circle */
    public HolomorphicEstimator(int points) {
        if (points < 2) {
            throw new IllegalArgumentException("holomorphic EqProp needs at least 2 points on the circle, got "
                    + points);
        }
        this.points = points;
    }

    /** The number N of points on the circle. */
    public int points() {
        return points;
    }

    /** True for N &gt; 2, whose points off the real axis need complex states. */
    @Override
    public boolean complexPhases() {
        return points > 2;
    }

    /**
     * The contour average over the circle of radius {@code radius}: the phases at β_0 … β_{⌊N/2⌋} (the others are
     * their conjugates) and the weights −e^{−2πik/N}/(N r), doubled for the points off the real axis.
     */
    @Override
    public ContourAverage contour(Equilibrium free, ComplexPhase phase, double radius) {
        if (!(radius > 0) || !Double.isFinite(radius)) {
            throw new IllegalArgumentException("the contour radius |beta| must be finite and > 0, got " + radius);
        }
        List<ContourAverage.Term> terms = new ArrayList<>();
        for (int k = 0; 2 * k <= points; k++) {
            boolean real = k == 0 || 2 * k == points;
            double angle = 2 * Math.PI * k / points;
            double cos = real ? (k == 0 ? 1 : -1) : snap(Math.cos(angle));
            double sin = real ? 0 : snap(Math.sin(angle));
            ComplexEquilibrium e = phase.relax(radius * cos, radius * sin);
            double w = (real ? 1.0 : 2.0) / (points * radius);
            // −w e^{−iφ} = −w (cos φ − i sin φ)
            terms.add(new ContourAverage.Term(e, -w * cos, w * sin));
        }
        return new ContourAverage(terms);
    }

    /** cos and sin of the multiples of π/2 are exactly 0 and ±1. */
    private static double snap(double v) {
        double r = Math.rint(v);
        return Math.abs(v - r) < 1e-15 ? r : v;
    }

    /** N = 2 is the symmetric estimator; larger N needs {@link #contour}. */
    @Override
    public Contrast contrast(Equilibrium free, DoubleFunction<Equilibrium> nudgedPhase, double beta) {
        if (complexPhases()) {
            throw new IllegalStateException("holomorphic EqProp with " + points + " points needs complex phases: "
                    + "use contour()");
        }
        return new SymmetricEstimator().contrast(free, nudgedPhase, beta);
    }

    @Override
    public String name() {
        return "holomorphic";
    }
}
