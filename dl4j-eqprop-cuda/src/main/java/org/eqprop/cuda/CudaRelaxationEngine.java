package org.eqprop.cuda;

import org.eqprop.costs.HeldForce;
import org.eqprop.costs.NudgingForce;
import org.eqprop.costs.SoftmaxReadoutForce;
import org.eqprop.costs.SquaredErrorForce;
import org.eqprop.dynamics.AcceleratedEngine;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.EulerDynamics;
import org.eqprop.dynamics.Dynamics;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationException;
import org.eqprop.kernels.FusedKernels;
import org.eqprop.interactions.DenseInteraction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The CUDA minimizer for chains of dense interactions: each phase (or a whole iteration, {@link #relaxIteration})
 * is one launch of the persistent kernel dense_relax.cu, one batch tile per thread block with its states in shared
 * memory for all steps, the same relaxation as {@link org.eqprop.dynamics.fused.FusedDenseRelaxation}
 * (s_{t+1} = σ(∂Φ/∂s − β∂C/∂s), Ernoult et al. 2019 eq. 2, or the Euler rule, thesis eq. 3.25). On
 * {@link CudaKernels.Target#HOST} it runs the kernels' host build (what the tests compare with the CPU engine).
 */
public final class CudaRelaxationEngine implements AcceleratedEngine {

    /** Shared memory a block may use without opting in on every CUDA GPU (48 KB). */
    private static final int SHARED_BYTES = 48 * 1024;
    /** Threads per block (EQP_THREADS). */
    private static final int THREADS = 256;

    private final CudaKernels kernels;
    private final int tile;
    private final int multiprocessors;

    /**
     * @param kernels where the kernels run
     * @param tile    examples per thread block (0: chosen from the batch, the GPU's SM count and shared memory)
     */
    public CudaRelaxationEngine(CudaKernels kernels, int tile) {
        if (tile < 0) {
            throw new IllegalArgumentException("tile must be >= 0 (0 = automatic), got " + tile);
        }
        this.kernels = kernels;
        this.tile = tile;
        this.multiprocessors = kernels.target() == CudaKernels.Target.GPU ? CudaRuntime.status().multiprocessors()
                : 1;
    }

    /**
     * Float32 dense chains of up to 8 layers with the fixed-point or Euler rule and a squared-error, softmax-readout
     * or held force, whose states (one example's three buffers and the readout logits) fit a thread block's 48 KB of
     * shared memory next to the drives' partial sums; a wider chain is not selected (it runs layered, resident).
     */
    @Override
    public boolean supports(EnergyChain chain, NudgingForce force, DataType dataType) {
        if (!(dataType == DataType.FLOAT && chain.isDense() && chain.isFlat() && chain.depth() <= 8
                && CudaKernels.knows(chain.activation())
                && (chain.dynamics().kind() == Dynamics.Kind.FIXED_POINT || chain.dynamics().kind() == Dynamics.Kind.EULER)
                && (force == null || force instanceof SquaredErrorForce || force instanceof SoftmaxReadoutForce
                || force instanceof HeldForce))) {
            return false;
        }
        long total = 0;
        for (int k = 0; k < chain.depth(); k++) {
            total += chain.width(k);
        }
        long classes = force instanceof SoftmaxReadoutForce f ? f.weights().size(1) : 0;
        return 3 * total + classes <= SHARED_BYTES / Float.BYTES - (long) chain.depth() * THREADS;
    }

    /**
     * The EqProp contrast on the kernels (contrast_grad.cu): for every dense layer k,
     * dW_k = scale · Σ_e (a_{k−1} a_kᵀ − b_{k−1} b_kᵀ) with a_0 = b_0 = x, and db_k = scale · Σ_e (a_k − b_k).
     */
    @Override
    public boolean writeContrastGradient(EnergyChain chain, INDArray x, INDArray[] a, INDArray[] b, double scale,
                                         INDArray[][] views) {
        if (!chain.isDense() || !chain.isFlat() || x.dataType() != DataType.FLOAT) {
            return false;
        }
        int batch = (int) x.size(0);
        float s = (float) scale;
        float[] xs = FusedKernels.floats(org.eqprop.layers.States.rows(x));
        for (int k = 0; k < chain.depth(); k++) {
            int nIn = k == 0 ? (int) (xs.length / batch) : chain.width(k - 1);
            int nOut = chain.width(k);
            float[] aLower = k == 0 ? xs : FusedKernels.floats(a[k - 1]);
            float[] bLower = k == 0 ? xs : FusedKernels.floats(b[k - 1]);
            float[] aUpper = FusedKernels.floats(a[k]);
            float[] bUpper = FusedKernels.floats(b[k]);
            float[] dw = kernels.denseContrast(batch, nIn, nOut, nIn, nOut, s, aLower, aUpper, bLower, bUpper);
            float[] db = kernels.channelContrast(batch, nOut, 1, nOut, s, aUpper, bUpper);
            views[k][0].assign(FusedKernels.array(dw, nIn, nOut).reshape(views[k][0].shape()));
            views[k][1].assign(FusedKernels.array(db, 1, nOut).reshape(views[k][1].shape()));
        }
        return true;
    }

    @Override
    public Equilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force,
                             double beta, RelaxationControl control) {
        DenseProblem p = problem(chain, inputDrive, start, force, control, new int[]{control.maxSteps()},
                new float[]{force == null ? 0f : (float) beta}, new int[]{-1});
        return equilibria(chain, p, control, control)[0];
    }

    /**
     * A whole EqProp iteration in one launch: the free phase from {@code start}, then the nudged phases with +β and
     * (symmetric) −β from the free phase's end, each tile never leaving the GPU's shared memory in between.
     * Returns {free, plus} or {free, plus, minus}.
     */
    public Equilibrium[] relaxIteration(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force,
                                        double beta, RelaxationControl free, RelaxationControl nudged,
                                        boolean symmetric) {
        if (free.alternating() != nudged.alternating()) {
            throw new IllegalArgumentException("the free and nudged phases of one launch share their layer order");
        }
        int[] steps = symmetric ? new int[]{free.maxSteps(), nudged.maxSteps(), nudged.maxSteps()}
                : new int[]{free.maxSteps(), nudged.maxSteps()};
        float[] betas = symmetric ? new float[]{0f, (float) beta, (float) -beta} : new float[]{0f, (float) beta};
        int[] from = symmetric ? new int[]{-1, 0, 0} : new int[]{-1, 0};
        if (free.tolerance() != nudged.tolerance()) {
            throw new IllegalArgumentException("the phases of one launch share their tolerance");
        }
        return equilibria(chain, problem(chain, inputDrive, start, force, free, steps, betas, from), free, nudged);
    }

    private DenseProblem problem(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force,
                                 RelaxationControl control, int[] steps, float[] betas, int[] from) {
        if (!supports(chain, force, DataType.FLOAT)) {
            throw new IllegalArgumentException("the CUDA engine runs float32 chains of up to 8 dense layers with the "
                    + "fixed-point or Euler rule and a squared-error, softmax-readout or held force; got "
                    + chain.dynamics().name() + " with " + (force == null ? "no force" : force.getClass().getSimpleName()));
        }
        int n = chain.depth();
        int batch = (int) inputDrive.size(0);
        int[] widths = new int[n];
        for (int k = 0; k < n; k++) {
            widths[k] = chain.width(k);
        }
        int total = java.util.Arrays.stream(widths).sum();
        float[] weights = packed(chain, true);
        float[] biases = packed(chain, false);
        float[] startPacked = new float[batch * total];
        int offset = 0;
        for (int k = 0; k < n; k++) {
            float[] s = FusedKernels.floats(start[k]);
            for (int e = 0; e < batch; e++) {
                System.arraycopy(s, e * widths[k], startPacked, e * total + offset, widths[k]);
            }
            offset += widths[k];
        }
        DenseProblem.Force kind = DenseProblem.Force.NONE;
        float scale = 1f;
        float[] labels = null;
        float[] readoutW = null;
        float[] readoutB = null;
        if (force instanceof SquaredErrorForce f) {
            kind = DenseProblem.Force.SQUARED;
            scale = (float) f.scale();
            labels = FusedKernels.floats(f.labels());
        } else if (force instanceof SoftmaxReadoutForce f) {
            kind = DenseProblem.Force.SOFTMAX;
            labels = FusedKernels.floats(f.labels());
            readoutW = FusedKernels.floats(f.weights());
            readoutB = FusedKernels.floats(f.bias());
        } else if (force instanceof HeldForce f) {
            kind = DenseProblem.Force.HELD;
            labels = FusedKernels.floats(f.epsilon());
        }
        boolean euler = chain.dynamics().kind() == Dynamics.Kind.EULER;
        float eps = euler ? (float) ((EulerDynamics) chain.dynamics()).epsilon() : 1f;
        return new DenseProblem(widths, weights, biases, FusedKernels.floats(inputDrive), startPacked, batch, kind,
                scale, labels, readoutW, readoutB, chain.activation().kind().ordinal(), euler,
                (float) chain.activation().leak(), eps, control.alternating(), (float) control.tolerance(), steps,
                betas, from);
    }

    /** W_2..W_N (or b_2..b_N) of the chain, packed. */
    private static float[] packed(EnergyChain chain, boolean weights) {
        int size = 0;
        float[][] parts = new float[chain.depth()][];
        for (int k = 1; k < chain.depth(); k++) {
            DenseInteraction d = (DenseInteraction) chain.interaction(k);
            parts[k] = FusedKernels.floats(weights ? d.weights() : d.bias());
            size += parts[k].length;
        }
        float[] out = new float[size];
        int at = 0;
        for (int k = 1; k < chain.depth(); k++) {
            System.arraycopy(parts[k], 0, out, at, parts[k].length);
            at += parts[k].length;
        }
        return out;
    }

    /**
     * Examples per block: the fixed tile, or enough blocks for every SM, within 48 KB of shared memory per block
     * (two state buffers, the readout logits and the drives' partial sums: dense_relax.cu, eqp_dense_shared_floats).
     */
    int tileFor(DenseProblem p) {
        int fits = (SHARED_BYTES / Float.BYTES - p.widths().length * THREADS) / perExampleFloats(p);
        if (fits < 1) {
            throw new IllegalArgumentException("one example's states (" + p.total() + " units) do not fit a thread "
                    + "block's 48 KB of shared memory");
        }
        if (tile > 0) {
            return Math.min(tile, Math.min(fits, p.batch()));
        }
        int spread = (p.batch() + multiprocessors - 1) / multiprocessors;
        return Math.max(1, Math.min(fits, Math.min(spread, p.batch())));
    }

    private static int perExampleFloats(DenseProblem p) {
        return 3 * p.total() + p.classes();
    }

    private Equilibrium[] equilibria(EnergyChain chain, DenseProblem p, RelaxationControl free,
                                     RelaxationControl nudged) {
        int t = tileFor(p);
        CudaKernels.DenseResult r = kernels.denseRelax(p, t);
        int n = chain.depth();
        int batch = p.batch();
        int total = p.total();
        Equilibrium[] out = new Equilibrium[r.states().length];
        for (int ph = 0; ph < out.length; ph++) {
            if (!Float.isFinite(r.residuals()[ph])) {
                throw new RelaxationException("the relaxation produced NaN or infinite states after "
                        + r.steps()[ph] + " steps: the weights or beta are too large for these dynamics (lower the "
                        + "learning rate or beta)");
            }
            INDArray[] states = new INDArray[n];
            int offset = 0;
            for (int k = 0; k < n; k++) {
                int w = chain.width(k);
                float[] s = new float[batch * w];
                for (int e = 0; e < batch; e++) {
                    System.arraycopy(r.states()[ph], e * total + offset, s, e * w, w);
                }
                states[k] = FusedKernels.array(s, batch, w);
                offset += w;
            }
            RelaxationControl c = ph == 0 ? free : nudged;
            boolean converged = !c.stopsEarly() || r.residuals()[ph] <= c.tolerance();
            out[ph] = new Equilibrium(states, r.steps()[ph], r.residuals()[ph], converged);
        }
        return out;
    }

    @Override
    public String name() {
        String base = kernels.target() == CudaKernels.Target.GPU ? "cuda" : "cuda-host-build";
        return kernels.precision() == Precision.FP32 ? base
                : base + "-" + kernels.precision().name().toLowerCase(java.util.Locale.ROOT);
    }
}
