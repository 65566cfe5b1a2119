package org.eqprop.spiking;

import org.eqprop.costs.FusedForce;
import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.Phases;
import org.eqprop.kernels.CorePool;
import org.eqprop.kernels.FusedKernels;
import org.eqprop.interactions.DenseInteraction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The relaxation of a dense EqProp chain by neurons that only send bits (O'Connor et al. 2019, eq. 6 / eq. 15). At
 * each step t every relaxing neuron j
 * <pre>
 *   u_j^t = Σ_i w_ij q_i^{t−1}                     (the bits of both neighbouring layers, through W and Wᵀ)
 *   v_j^t = dec(u_j^t)                             (identity, eq. 10, or predictive, eq. 14)
 *   x_j^t = ρ'(s_j^{t−1}) (v_j^t + b_j) − β ∂C/∂s_j (the nudge on the output layer in a positive phase)
 *   ε_j^t = anneal(x_j^t)                          (scheduled, eq. 8, or OSA)
 *   s_j^t = clip((1 − ε_j^t) s_j^{t−1} + ε_j^t x_j^t, 0, 1)
 *   q_j^t = enc(ρ(s_j^t))                          (sigma-delta, eq. 12, stochastic, eq. 9, predictive, eq. 13)
 * </pre>
 * with ρ the hard sigmoid, so ρ(s) = s and ρ'(s) = 1 on [0, 1]. The clamped input neurons encode x the same way
 * (unless the settings give the first layer the exact drive W_1 x + b_1). With exact communication and ε = 1 this
 * is the fixed-point iteration s = clip(∂Φ/∂s, 0, 1) of the continuous network; with bits and annealed ε it
 * converges to the same fixed points.
 *
 * <p>Since q is binary, u is a sum of the weight rows of the neurons that spiked, and it is kept up to date
 * event by event: when a neuron's bit changes, ± its weight row is added to its neighbours' inputs. The cost of a
 * step is proportional to the number of bits that change, not to the number of weights. The batch is split over the cores; each part runs its
 * whole phase alone (examples do not interact).
 */
public final class SpikingRelaxation {

    private static final int MIN_PART = 4;

    private final Encoder encoder;
    private final Decoder decoder;
    private final StepSizeAnnealer annealer;
    private final boolean encodeInput;

    public SpikingRelaxation(Encoder encoder, Decoder decoder, StepSizeAnnealer annealer, boolean encodeInput) {
        this.encoder = encoder;
        this.decoder = decoder;
        this.annealer = annealer;
        this.encodeInput = encodeInput;
    }

    public SpikingRelaxation(SpikingSettings settings) {
        this(settings.neuronEncoder(), settings.neuronDecoder(), settings.stepSizeAnnealer(),
                settings.isEncodeInput());
    }

    /** The chain with its current parameters, ready to relax (a float copy of the weights). */
    public Network network(EnergyChain chain) {
        if (!chain.isDense() || !chain.isFlat()) {
            throw new IllegalArgumentException("spiking relaxation runs chains of dense layers only");
        }
        if (!chain.activation().isHardSigmoid()) {
            throw new IllegalArgumentException("spiking neurons (O'Connor et al. 2019) use the hard sigmoid without "
                    + "leak, got " + chain.activation());
        }
        return new Network(chain);
    }

    /** A chain's float weights: W_k [w_{k−1} × w_k] and its transpose, biases; index 0 is the input. */
    public final class Network {

        private final EnergyChain chain;
        private final int layers;
        private final int[] width;
        private final float[][] w;
        private final float[][] wT;
        private final float[][] bias;

        private Network(EnergyChain chain) {
            this.chain = chain;
            this.layers = chain.depth();
            this.width = new int[layers + 1];
            this.w = new float[layers + 1][];
            this.wT = new float[layers + 1][];
            this.bias = new float[layers + 1][];
            width[0] = (int) ((DenseInteraction) chain.interaction(0)).weights().size(0);
            for (int k = 1; k <= layers; k++) {
                DenseInteraction d = (DenseInteraction) chain.interaction(k - 1);
                width[k] = chain.width(k - 1);
                w[k] = FusedKernels.floats(d.weights());
                wT[k] = FusedKernels.transpose(w[k], width[k - 1], width[k]);
                bias[k] = FusedKernels.floats(d.bias());
            }
        }

        /** All neurons at rest (s = 0, nothing sent, t = 0), the input clamped to x [batch, nIn]. */
        public SpikingState start(INDArray x) {
            if (x.rank() != 2 || x.size(1) != width[0]) {
                throw new IllegalArgumentException("spiking relaxation: input must be [batch, " + width[0] + "], got "
                        + java.util.Arrays.toString(x.shape()));
            }
            int batch = (int) x.size(0);
            float[][] s = new float[layers + 1][];
            float[][] q = new float[layers + 1][];
            float[][] seen = new float[layers + 1][];
            float[][] in = new float[layers + 1][];
            Encoder.Memory[] enc = new Encoder.Memory[layers + 1];
            Decoder.Memory[] dec = new Decoder.Memory[layers + 1];
            StepSizeAnnealer.Memory[] ann = new StepSizeAnnealer.Memory[layers + 1];
            float[] input = FusedKernels.floats(x);
            for (int i = 0; i < input.length; i++) {
                input[i] = Math.min(Math.max(input[i], 0f), 1f);   // ρ(x): what the input neurons send
            }
            s[0] = input;
            q[0] = new float[input.length];
            seen[0] = new float[input.length];
            enc[0] = encodeInput ? encoder.start(input.length) : null;
            for (int k = 1; k <= layers; k++) {
                int n = batch * width[k];
                s[k] = new float[n];
                q[k] = new float[n];
                seen[k] = new float[n];
                in[k] = new float[n];
                enc[k] = encoder.start(n);
                dec[k] = decoder.start(n);
                ann[k] = annealer.start(n);
            }
            float[] drive = encodeInput ? null : FusedKernels.floats(chain.inputDrive(x.castTo(
                    ((DenseInteraction) chain.interaction(0)).weights().dataType())));
            return new SpikingState(batch, s, q, seen, in, enc, dec, ann, drive, 0);
        }

        /**
         * Runs {@code steps} steps from the state (which it advances in place); with a force, the output layer is
         * nudged by −β ∂C/∂s_N(s_N^{t−1}). Returns the states at the end as an equilibrium of {@code dataType}
         * arrays, with the last step's largest change as its residual.
         */
        public Equilibrium relax(SpikingState state, NudgingForce force, double beta, int steps,
                                 SpikeCounter counter, DataType dataType) {
            if (steps < 1) {
                throw new IllegalArgumentException("a spiking phase needs at least 1 step, got " + steps);
            }
            FusedForce fused = force == null ? null : force.fused();
            if (force != null && fused == null) {
                throw new IllegalArgumentException("spiking relaxation needs a nudging force with a fused form "
                        + "(squared error, softmax readout or held force), got " + force.getClass().getSimpleName());
            }
            float[][] u = new float[layers + 1][];
            float[][] eps = new float[layers + 1][];
            for (int k = 1; k <= layers; k++) {
                u[k] = new float[state.batch * width[k]];
                eps[k] = new float[state.batch * width[k]];
            }
            float[] residual = new float[state.batch];
            int t0 = state.t;
            CorePool.parallelFor(state.batch, MIN_PART, (from, to) -> {
                for (int step = 1; step <= steps; step++) {
                    boolean last = step == steps;
                    step(state, t0 + step, from, to, u, eps, fused, (float) beta, last ? residual : null, counter);
                }
            });
            state.t = t0 + steps;
            float r = 0f;
            for (float v : residual) {
                r = Math.max(r, v);
            }
            INDArray[] out = new INDArray[layers];
            for (int k = 1; k <= layers; k++) {
                INDArray a = FusedKernels.array(state.s[k].clone(), state.batch, width[k]);
                out[k - 1] = a.dataType() == dataType ? a : a.castTo(dataType);
            }
            return Phases.checked(new Equilibrium(out, steps, r, true));
        }

        /** One step t of eq. 6 for the examples [from, to). */
        private void step(SpikingState st, int t, int from, int to, float[][] u, float[][] eps, FusedForce force,
                          float beta, float[] residual, SpikeCounter counter) {
            // u_k^t = Σ w q^{t−1}: the bits that changed since the last step update their neighbours' inputs
            for (int k = 0; k <= layers; k++) {
                for (int b = from; b < to; b++) {
                    propagateChanges(st, k, b);
                }
            }
            for (int k = 1; k <= layers; k++) {
                int n = width[k];
                int lo = from * n;
                int hi = to * n;
                float[] uk = u[k];
                System.arraycopy(st.input[k], lo, uk, lo, hi - lo);
                st.decoders[k].decode(uk, lo, hi, t);
                float[] constant = k == 1 && st.inputDrive != null ? st.inputDrive : null;
                for (int b = from; b < to; b++) {
                    int off = b * n;
                    if (constant != null) {
                        for (int j = 0; j < n; j++) {
                            uk[off + j] += constant[off + j];
                        }
                    } else {
                        for (int j = 0; j < n; j++) {
                            uk[off + j] += bias[k][j];
                        }
                    }
                    if (k == layers && force != null) {
                        nudge(force, uk, st.s[k], off, n, b, beta);
                    }
                }
                st.annealers[k].stepSizes(uk, eps[k], lo, hi, t);
                float[] s = st.s[k];
                float[] e = eps[k];
                float change = 0f;
                for (int i = lo; i < hi; i++) {
                    float next = s[i] + e[i] * (uk[i] - s[i]);
                    next = next < 0f ? 0f : (next > 1f ? 1f : next);
                    change = Math.max(change, Math.abs(next - s[i]));
                    s[i] = next;
                }
                if (residual != null) {
                    for (int b = from; b < to; b++) {
                        residual[b] = Math.max(residual[b], change);
                    }
                }
            }
            long spikes = 0;
            for (int k = 1; k <= layers; k++) {
                spikes += st.encoders[k].encode(st.s[k], st.q[k], from * width[k], to * width[k], t);
            }
            if (counter != null) {
                counter.add(spikes, (long) (to - from) * neuronsPerExample());
            }
            if (st.encoders[0] != null) {
                int in = st.encoders[0].encode(st.s[0], st.q[0], from * width[0], to * width[0], t);
                if (counter != null) {
                    counter.addInput(in, (long) (to - from) * width[0]);
                }
            }
        }

        /** For each neuron of layer k in example b whose bit changed: ± its weight rows into both neighbours. */
        private void propagateChanges(SpikingState st, int k, int b) {
            float[] q = st.q[k];
            float[] seen = st.seen[k];
            int n = width[k];
            int off = b * n;
            for (int i = 0; i < n; i++) {
                float d = q[off + i] - seen[off + i];
                if (d != 0f) {
                    seen[off + i] = q[off + i];
                    if (k < layers) {
                        addRow(st.input[k + 1], b * width[k + 1], d, w[k + 1], i, width[k + 1]);
                    }
                    if (k > 1) {
                        addRow(st.input[k - 1], b * width[k - 1], d, wT[k], i, width[k - 1]);
                    }
                }
            }
        }

        private int neuronsPerExample() {
            int n = 0;
            for (int k = 1; k <= layers; k++) {
                n += width[k];
            }
            return n;
        }

        /** The chain this network was made from. */
        public EnergyChain chain() {
            return chain;
        }
    }

    /** u[uOff + j] += d · m[i, j] (m row-major, {@code width} columns). */
    private static void addRow(float[] u, int uOff, float d, float[] m, int i, int width) {
        int r = i * width;
        if (d > 0) {
            for (int j = 0; j < width; j++) {
                u[uOff + j] += m[r + j];
            }
        } else {
            for (int j = 0; j < width; j++) {
                u[uOff + j] -= m[r + j];
            }
        }
    }

    /** drive −= β ∂C/∂s_N for example b (the output's row at off). */
    private static void nudge(FusedForce force, float[] drive, float[] output, int off, int n, int b, float beta) {
        float[] d = java.util.Arrays.copyOfRange(drive, off, off + n);
        float[] o = java.util.Arrays.copyOfRange(output, off, off + n);
        force.addTo(d, o, 1, b, 1, beta);
        System.arraycopy(d, 0, drive, off, n);
    }
}
