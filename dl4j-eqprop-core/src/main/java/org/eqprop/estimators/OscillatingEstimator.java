package org.eqprop.estimators;

import org.eqprop.dynamics.ComplexEquilibrium;
import org.eqprop.dynamics.Equilibrium;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * The online form of holomorphic EqProp (Laborieux &amp; Zenke 2022, §"oscillating nudge"): one continuous phase from
 * s^0 whose nudge turns around the circle, β(t) = |β| e^{iωt} with ω = 2π/M (M relaxation steps per period), and the
 * update integrated along it,
 * <pre>
 *   ∇θL ≈ −(1/(P M |β|)) Re Σ_t e^{−iωt} ∂Φ/∂θ(s_t)     over the last P periods,
 * </pre>
 * the time-domain version of the contour average ({@link HolomorphicEstimator} with N = M points): the states are not
 * relaxed anew from s^0 at each β but follow it, K steps per value of β (the phase is M·K steps per turn). The first
 * {@code warmupPeriods} turns let the states reach the rotating orbit and are not integrated. The states lag behind
 * the nudge: the first harmonic of a contraction of rate ρ per step is damped by about ρ^K ω, so the estimate
 * approaches the contour average as K or M grows.
 */
public final class OscillatingEstimator implements GradientEstimator {

    private final int stepsPerPeriod;
    private final int warmupPeriods;
    private final int periods;
    private final int stepsPerPoint;

    /**
     * @param stepsPerPeriod M ≥ 3, values of β per turn
     * @param warmupPeriods  turns before the integration starts (≥ 0)
     * @param periods        P ≥ 1 turns integrated
     * @param stepsPerPoint  K ≥ 1 relaxation steps at each value of β
     */
    public OscillatingEstimator(int stepsPerPeriod, int warmupPeriods, int periods, int stepsPerPoint) {
        if (stepsPerPeriod < 3 || warmupPeriods < 0 || periods < 1 || stepsPerPoint < 1) {
            throw new IllegalArgumentException("the oscillating nudge needs >= 3 values of beta per period, >= 0 "
                    + "warm-up and >= 1 integrated periods, >= 1 step per value; got " + stepsPerPeriod + ", "
                    + warmupPeriods + ", " + periods + ", " + stepsPerPoint);
        }
        this.stepsPerPeriod = stepsPerPeriod;
        this.warmupPeriods = warmupPeriods;
        this.periods = periods;
        this.stepsPerPoint = stepsPerPoint;
    }

    public int stepsPerPeriod() {
        return stepsPerPeriod;
    }

    public int warmupPeriods() {
        return warmupPeriods;
    }

    public int periods() {
        return periods;
    }

    public int stepsPerPoint() {
        return stepsPerPoint;
    }

    /** Relaxation steps of the one continuous phase. */
    public int totalSteps() {
        return (warmupPeriods + periods) * stepsPerPeriod * stepsPerPoint;
    }

    @Override
    public boolean complexPhases() {
        return true;
    }

    @Override
    public ContourAverage contour(Equilibrium free, ComplexPhase phase, double radius) {
        return trajectory(free, phase, radius, null);
    }

    /** One value of β along the oscillating phase, for plots: its index, β and the states after its K steps. */
    public record Sample(int step, double betaRe, double betaIm, ComplexEquilibrium states) {
    }

    /**
     * The contour average along the oscillating phase; {@code probe} (may be null) sees every step, the states
     * after it included.
     */
    public ContourAverage trajectory(Equilibrium free, ComplexPhase phase, double radius,
                                     java.util.function.Consumer<Sample> probe) {
        if (!(radius > 0) || !Double.isFinite(radius)) {
            throw new IllegalArgumentException("the nudge radius |beta| must be finite and > 0, got " + radius);
        }
        ComplexEquilibrium s = ComplexEquilibrium.real(free);
        List<ContourAverage.Term> terms = new ArrayList<>();
        double w = 1.0 / ((double) periods * stepsPerPeriod * radius);
        int total = (warmupPeriods + periods) * stepsPerPeriod;
        for (int t = 0; t < total; t++) {
            double angle = 2 * Math.PI * (t % stepsPerPeriod) / stepsPerPeriod;
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            s = phase.advance(s, radius * cos, radius * sin, stepsPerPoint);
            if (probe != null) {
                probe.accept(new Sample(t, radius * cos, radius * sin, s));
            }
            if (t >= warmupPeriods * stepsPerPeriod) {
                // −w e^{−iφ}
                terms.add(new ContourAverage.Term(s, -w * cos, w * sin));
            }
        }
        return new ContourAverage(terms);
    }

    @Override
    public Contrast contrast(Equilibrium free, DoubleFunction<Equilibrium> nudgedPhase, double beta) {
        throw new IllegalStateException("the oscillating nudge runs one complex phase: use contour()");
    }

    @Override
    public String name() {
        return "oscillating";
    }
}
