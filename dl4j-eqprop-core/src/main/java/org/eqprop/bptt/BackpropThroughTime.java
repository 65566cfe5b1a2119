package org.eqprop.bptt;

import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationEngine;
import org.eqprop.layers.States;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Backpropagation through time on the unrolled relaxation s_{t+1} = σ(u_t), u_t = ∂Φ/∂s(θ, x, s_t): the baseline
 * EqProp is compared with (Ernoult et al. 2019). For L = C(s_T):
 * <pre>
 *   g_T = ∂C/∂s_T,   δ_t = g_{t+1} ⊙ σ'(u_t),   g_t = (∂u/∂s)ᵀ δ_t,   ∂L/∂θ += (∂u/∂θ)ᵀ δ_t
 * </pre>
 * with the vector-Jacobian products of each {@link org.eqprop.interactions.Interaction} (dense: g(s_{k−1}) += δ_k W_kᵀ,
 * g(s_k) += δ_{k−1} W_k, ∂L/∂W_k += s_{k−1}ᵀ δ_k + δ_{k−1}ᵀ s_k; convolutions with their pooling switches), so any
 * chain the EqProp engines relax is differentiated the same way. Truncated BPTT sums only the last K steps.
 * Gradients are summed over the batch, like DL4J's.
 */
public final class BackpropThroughTime {

    private BackpropThroughTime() {
    }

    /** Runs T steps of the free dynamics from {@code start}, keeping every state and drive. */
    public static Trajectory forward(EnergyChain chain, INDArray inputDrive, INDArray[] start, int steps) {
        return forward(chain, null, inputDrive, start, steps, steps);
    }

    /**
     * Runs T steps of the free dynamics from {@code start} and keeps the last {@code kept} of them (what truncated
     * BPTT needs): the first T − kept steps run on {@code engine} without storing anything.
     */
    public static Trajectory forward(EnergyChain chain, RelaxationEngine engine, INDArray inputDrive, INDArray[] start,
                                     int steps, int kept) {
        requireSupported(chain);
        int skipped = Math.max(0, steps - kept);
        if (skipped > 0) {
            start = engine.relax(chain, inputDrive, start, null, 0, new RelaxationControl(skipped, 0)).states();
        }
        List<INDArray[]> states = new ArrayList<>();
        List<INDArray[]> drives = new ArrayList<>();
        INDArray[] s = new INDArray[start.length];
        for (int k = 0; k < s.length; k++) {
            s[k] = start[k].dup('c');
        }
        states.add(s);
        for (int t = skipped; t < steps; t++) {
            INDArray[] u = new INDArray[s.length];
            chain.drives(inputDrive, s, u);
            INDArray[] next = new INDArray[s.length];
            for (int k = 0; k < s.length; k++) {
                next[k] = chain.activation().applyInPlace(u[k].dup());
            }
            drives.add(u);
            states.add(next);
            s = next;
        }
        return new Trajectory(states, drives);
    }

    /**
     * The gradient of L = C(s_T) through the last {@code truncation} steps of the trajectory, in new arrays.
     *
     * @param outputGradient ∂C/∂s_N at the last state, [batch, units of s_N]
     * @param truncation     K: how many of the last steps to backpropagate through (≥ T: full BPTT)
     * @param perStep        whether to keep each step's parameter and state gradients (for the GDD comparison)
     */
    public static BpttGradient backward(EnergyChain chain, INDArray x, Trajectory trajectory, INDArray outputGradient,
                                        int truncation, boolean perStep) {
        return backwardInto(chain, x, trajectory, outputGradient, truncation, perStep, zeroViews(chain, x), true);
    }

    /**
     * The same, written into the caller's arrays {@code views[k]} (interaction k's parameters in order, overwritten;
     * a trainer passes its gradient views). ∂L/∂x is computed only when {@code inputGradient} is set.
     */
    public static BpttGradient backwardInto(EnergyChain chain, INDArray x, Trajectory trajectory,
                                            INDArray outputGradient, int truncation, boolean perStep,
                                            INDArray[][] views, boolean inputGradient) {
        requireSupported(chain);
        int n = chain.depth();
        int steps = trajectory.steps();
        int first = Math.max(0, steps - truncation);
        for (INDArray[] v : views) {
            for (INDArray a : v) {
                a.assign(0);
            }
        }
        INDArray inputDelta = Nd4j.zeros(x.dataType(), trajectory.last()[0].shape());
        // g holds ∂L/∂s_{t+1} for every layer
        INDArray[] g = new INDArray[n];
        for (int k = 0; k < n; k++) {
            g[k] = Nd4j.zeros(x.dataType(), trajectory.last()[k].shape());
        }
        States.rows(g[n - 1]).addi(outputGradient.castTo(x.dataType()));
        List<INDArray[]> stateGradients = new ArrayList<>();
        List<INDArray[][]> paramGradients = new ArrayList<>();
        if (perStep) {
            stateGradients.add(copy(g));
        }
        for (int t = steps - 1; t >= first; t--) {
            INDArray[] s = trajectory.states().get(t);
            INDArray[] delta = new INDArray[n];
            for (int k = 0; k < n; k++) {
                delta[k] = chain.activation().derivative(trajectory.drives().get(t)[k]).muli(g[k]);
            }
            if (perStep) {
                INDArray[][] step = zeroViews(chain, x);
                parameterVjp(chain, x, s, delta, step, true);
                for (int k = 0; k < n; k++) {
                    for (int i = 0; i < step[k].length; i++) {
                        views[k][i].addi(step[k][i]);
                    }
                }
                paramGradients.add(step);
            } else {
                parameterVjp(chain, x, s, delta, views, false);
            }
            // the input is the same at every step: its products wait for the sum of the δ_1
            inputDelta.addi(delta[0]);
            INDArray[] previous = g;
            g = stateVjp(chain, s, delta);
            if (perStep) {
                stateGradients.add(copy(g));
            }
            // native buffers go back now, not at the next garbage collection (T steps of them otherwise pile up)
            Trajectory.release(previous);
            Trajectory.release(delta);
        }
        if (!perStep) {
            chain.interaction(0).addParameterVjp(x, null, null, inputDelta, 1.0, views[0]);
        }
        INDArray inputGrad = null;
        if (inputGradient) {
            inputGrad = Nd4j.zeros(x.dataType(), x.shape());
            chain.interaction(0).addUpwardVjp(x, inputDelta, inputGrad);
        }
        return new BpttGradient(views, inputGrad, stateGradients, paramGradients);
    }

    /**
     * (∂u/∂s)ᵀ δ: how the drive errors δ_k of one step reach the states of the step before: through each interaction's
     * upward drive (to its lower layer) and its feedback (to its upper layer).
     */
    static INDArray[] stateVjp(EnergyChain chain, INDArray[] s, INDArray[] delta) {
        int n = delta.length;
        INDArray[] prev = new INDArray[n];
        for (int k = 0; k < n; k++) {
            prev[k] = Nd4j.zeros(delta[k].dataType(), s[k].shape());
        }
        for (int k = 1; k < n; k++) {
            chain.interaction(k).addUpwardVjp(s[k - 1], delta[k], prev[k - 1]);
            chain.interaction(k).addDownwardVjp(s[k - 1], delta[k - 1], prev[k]);
        }
        return prev;
    }

    /**
     * views += (∂u/∂θ)ᵀ δ at states s: every interaction above the input, and the input's one too when
     * {@code withInput} (otherwise the caller adds it once for the summed δ_1).
     */
    static void parameterVjp(EnergyChain chain, INDArray x, INDArray[] s, INDArray[] delta, INDArray[][] views,
                             boolean withInput) {
        if (withInput) {
            chain.interaction(0).addParameterVjp(x, s[0], null, delta[0], 1.0, views[0]);
        }
        for (int k = 1; k < delta.length; k++) {
            chain.interaction(k).addParameterVjp(s[k - 1], s[k], delta[k - 1], delta[k], 1.0, views[k]);
        }
    }

    /** Zero arrays shaped like every interaction's parameters, in x's data type. */
    static INDArray[][] zeroViews(EnergyChain chain, INDArray x) {
        INDArray[][] v = new INDArray[chain.depth()][];
        for (int k = 0; k < v.length; k++) {
            INDArray[] p = chain.interaction(k).parameters();
            v[k] = new INDArray[p.length];
            for (int i = 0; i < p.length; i++) {
                v[k][i] = Nd4j.zeros(x.dataType(), p[i].shape());
            }
        }
        return v;
    }

    private static INDArray[] copy(INDArray[] a) {
        INDArray[] c = new INDArray[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].dup();
        }
        return c;
    }

    static void requireSupported(EnergyChain chain) {
        if (chain.dynamics().kind() != org.eqprop.dynamics.Dynamics.Kind.FIXED_POINT) {
            throw new IllegalArgumentException("backpropagation through time is implemented for the fixed-point "
                    + "dynamics; got " + chain.dynamics().name());
        }
    }
}
