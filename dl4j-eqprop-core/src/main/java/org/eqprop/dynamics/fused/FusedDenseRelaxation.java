package org.eqprop.dynamics.fused;

import org.eqprop.kernels.CorePool;
import org.eqprop.kernels.FusedKernels;
import org.eqprop.costs.FusedForce;
import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationEngine;
import org.eqprop.dynamics.RelaxationException;
import org.eqprop.interactions.DenseInteraction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The fast CPU minimizer for chains of dense interactions in float32: the same relaxation as
 * {@link ReferenceRelaxation}, with every step of a phase fused into plain Java loops over a feature-major batch
 * slice (see {@link FusedKernels}). The batch is split into one slice per core, and each slice runs its whole phase
 * with no synchronisation between steps (examples do not interact), like a persistent GPU kernel.
 *
 * <p>With a tolerance, each slice stops on its own residual; the reported step count is the largest.
 */
public final class FusedDenseRelaxation implements RelaxationEngine {

    public static final FusedDenseRelaxation INSTANCE = new FusedDenseRelaxation();

    /** Batch slices below this size are not split further. */
    private static final int MIN_SLICE = 8;

    /**
     * Limits ND4J's BLAS to one thread. This engine already runs one batch slice per core; on a small machine,
     * BLAS worker threads that keep spinning after each matrix product take cores away from the relaxation
     * (measured on 2 cores: the input-drive product took 5 ms instead of 1 ms, and the phases slowed by half).
     * The CLI calls this; call it in your own program when EqProp blocks dominate the work.
     */
    public static void useSingleThreadedBlas() {
        ((org.nd4j.linalg.api.blas.Blas) Nd4j.factory().blas()).setMaxThreads(1);
    }

    /** True when this engine can run the phase: float32 dense chain and a force with a fused form. */
    @Override
    public boolean supports(EnergyChain chain, NudgingForce force, DataType dataType) {
        return dataType == DataType.FLOAT && chain.isDense() && (force == null || force.fused() != null);
    }

    @Override
    public Equilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force,
                             double beta, RelaxationControl control) {
        if (!chain.isDense()) {
            throw new IllegalArgumentException("the fused dense engine runs chains of dense interactions only");
        }
        int n = chain.depth();
        int batch = (int) inputDrive.size(0);
        int[] widths = new int[n];
        float[][] w = new float[n][];
        float[][] wT = new float[n][];
        float[][] bias = new float[n][];
        for (int k = 0; k < n; k++) {
            widths[k] = chain.width(k);
            DenseInteraction d = (DenseInteraction) chain.interaction(k);
            bias[k] = FusedKernels.floats(d.bias());
            if (k > 0) {
                w[k] = FusedKernels.floats(d.weights());
                wT[k] = FusedKernels.transpose(w[k], widths[k - 1], widths[k]);
            }
        }
        Model model = new Model(chain, widths, w, wT, bias, FusedKernels.floats(inputDrive),
                force == null ? null : force.fused(), (float) beta, control);
        float[][] startF = new float[n][];
        float[][] out = new float[n][];
        for (int k = 0; k < n; k++) {
            startF[k] = FusedKernels.floats(start[k]);
            out[k] = new float[batch * widths[k]];
        }

        int[] bounds = CorePool.split(batch, MIN_SLICE);
        List<Callable<SliceResult>> tasks = new ArrayList<>();
        for (int i = 0; i + 1 < bounds.length; i++) {
            final int lo = bounds[i];
            final int hi = bounds[i + 1];
            tasks.add(() -> model.relaxSlice(startF, out, lo, hi - lo));
        }
        List<SliceResult> results = CorePool.runAll(tasks);
        int steps = 0;
        double residual = 0;
        boolean converged = true;
        for (SliceResult r : results) {
            steps = Math.max(steps, r.steps);
            residual = Math.max(residual, r.residual);
            converged &= r.converged;
            if (Float.isNaN(r.residual)) {
                residual = Double.NaN;
            }
        }
        INDArray[] states = new INDArray[n];
        for (int k = 0; k < n; k++) {
            states[k] = FusedKernels.array(out[k], batch, widths[k]);
        }
        if (!Double.isFinite(residual)) {
            throw new RelaxationException(org.eqprop.dynamics.Phases.nonFinite(steps, chain));
        }
        return new Equilibrium(states, steps, residual, converged);
    }

    @Override
    public String name() {
        return "fused-cpu";
    }

    private record SliceResult(int steps, float residual, boolean converged) {
    }

    /** The float copy of one phase's system, shared read-only by the slices. */
    private record Model(EnergyChain chain, int[] widths, float[][] w, float[][] wT, float[][] bias,
                         float[] inputDrive, FusedForce force, float beta, RelaxationControl control) {

        SliceResult relaxSlice(float[][] start, float[][] out, int offset, int nb) {
            int n = widths.length;
            int lanes = FusedKernels.lanes();
            int stride = (nb + lanes - 1) / lanes * lanes;
            float[][] s = new float[n][];
            float[][] u = new float[n][];
            float[][] rowBias = new float[n][];
            for (int k = 0; k < n; k++) {
                s[k] = new float[widths[k] * stride];
                u[k] = new float[widths[k] * stride];
                FusedKernels.toFeatureMajor(start[k], widths[k], offset, nb, s[k], stride);
                // the constant part of each drive: W_1 x + b_1 for the first layer, b_k above
                rowBias[k] = new float[widths[k] * stride];
                if (k == 0) {
                    FusedKernels.toFeatureMajor(inputDrive, widths[0], offset, nb, rowBias[0], stride);
                } else {
                    for (int j = 0; j < widths[k]; j++) {
                        java.util.Arrays.fill(rowBias[k], j * stride, j * stride + nb, bias[k][j]);
                    }
                }
            }

            float residual = Float.NaN;
            boolean converged = !control.stopsEarly();
            int t = 0;
            int passes = control.alternating() ? 2 : 1;
            while (t < control.maxSteps()) {
                t++;
                residual = 0f;
                // synchronous: one pass over every layer; alternating: the even layers, then the odd ones
                for (int pass = 0; pass < passes; pass++) {
                    for (int k = 0; k < n; k++) {
                        if (passes == 2 && k % 2 != pass) {
                            continue;
                        }
                        float[] uk = u[k];
                        float[] init = rowBias[k];
                        if (k > 0) {
                            FusedKernels.product(uk, init, wT[k], s[k - 1], widths[k], widths[k - 1], stride);
                            init = uk;
                        }
                        if (k < n - 1) {
                            FusedKernels.product(uk, init, w[k + 1], s[k + 1], widths[k], widths[k + 1], stride);
                        } else if (k == 0) {
                            System.arraycopy(init, 0, uk, 0, uk.length);
                        }
                    }
                    if (force != null && (passes == 1 || (n - 1) % 2 == pass)) {
                        force.addTo(u[n - 1], s[n - 1], stride, offset, nb, beta);
                    }
                    for (int k = 0; k < n; k++) {
                        if (passes == 2 && k % 2 != pass) {
                            continue;
                        }
                        FusedKernels.zeroPadding(u[k], widths[k], nb, stride);
                        residual = Math.max(residual, chain.dynamics().step(s[k], u[k], u[k].length,
                                chain.activation()));
                        float[] tmp = s[k];
                        s[k] = u[k];
                        u[k] = tmp;
                    }
                }
                if (Float.isNaN(residual)) {
                    break;
                }
                if (control.stopsEarly() && residual <= control.tolerance()) {
                    converged = true;
                    break;
                }
            }
            for (int k = 0; k < n; k++) {
                FusedKernels.fromFeatureMajor(s[k], widths[k], offset, nb, out[k], stride);
            }
            return new SliceResult(t, residual, converged);
        }
    }
}
