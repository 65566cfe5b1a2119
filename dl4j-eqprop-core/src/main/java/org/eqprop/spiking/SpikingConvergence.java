package org.eqprop.spiking;

import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.EulerDynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.fused.FusedDenseRelaxation;
import org.eqprop.interactions.DenseInteraction;
import org.eqprop.interactions.Interaction;
import org.eqprop.layers.StateActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The convergence experiment of O'Connor et al. 2019 (§4, Fig. 2): a random network whose first layer is clamped to a
 * random input runs a negative (free) phase, then its output is nudged towards a random target; after each step the
 * spiking states are compared with the fixed points the continuous network reaches (the free one before the
 * perturbation, the nudged one after): error_t = mean over the relaxing layers of (1/|S_k|) Σ_i |s_i^t − s_i^*|.
 */
public final class SpikingConvergence {

    private SpikingConvergence() {
    }

    /**
     * A random network with its continuous fixed points.
     *
     * @param free   the free fixed point s^0 (one array per relaxing layer)
     * @param nudged the fixed point with the nudge −β ∂C/∂s_N, C = ½‖s_N − y‖²
     */
    public record Problem(EnergyChain chain, INDArray x, INDArray y, double beta, INDArray[] free,
                          INDArray[] nudged) {
    }

    /**
     * Weights drawn uniformly in ±√(6 / (n_in + n_out)) (Glorot), zero biases, x ~ U(0, 1), one-hot targets; the
     * fixed points by the continuous dynamics s ← clip(s + ½(∂Φ/∂s − s), 0, 1) until they move less than 1e-6.
     *
     * @param sizes the input width then the relaxing layers' widths (the paper: 500, 500, 10)
     */
    public static Problem randomProblem(int[] sizes, int batch, double beta, long seed) {
        if (sizes.length < 2 || batch < 1 || !(beta > 0)) {
            throw new IllegalArgumentException("need an input and at least one layer, batch >= 1 and beta > 0; got "
                    + java.util.Arrays.toString(sizes) + ", batch " + batch + ", beta " + beta);
        }
        Random r = new Random(seed);
        List<Interaction> interactions = new ArrayList<>();
        int[] widths = new int[sizes.length - 1];
        for (int k = 1; k < sizes.length; k++) {
            double a = Math.sqrt(6.0 / (sizes[k - 1] + sizes[k]));
            INDArray w = Nd4j.zeros(DataType.FLOAT, sizes[k - 1], sizes[k]);
            float[] data = new float[sizes[k - 1] * sizes[k]];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((2 * r.nextDouble() - 1) * a);
            }
            w.assign(Nd4j.create(data, new long[]{sizes[k - 1], sizes[k]}, DataType.FLOAT));
            interactions.add(new DenseInteraction(w, Nd4j.zeros(DataType.FLOAT, 1, sizes[k])));
            widths[k - 1] = sizes[k];
        }
        float[] xs = new float[batch * sizes[0]];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = r.nextFloat();
        }
        INDArray x = Nd4j.create(xs, new long[]{batch, sizes[0]}, DataType.FLOAT);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, sizes[sizes.length - 1]);
        for (int b = 0; b < batch; b++) {
            y.putScalar(b, r.nextInt(sizes[sizes.length - 1]), 1.0);
        }
        EnergyChain chain = new EnergyChain(interactions, widths, StateActivation.of("hard-sigmoid", 0),
                new EulerDynamics(0.5));
        INDArray drive = chain.inputDrive(x);
        RelaxationControl control = new RelaxationControl(50_000, 1e-6);
        Equilibrium free = converged(FusedDenseRelaxation.INSTANCE.relax(chain, drive,
                chain.zeroStates(batch, DataType.FLOAT), null, 0, control));
        Equilibrium nudged = converged(FusedDenseRelaxation.INSTANCE.relax(chain, drive, free.states(),
                new SquaredErrorForce(y, 1.0), beta, control));
        return new Problem(chain, x, y, beta, free.states(), nudged.states());
    }

    private static Equilibrium converged(Equilibrium e) {
        if (!e.converged()) {
            throw new IllegalStateException("the continuous network did not reach its fixed point (residual "
                    + e.residual() + " after " + e.steps() + " steps)");
        }
        return e;
    }

    /**
     * Runs the spiking network for {@code steps} steps from rest, nudged from step {@code perturbAt} + 1 on, and
     * returns error_t for t = 1..steps (index t − 1).
     */
    public static double[] errorTrace(Problem p, SpikingRelaxation relaxation, int steps, int perturbAt,
                                      SpikeCounter counter) {
        if (steps < 1 || perturbAt < 0 || perturbAt > steps) {
            throw new IllegalArgumentException("need steps >= 1 and 0 <= perturbAt <= steps, got " + steps + ", "
                    + perturbAt);
        }
        SpikingRelaxation.Network net = relaxation.network(p.chain());
        SpikingState state = net.start(p.x());
        SquaredErrorForce force = new SquaredErrorForce(p.y(), 1.0);
        float[][] free = floats(p.free());
        float[][] nudged = floats(p.nudged());
        double[] trace = new double[steps];
        for (int t = 1; t <= steps; t++) {
            boolean nudging = t > perturbAt;
            net.relax(state, nudging ? force : null, p.beta(), 1, counter, DataType.FLOAT);
            trace[t - 1] = meanError(state, nudging ? nudged : free);
        }
        return trace;
    }

    /** The mean over the relaxing layers of the mean absolute difference to the target states. */
    static double meanError(SpikingState state, float[][] target) {
        double sum = 0;
        for (int k = 0; k < target.length; k++) {
            float[] s = state.states(k + 1);
            double e = 0;
            for (int i = 0; i < s.length; i++) {
                e += Math.abs(s[i] - target[k][i]);
            }
            sum += e / s.length;
        }
        return sum / target.length;
    }

    private static float[][] floats(INDArray[] a) {
        float[][] f = new float[a.length][];
        for (int k = 0; k < a.length; k++) {
            f[k] = org.eqprop.kernels.FusedKernels.floats(a[k]);
        }
        return f;
    }
}
