package org.eqprop.graph;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Random;

/**
 * DirEcted Equilibrium Propagation on a minibatch of a large directed graph (e.g. 784 clamped pixels, a few hundred
 * hidden neurons and 10 outputs): the dynamics of eq. 1 and the rule of eq. 2 of Farinha et al. 2020, as
 * {@link DirectedGraph} and {@link DeepTrainer} have them, in matrix form over ND4J arrays,
 * <pre>
 *   Ṡ_F = S W_F + b − S_F ⊙ o − β (S_out − Y) [outputs],   o_j = Σ_i W_ji (out-flow),   S ← clip(S + dt Ṡ, 0, 1),
 *   ΔW_F = η / (β M_β B) Σ_{m=M_0+1}^{M_0+M_β} S(m)ᵀ (S_F(m) − S_F(m−1)),
 * </pre>
 * with S [B, N] the states, F the free (non-input) neurons and W_F [N, N−P] the weights into them. The weights into
 * the clamped inputs W_P [N, P] never change (an input's state does not move) but count in their senders' out-flow.
 * A random mask of a given density thins the graph; self-loops are absent.
 */
public final class BatchedDirectedGraph {

    private final int neurons;
    private final int inputs;
    private final int outputs;
    /** W_F: weights into the free neurons [N, N−P], zero where absent. */
    private final INDArray wFree;
    private final INDArray maskFree;
    /** Row sums of the weights into the inputs [1, N] (fixed). */
    private final INDArray outIntoInputs;
    /** b over the free neurons [1, N−P]. */
    private final INDArray bias;
    /** o: the out-flow coefficient of every free neuron [1, N−P]. */
    private INDArray outFlow;
    private final long connections;

    /**
     * A random graph: each connection i → j (i ≠ j) exists with probability {@code density} and starts uniform in
     * [−scale, scale) with scale = initScale / √(expected fan-in).
     */
    public BatchedDirectedGraph(int neurons, int inputs, int outputs, double initScale, double density, long seed) {
        if (inputs < 0 || outputs < 1 || inputs + outputs > neurons || !(density > 0 && density <= 1)
                || !(initScale >= 0)) {
            throw new IllegalArgumentException("need inputs + outputs <= neurons, outputs >= 1, density in (0, 1], "
                    + "initScale >= 0; got " + neurons + ", " + inputs + ", " + outputs + ", " + density + ", "
                    + initScale);
        }
        this.neurons = neurons;
        this.inputs = inputs;
        this.outputs = outputs;
        int free = neurons - inputs;
        Random r = new Random(seed);
        double scale = initScale / Math.sqrt(density * (neurons - 1));
        float[] w = new float[neurons * free];
        float[] m = new float[neurons * free];
        float[] intoInputs = new float[neurons];
        long count = 0;
        for (int i = 0; i < neurons; i++) {
            for (int j = 0; j < neurons; j++) {
                if (i == j || r.nextDouble() >= density) {
                    continue;
                }
                float v = (float) (scale * (2 * r.nextDouble() - 1));
                count++;
                if (j < inputs) {
                    intoInputs[i] += v;
                } else {
                    w[i * free + j - inputs] = v;
                    m[i * free + j - inputs] = 1;
                }
            }
        }
        this.wFree = Nd4j.create(w, new long[]{neurons, free}, 'c');
        this.maskFree = Nd4j.create(m, new long[]{neurons, free}, 'c');
        this.outIntoInputs = Nd4j.create(intoInputs, new long[]{1, neurons}, 'c');
        this.bias = Nd4j.zeros(DataType.FLOAT, 1, free);
        this.connections = density == 1 && initScale == 0 ? (long) neurons * (neurons - 1) : count;
        updateOutFlow();
    }

    /** The same graph as {@code g} (weights, biases, connections), in float. */
    public static BatchedDirectedGraph of(DirectedGraph g) {
        BatchedDirectedGraph b = new BatchedDirectedGraph(g.neurons, g.inputs, g.outputs, 0, 1, 0);
        int free = g.neurons - g.inputs;
        b.outIntoInputs.assign(0);
        b.wFree.assign(0);
        b.maskFree.assign(0);
        for (int i = 0; i < g.neurons; i++) {
            for (int j = 0; j < g.neurons; j++) {
                if (!g.mask[i][j]) {
                    continue;
                }
                if (j < g.inputs) {
                    b.outIntoInputs.putScalar(0, i, b.outIntoInputs.getDouble(0, i) + g.w[i][j]);
                } else {
                    b.wFree.putScalar(i, j - g.inputs, g.w[i][j]);
                    b.maskFree.putScalar(i, j - g.inputs, 1);
                }
            }
        }
        for (int j = 0; j < free; j++) {
            b.bias.putScalar(0, j, g.bias[g.inputs + j]);
        }
        b.updateOutFlow();
        return b;
    }

    /** W_ij for a free neuron j. */
    public double weight(int from, int to) {
        return wFree.getDouble(from, to - inputs);
    }

    /** b_j for a free neuron j. */
    public double bias(int neuron) {
        return bias.getDouble(0, neuron - inputs);
    }

    private void updateOutFlow() {
        // o_j = Σ_i W_ji over every target i, for the free neurons j
        INDArray rows = wFree.sum(true, 1).reshape(1, neurons).addi(outIntoInputs);
        outFlow = rows.get(NDArrayIndex.point(0), NDArrayIndex.interval(inputs, neurons)).reshape(1, neurons - inputs)
                .dup();
    }

    public int neurons() {
        return neurons;
    }

    /** States [B, N]: the inputs clamped to x [B, P], every other neuron at 0. */
    public INDArray initialState(INDArray x) {
        if (x.rank() != 2 || x.size(1) != inputs) {
            throw new IllegalArgumentException("expected inputs [batch, " + inputs + "], got "
                    + java.util.Arrays.toString(x.shape()));
        }
        INDArray s = Nd4j.zeros(DataType.FLOAT, x.size(0), neurons);
        s.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inputs)).assign(x);
        return s;
    }

    /** One step of eq. 1 in place; {@code y} null (or β = 0) for the free phase. */
    public void step(INDArray s, double dt, double beta, INDArray y) {
        INDArray sFree = s.get(NDArrayIndex.all(), NDArrayIndex.interval(inputs, neurons));
        INDArray v = s.mmul(wFree).addiRowVector(bias).subi(sFree.mul(outFlow));
        if (beta != 0 && y != null) {
            INDArray vOut = v.get(NDArrayIndex.all(), NDArrayIndex.interval(neurons - inputs - outputs,
                    neurons - inputs));
            vOut.subi(output(s).sub(y).muli(beta));
        }
        sFree.addi(v.muli(dt));
        Transforms.min(Transforms.max(sFree, 0, false), 1, false);
    }

    /** The free phase: M_0 steps from the initial state. */
    public INDArray freePhase(INDArray x, int steps, double dt) {
        INDArray s = initialState(x);
        for (int m = 0; m < steps; m++) {
            step(s, dt, 0, null);
        }
        return s;
    }

    /** The output neurons' states [B, O] (a copy). */
    public INDArray output(INDArray s) {
        return s.get(NDArrayIndex.all(), NDArrayIndex.interval(neurons - outputs, neurons)).dup();
    }

    /**
     * The nudged phase from the free states {@code s} (modified) towards targets y, then the update of eq. 2 with
     * rate η, averaged over the batch.
     */
    public void learn(INDArray s, INDArray y, int nudgedSteps, double dt, double beta, double eta) {
        int free = neurons - inputs;
        INDArray g = Nd4j.zeros(DataType.FLOAT, neurons, free);
        INDArray gb = Nd4j.zeros(DataType.FLOAT, 1, free);
        INDArray previous = s.get(NDArrayIndex.all(), NDArrayIndex.interval(inputs, neurons)).dup();
        for (int m = 0; m < nudgedSteps; m++) {
            step(s, dt, beta, y);
            INDArray current = s.get(NDArrayIndex.all(), NDArrayIndex.interval(inputs, neurons));
            INDArray change = current.sub(previous);
            g.addi(s.transpose().mmul(change));
            gb.addi(change.sum(true, 0));
            previous.assign(current);
        }
        double scale = eta / (beta * nudgedSteps * s.size(0));
        wFree.addi(g.muli(maskFree).muli(scale));
        bias.addi(gb.muli(scale));
        updateOutFlow();
    }

    /** Fraction of the complete graph's N(N−1) weights that are absent. */
    public double sparsity() {
        return 1.0 - (double) connections / ((double) neurons * (neurons - 1));
    }
}
