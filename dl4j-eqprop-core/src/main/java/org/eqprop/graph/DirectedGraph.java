package org.eqprop.graph;

import java.util.Arrays;
import java.util.Random;

/**
 * The network of DirEcted Equilibrium Propagation (DEEP; Farinha, Pequito, Santos, Figueiredo, ESANN 2020): N neurons
 * on a directed graph, by default complete (no self-loops), the first P of them clamped inputs and the last O
 * outputs, with asymmetric weights W_ij (from i to j), biases b_j (zero on the inputs) and a mask of the connections
 * that exist. Its dynamics (eq. 1), integrated with step dt and clipped to [0, 1] after each step:
 * <pre>
 *   ṡ_j = Σ_i W_ij s_i + b_j − s_j Σ_i W_ji − β ∂C/∂s_j · 1[j output],   C = ½ Σ_{j output} (s_j − y_j)².
 * </pre>
 * Each neuron receives its in-flow Σ_i W_ij s_i and sends out s_j times its out-weights, so that without inputs or
 * biases the total Σ_j ṡ_j is zero (Proposition 1). The clamped inputs absorb what flows into them: a connection
 * j → input is part of j's out-flow, the sink that lets the stability condition of Proposition 2 hold (without any,
 * Σ_j of the margins is ≤ 0 and some neuron must fail it); graphs whose inputs only send can be built too. A bias is
 * a connection from a neuron fixed at 1 and can be removed like the others: the complete graph of N neurons, P of
 * them inputs, has N(N − 1) weights (or (N − P)(N − 1) when inputs only send) and N − P biases. Plain double
 * arrays: these graphs are small.
 */
public final class DirectedGraph {

    final int neurons;
    final int inputs;
    final int outputs;
    /** w[i][j]: the weight of the connection i → j. */
    final double[][] w;
    final double[] bias;
    /** mask[i][j]: whether the connection i → j exists (pruned connections never come back). */
    final boolean[][] mask;
    /** biasMask[j]: whether neuron j still has its bias connection. */
    final boolean[] biasMask;
    private final long possible;

    /**
     * A complete directed graph with weights drawn uniformly from [−initScale, initScale) and zero biases (signed
     * weights: the logic gates need inhibition to learn XOR).
     */
    public DirectedGraph(int neurons, int inputs, int outputs, double initScale, long seed) {
        this(neurons, inputs, outputs, initScale, seed, true);
    }

    /** The same; {@code inputsReceive} false leaves out the connections into the inputs. */
    public DirectedGraph(int neurons, int inputs, int outputs, double initScale, long seed, boolean inputsReceive) {
        if (inputs < 0 || outputs < 1 || inputs + outputs > neurons) {
            throw new IllegalArgumentException("need inputs + outputs <= neurons, outputs >= 1; got " + neurons
                    + " neurons, " + inputs + " inputs, " + outputs + " outputs");
        }
        this.neurons = neurons;
        this.inputs = inputs;
        this.outputs = outputs;
        this.w = new double[neurons][neurons];
        this.bias = new double[neurons];
        this.mask = new boolean[neurons][neurons];
        this.biasMask = new boolean[neurons];
        Random r = new Random(seed);
        for (int i = 0; i < neurons; i++) {
            biasMask[i] = i >= inputs;
            for (int j = 0; j < neurons; j++) {
                mask[i][j] = i != j && (inputsReceive || j >= inputs);
                w[i][j] = mask[i][j] ? initScale * (2 * r.nextDouble() - 1) : 0;
            }
        }
        this.possible = connections();
    }

    /**
     * A graph over given weights w[i][j] (i → j) and biases with the connections that exist (copied), e.g. from a
     * DL4J layer's parameters; {@code biasMask} null keeps every bias.
     */
    public DirectedGraph(double[][] weights, double[] biases, boolean[][] mask, boolean[] biasMask, int inputs,
                         int outputs) {
        this(weights.length, inputs, outputs, 0, 0, true);
        for (int i = 0; i < neurons; i++) {
            for (int j = 0; j < neurons; j++) {
                this.mask[i][j] &= mask[i][j];
                this.w[i][j] = this.mask[i][j] ? weights[i][j] : 0;
            }
            this.biasMask[i] &= biasMask == null || biasMask[i];
            this.bias[i] = this.biasMask[i] ? biases[i] : 0;
        }
    }

    /** The cost's gradient ∂C/∂s_out at the current outputs (recomputed at every nudged step, or held). */
    @FunctionalInterface
    public interface OutputGradient {
        double[] at(double[] outputs);
    }

    /** The squared error C = ½‖s_out − y‖²: ∂C/∂s_out = s_out − y. */
    public static OutputGradient squaredError(double[] y) {
        return out -> {
            double[] g = new double[out.length];
            for (int k = 0; k < out.length; k++) {
                g[k] = out[k] - y[k];
            }
            return g;
        };
    }

    public int neurons() {
        return neurons;
    }

    public int inputs() {
        return inputs;
    }

    public int outputs() {
        return outputs;
    }

    public double weight(int from, int to) {
        return w[from][to];
    }

    public void setWeight(int from, int to, double value) {
        if (!mask[from][to]) {
            throw new IllegalArgumentException("connection " + from + " -> " + to + " does not exist");
        }
        w[from][to] = value;
    }

    public double bias(int neuron) {
        return bias[neuron];
    }

    public void setBias(int neuron, double value) {
        if (!biasMask[neuron]) {
            throw new IllegalArgumentException("neuron " + neuron + " has no bias (an input, or removed)");
        }
        bias[neuron] = value;
    }

    /** Removes the connection i → j for good (its weight becomes 0). */
    public void removeConnection(int from, int to) {
        mask[from][to] = false;
        w[from][to] = 0;
    }

    /** Removes the bias of neuron j for good. */
    public void removeBias(int neuron) {
        biasMask[neuron] = false;
        bias[neuron] = 0;
    }

    public boolean connected(int from, int to) {
        return mask[from][to];
    }

    public boolean hasBias(int neuron) {
        return biasMask[neuron];
    }

    /** The connections (weights and biases) this graph started with, before any removal. */
    public long possibleConnections() {
        return possible;
    }

    /** The connections (weights and biases) that remain. */
    public long connections() {
        long present = 0;
        for (int j = 0; j < neurons; j++) {
            present += biasMask[j] ? 1 : 0;
            for (int i = 0; i < neurons; i++) {
                present += mask[i][j] ? 1 : 0;
            }
        }
        return present;
    }

    /** Fraction of the complete graph's connections (weights and biases) that were removed. */
    public double sparsity() {
        return 1.0 - (double) connections() / possibleConnections();
    }

    boolean isOutput(int j) {
        return j >= neurons - outputs;
    }

    /** A state with the inputs clamped to x and every other neuron at 0. */
    public double[] initialState(double[] x) {
        if (x.length != inputs) {
            throw new IllegalArgumentException("expected " + inputs + " inputs, got " + x.length);
        }
        double[] s = new double[neurons];
        System.arraycopy(x, 0, s, 0, inputs);
        return s;
    }

    /** ṡ of eq. 1 at state s in the free phase (zero for the clamped inputs). */
    public double[] velocity(double[] s) {
        return velocity(s, 0, null);
    }

    /** ṡ of eq. 1 at state s with the nudging force −β ∂C/∂s_out of the given cost gradient. */
    public double[] velocity(double[] s, double beta, OutputGradient cost) {
        double[] grad = beta == 0 || cost == null ? null : cost.at(output(s));
        double[] v = new double[neurons];
        for (int j = inputs; j < neurons; j++) {
            double in = bias[j];
            double out = 0;
            for (int i = 0; i < neurons; i++) {
                in += w[i][j] * s[i];
                out += w[j][i];
            }
            v[j] = in - s[j] * out;
            if (grad != null && isOutput(j)) {
                v[j] -= beta * grad[j - (neurons - outputs)];
            }
        }
        return v;
    }

    /** One free step s ← clip(s + dt ṡ, 0, 1), in place; returns max |Δs|. */
    public double step(double[] s, double dt) {
        return step(s, dt, 0, null);
    }

    /** One nudged step, with the force −β ∂C/∂s_out of the cost gradient. */
    public double step(double[] s, double dt, double beta, OutputGradient cost) {
        double[] v = velocity(s, beta, cost);
        double residual = 0;
        for (int j = inputs; j < neurons; j++) {
            double next = Math.min(1, Math.max(0, s[j] + dt * v[j]));
            residual = Math.max(residual, Math.abs(next - s[j]));
            s[j] = next;
        }
        return residual;
    }

    /** The output neurons' states. */
    public double[] output(double[] s) {
        return Arrays.copyOfRange(s, neurons - outputs, neurons);
    }

    /**
     * The sufficient stability condition of the linearised dynamics ṡ = A s + c over the free neurons (Proposition
     * 2, read as strict diagonal dominance): for each free neuron j, its out-flow coefficient Σ_i W_ji must exceed
     * Σ_{i free, i ≠ j} |W_ij|, the weights it receives from the other free neurons. Then every eigenvalue of A has a
     * negative real part (Gershgorin) and the unclipped dynamics converge. Returns that margin per neuron (positive:
     * the condition holds); inputs get +∞.
     */
    public double[] stabilityMargins() {
        double[] margin = new double[neurons];
        Arrays.fill(margin, 0, inputs, Double.POSITIVE_INFINITY);
        for (int j = inputs; j < neurons; j++) {
            double out = 0;
            double in = 0;
            for (int i = 0; i < neurons; i++) {
                out += w[j][i];
                if (i >= inputs && i != j) {
                    in += Math.abs(w[i][j]);
                }
            }
            margin[j] = out - in;
        }
        return margin;
    }
}
