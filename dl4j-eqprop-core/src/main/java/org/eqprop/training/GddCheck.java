package org.eqprop.training;

import org.eqprop.bptt.BackpropThroughTime;
import org.eqprop.bptt.BpttGradient;
import org.eqprop.bptt.Trajectory;
import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationException;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The "gradient descending dynamics" check of Ernoult et al. 2019 (Theorem 1): from a converged free phase s*, the
 * EqProp increments of the nudged phase, step by step,
 * <pre>
 *   Δs(t) = (s^β_{t+1} − s^β_t) / β,   Δθ(t) = (∂Φ/∂θ(s^β_{t+1}) − ∂Φ/∂θ(s^β_t)) / β   (one-sided),
 * </pre>
 * (symmetric: the same with s^β − s^{−β} over 2β) equal, as β → 0, minus the BPTT gradients of L = C(s_T) through
 * K steps that sit at s*: Δs(t) = −σ'(u*) ⊙ ∂L/∂s_{T−t} (units clipped by σ move in neither) and
 * Δθ(t) = −∂L/∂θ_{T−t}. Each series holds, per step t = 0..K−1 and per layer, one array.
 *
 * <p>With a continual rate η &gt; 0 it also runs C-EP (Ernoult et al. 2020) on a copy of the parameters: the weights
 * move by η Δθ(t) during the nudged phase, and its series Δθ(t) tends to the BPTT one as η → 0 and β → 0.
 */
public final class GddCheck {

    /** Per-layer series: {@code series.get(t)[layer]}. */
    public record Series(List<INDArray[]> neurons, List<INDArray[]> weights) {
    }

    /** The EqProp and BPTT series of one check ({@code continual} is null unless a C-EP rate was given). */
    public record Result(Series oneSided, Series symmetric, Series bptt, Series continual, Equilibrium free) {

        /**
         * sqrt(mean_t ‖a_t − b_t‖²) / max(sqrt(mean_t ‖a_t‖²), sqrt(mean_t ‖b_t‖²)) for one layer.
         */
        public static double relativeRmse(List<INDArray[]> a, List<INDArray[]> b, int layer) {
            double diff = 0;
            double na = 0;
            double nb = 0;
            for (int t = 0; t < a.size(); t++) {
                INDArray x = a.get(t)[layer];
                INDArray y = b.get(t)[layer];
                diff += Math.pow(x.sub(y).norm2Number().doubleValue(), 2);
                na += Math.pow(x.norm2Number().doubleValue(), 2);
                nb += Math.pow(y.norm2Number().doubleValue(), 2);
            }
            double scale = Math.sqrt(Math.max(na, nb) / a.size());
            return scale == 0 ? 0 : Math.sqrt(diff / a.size()) / scale;
        }

        /** Fraction of entries where the two series have opposite signs (entries of b below 1e-12 · max|b| skipped). */
        public static double signDisagreement(List<INDArray[]> a, List<INDArray[]> b, int layer) {
            long opposite = 0;
            long counted = 0;
            for (int t = 0; t < a.size(); t++) {
                double[] x = a.get(t)[layer].dup().data().asDouble();
                double[] y = b.get(t)[layer].dup().data().asDouble();
                double max = 0;
                for (double v : y) {
                    max = Math.max(max, Math.abs(v));
                }
                for (int i = 0; i < x.length; i++) {
                    if (Math.abs(y[i]) > 1e-12 * max && max > 0) {
                        counted++;
                        if (Math.signum(x[i]) != Math.signum(y[i])) {
                            opposite++;
                        }
                    }
                }
            }
            return counted == 0 ? 0 : (double) opposite / counted;
        }
    }

    private GddCheck() {
    }

    /**
     * @param chain     the relaxing system (dense, fixed-point dynamics)
     * @param x         input batch
     * @param force     the cost's nudging force (−∂C/∂s_N)
     * @param outputGradient ∂C/∂s_N at the free fixed point (what BPTT starts from)
     * @param beta      β (small)
     * @param steps     K
     * @param freeControl the free phase's budget; it must converge within it
     * @param continualRate η of the C-EP series (0: none)
     */
    public static Result run(EnergyChain chain, INDArray x, NudgingForce force,
                             java.util.function.Function<INDArray, INDArray> outputGradient, double beta, int steps,
                             RelaxationControl freeControl, double continualRate) {
        if (!freeControl.stopsEarly()) {
            throw new IllegalArgumentException("the GDD check needs a converged free phase: give the free phase a "
                    + "tolerance");
        }
        INDArray drive = chain.inputDrive(x);
        Equilibrium free = ReferenceRelaxation.INSTANCE.relax(chain, drive, chain.zeroStates(x.size(0),
                x.dataType()), null, 0, freeControl);
        if (!free.converged()) {
            throw new RelaxationException("the free phase did not converge (residual " + free.residual() + " after "
                    + free.steps() + " steps, tolerance " + freeControl.tolerance() + "): EqProp and BPTT only agree "
                    + "step by step from a fixed point; raise --free-steps or the tolerance");
        }
        Trajectory tr = BackpropThroughTime.forward(chain, drive, free.states(), steps);
        BpttGradient g = BackpropThroughTime.backward(chain, x, tr, outputGradient.apply(free.output()), steps, true);
        List<INDArray[]> bpNeurons = new ArrayList<>();
        List<INDArray[]> bpWeights = new ArrayList<>();
        for (int t = 0; t < steps; t++) {
            INDArray[] n = new INDArray[chain.depth()];
            INDArray[] w = new INDArray[chain.depth()];
            for (int k = 0; k < chain.depth(); k++) {
                n[k] = g.stateGradients().get(t)[k].neg().muli(chain.activation().derivative(tr.drives().get(0)[k]));
                w[k] = g.stepParamGradients().get(t)[k][0].neg();
            }
            bpNeurons.add(n);
            bpWeights.add(w);
        }
        List<INDArray[]> plus = nudgedTrajectory(chain, drive, free, force, beta, steps);
        List<INDArray[]> minus = nudgedTrajectory(chain, drive, free, force, -beta, steps);
        Series continual = continualRate > 0 ? continual(chain, x, free, force, beta, steps, continualRate) : null;
        return new Result(increments(chain, x, plus, null, beta, steps),
                increments(chain, x, plus, minus, beta, steps), new Series(bpNeurons, bpWeights), continual, free);
    }

    /** C-EP's increments Δs(t) = (s_{t+1} − s_t)/β and Δθ(t) = (θ_t − θ_{t+1})/η, on a copy of the parameters. */
    private static Series continual(EnergyChain chain, INDArray x, Equilibrium free, NudgingForce force, double beta,
                                    int steps, double rate) {
        List<INDArray[]> neurons = new ArrayList<>();
        List<INDArray[]> weights = new ArrayList<>();
        INDArray[][] previous = {free.states()};
        double[] rates = new double[chain.depth()];
        java.util.Arrays.fill(rates, rate);
        ContinualEqProp.nudgedPhase(chain.copy(), ReferenceRelaxation.INSTANCE, x, free.states(),
                force, beta, steps, rates, (t, s, gradient) -> {
                    INDArray[] dn = new INDArray[s.length];
                    INDArray[] dw = new INDArray[s.length];
                    for (int k = 0; k < s.length; k++) {
                        dn[k] = s[k].sub(previous[0][k]).divi(beta);
                        dw[k] = gradient[k][0].neg();
                    }
                    neurons.add(dn);
                    weights.add(dw);
                    previous[0] = s;
                });
        return new Series(neurons, weights);
    }

    private static List<INDArray[]> nudgedTrajectory(EnergyChain chain, INDArray drive, Equilibrium free,
                                                     NudgingForce force, double beta, int steps) {
        List<INDArray[]> states = new ArrayList<>();
        states.add(free.states());
        INDArray[] s = free.states();
        for (int t = 0; t < steps; t++) {
            s = ReferenceRelaxation.INSTANCE.relax(chain, drive, s, force, beta, new RelaxationControl(1, 0)).states();
            states.add(s);
        }
        return states;
    }

    /** One-sided increments of {@code plus}, or symmetric ones of plus − minus. */
    private static Series increments(EnergyChain chain, INDArray x, List<INDArray[]> plus, List<INDArray[]> minus,
                                     double beta, int steps) {
        List<INDArray[]> neurons = new ArrayList<>();
        List<INDArray[]> weights = new ArrayList<>();
        int n = chain.depth();
        for (int t = 0; t < steps; t++) {
            INDArray[] dn = new INDArray[n];
            INDArray[][] views = new INDArray[n][];
            for (int k = 0; k < n; k++) {
                INDArray d = plus.get(t + 1)[k].sub(plus.get(t)[k]);
                if (minus != null) {
                    d.subi(minus.get(t + 1)[k].sub(minus.get(t)[k]));
                }
                dn[k] = d.divi(minus == null ? beta : 2 * beta);
                views[k] = java.util.Arrays.stream(chain.interaction(k).parameters())
                        .map(p -> p.castTo(x.dataType()).like()).toArray(INDArray[]::new);
            }
            double scale = minus == null ? 1.0 / beta : 1.0 / (2 * beta);
            // ∂Φ/∂θ(s_{t+1}) − ∂Φ/∂θ(s_t), minus the same on the −β trajectory for the symmetric form
            chain.writeContrastGradient(x, plus.get(t + 1), plus.get(t), scale, views);
            INDArray[] dw = new INDArray[n];
            for (int k = 0; k < n; k++) {
                dw[k] = views[k][0].dup();
            }
            if (minus != null) {
                chain.writeContrastGradient(x, minus.get(t + 1), minus.get(t), scale, views);
                for (int k = 0; k < n; k++) {
                    dw[k].subi(views[k][0]);
                }
            }
            neurons.add(dn);
            weights.add(dw);
        }
        return new Series(neurons, weights);
    }
}
