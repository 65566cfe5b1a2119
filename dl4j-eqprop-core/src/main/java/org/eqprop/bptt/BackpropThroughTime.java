package org.eqprop.bptt;

import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.fused.ParallelGemm;
import org.eqprop.dynamics.FixedPointDynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationEngine;
import org.eqprop.interactions.DenseInteraction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Backpropagation through time on the unrolled relaxation s_{t+1} = σ(u_t), u_t = ∂Φ/∂s(θ, x, s_t), of a chain of
 * dense interactions: the baseline EqProp is compared with (Ernoult et al. 2019). For L = C(s_T):
 * <pre>
 *   g_T = ∂C/∂s_T,   δ_t = g_{t+1} ⊙ σ'(u_t),
 *   g_t(s_{k−1}) += δ_t(k) W_kᵀ,   g_t(s_{k+1}) += δ_t(k) W_{k+1},
 *   ∂L/∂W_k += s_{k−1,t}ᵀ δ_t(k) + δ_t(k−1)ᵀ s_{k,t},   ∂L/∂b_k += Σ_batch δ_t(k)
 * </pre>
 * (row-major states, DL4J's W [n_{k−1}, n_k]); truncated BPTT sums only the last K steps. Gradients are summed over
 * the batch, like DL4J's.
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
     * @param outputGradient ∂C/∂s_N at the last state, [batch, width_N]
     * @param truncation     K: how many of the last steps to backpropagate through (≥ T: full BPTT)
     * @param perStep        whether to keep each step's parameter and state gradients (for the GDD comparison)
     */
    public static BpttGradient backward(EnergyChain chain, INDArray x, Trajectory trajectory, INDArray outputGradient,
                                        int truncation, boolean perStep) {
        int n = chain.depth();
        INDArray[] gW = new INDArray[n];
        INDArray[] gb = new INDArray[n];
        for (int k = 0; k < n; k++) {
            INDArray w = ((DenseInteraction) chain.interaction(k)).weights();
            gW[k] = Nd4j.zeros(x.dataType(), w.shape());
            gb[k] = Nd4j.zeros(x.dataType(), 1, w.size(1));
        }
        return backwardInto(chain, x, trajectory, outputGradient, truncation, perStep, gW, gb, true);
    }

    /**
     * The same, written into the caller's arrays {@code gW[k]}, {@code gb[k]} (overwritten; a trainer passes its
     * gradient views, so the step loop allocates only batch-sized arrays). ∂L/∂x is computed only when
     * {@code inputGradient} is set.
     */
    public static BpttGradient backwardInto(EnergyChain chain, INDArray x, Trajectory trajectory,
                                            INDArray outputGradient, int truncation, boolean perStep,
                                            INDArray[] gW, INDArray[] gb, boolean inputGradient) {
        requireSupported(chain);
        int n = chain.depth();
        int steps = trajectory.steps();
        int first = Math.max(0, steps - truncation);
        INDArray[] w = weights(chain, x.dataType());
        for (int k = 0; k < n; k++) {
            gW[k].assign(0);
            gb[k].assign(0);
        }
        INDArray inputDelta = Nd4j.zeros(x.dataType(), x.size(0), w[0].size(1));
        // g holds ∂L/∂s_{t+1} for every layer
        INDArray[] g = new INDArray[n];
        for (int k = 0; k < n; k++) {
            g[k] = Nd4j.zeros(x.dataType(), trajectory.last()[k].shape());
        }
        g[n - 1].addi(outputGradient.castTo(x.dataType()));
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
                INDArray[] stepW = new INDArray[n];
                INDArray[] stepB = new INDArray[n];
                parameterGradients(x, s, delta, stepW, stepB);
                for (int k = 0; k < n; k++) {
                    gW[k].addi(stepW[k]);
                    gb[k].addi(stepB[k]);
                }
                paramGradients.add(interleave(stepW, stepB));
            } else {
                accumulateParameterGradients(s, delta, gW, gb);
            }
            // the input is the same at every step: its product waits for the sum of the δ_1
            inputDelta.addi(delta[0]);
            INDArray[] previous = g;
            g = jacobianTransposeProduct(w, delta, s);
            if (perStep) {
                stateGradients.add(copy(g));
            }
            // native buffers go back now, not at the next garbage collection (T steps of them otherwise pile up)
            Trajectory.release(previous);
            Trajectory.release(delta);
        }
        if (!perStep) {
            ParallelGemm.gemm(x, inputDelta, gW[0], true, false, 1.0, 0.0);
        }
        INDArray inputGrad = inputGradient ? inputDelta.mmul(w[0].transpose()) : null;
        return new BpttGradient(gW, gb, inputGrad, stateGradients, paramGradients);
    }

    /** gW_k += s_{k−1}ᵀ δ_k + δ_{k−1}ᵀ s_k (k ≥ 1), gb_k += Σ_batch δ_k, in place. */
    private static void accumulateParameterGradients(INDArray[] s, INDArray[] delta, INDArray[] gW, INDArray[] gb) {
        for (int k = 0; k < delta.length; k++) {
            if (k > 0) {
                ParallelGemm.gemm(s[k - 1], delta[k], gW[k], true, false, 1.0, 1.0);
                ParallelGemm.gemm(delta[k - 1], s[k], gW[k], true, false, 1.0, 1.0);
            }
            gb[k].addi(delta[k].sum(true, 0));
        }
    }

    /**
     * (∂u/∂s)ᵀ δ: how the drive errors δ_k of one step reach the states of the step before, through the upward term
     * s_{k−1} W_k (δ_k W_kᵀ to layer k−1) and the downward term s_k W_kᵀ of u_{k−1} (δ_{k−1} W_k to layer k).
     */
    static INDArray[] jacobianTransposeProduct(INDArray[] w, INDArray[] delta, INDArray[] like) {
        int n = delta.length;
        INDArray[] prev = new INDArray[n];
        for (int k = 0; k < n; k++) {
            prev[k] = Nd4j.zeros(delta[k].dataType(), like[k].shape());
        }
        for (int k = 1; k < n; k++) {
            ParallelGemm.gemm(delta[k], w[k], prev[k - 1], false, true, 1.0, 1.0);
            ParallelGemm.gemm(delta[k - 1], w[k], prev[k], false, false, 1.0, 1.0);
        }
        return prev;
    }

    /**
     * (∂u/∂θ)ᵀ δ at states s: ∂L/∂W_k = s_{k−1}ᵀ δ_k + δ_{k−1}ᵀ s_k, ∂L/∂b_k = Σ_batch δ_k (s_0 = x). With x null
     * the input interaction's weight gradient gW[0] is left null (the caller sums its δ first).
     */
    static void parameterGradients(INDArray x, INDArray[] s, INDArray[] delta, INDArray[] gW, INDArray[] gb) {
        for (int k = 0; k < delta.length; k++) {
            if (k > 0) {
                gW[k] = s[k - 1].transpose().mmul(delta[k]).addi(delta[k - 1].transpose().mmul(s[k]));
            } else if (x != null) {
                gW[0] = x.transpose().mmul(delta[0]);
            }
            gb[k] = delta[k].sum(true, 0);
        }
    }

    /** The weights W_k of a dense chain, in the given data type. */
    static INDArray[] weights(EnergyChain chain, org.nd4j.linalg.api.buffer.DataType dataType) {
        INDArray[] w = new INDArray[chain.depth()];
        for (int k = 0; k < w.length; k++) {
            w[k] = ((DenseInteraction) chain.interaction(k)).weights().castTo(dataType);
        }
        return w;
    }

    private static INDArray[] copy(INDArray[] a) {
        INDArray[] c = new INDArray[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].dup();
        }
        return c;
    }

    private static INDArray[][] interleave(INDArray[] w, INDArray[] b) {
        INDArray[][] out = new INDArray[w.length][];
        for (int k = 0; k < w.length; k++) {
            out[k] = new INDArray[]{w[k], b[k]};
        }
        return out;
    }

    static void requireSupported(EnergyChain chain) {
        if (!chain.isDense() || !(chain.dynamics() instanceof FixedPointDynamics)) {
            throw new IllegalArgumentException("backpropagation through time is implemented for dense chains with "
                    + "the fixed-point dynamics; got " + chain.dynamics().name());
        }
    }
}
