package org.eqprop.dynamics.fused;

import org.eqprop.kernels.CorePool;
import org.eqprop.kernels.FusedKernels;
import org.eqprop.kernels.OnednnMatmul;
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
import java.util.function.Supplier;

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
        return relax(chain, inputDrive, start, null, force, beta, control);
    }

    /**
     * A phase from an equilibrium: when this engine left its states as feature-major slices of the same chain and
     * batch ({@link SliceStates}), the phase starts from those slices, and it reuses their feature-major input drive
     * when {@code inputDrive} is the same array; otherwise from {@code from.states()}.
     */
    @Override
    public Equilibrium relax(EnergyChain chain, INDArray inputDrive, Equilibrium from, NudgingForce force,
                             double beta, RelaxationControl control) {
        if (from.location() instanceof SliceStates held && held.fits(chain, (int) inputDrive.size(0))) {
            return relax(chain, inputDrive, null, held, force, beta, control);
        }
        return relax(chain, inputDrive, from.states(), null, force, beta, control);
    }

    /**
     * The free phase from zero states for the input x, with the input drive x W_1 + b_1 computed here: where oneDNN
     * runs, as one product on every core ({@link OnednnMatmul}, 0.6-0.75x the fallback's time on mnist-fc1);
     * else each core copies its batch slice of x feature-major (X, [nIn, slice]) and forms its slice of the drive as
     * b_1 + W_1ᵀ X ({@link FusedKernels#productTransposed}) right before it relaxes. The zero start is not copied;
     * {@code inputDrive} is not called.
     */
    @Override
    public Equilibrium relaxFree(EnergyChain chain, INDArray x, Supplier<INDArray> inputDrive,
                                 RelaxationControl control) {
        if (!chain.isDense() || x.rank() != 2 || x.dataType() != DataType.FLOAT
                || !(chain.interaction(0) instanceof DenseInteraction first)
                || first.weights().rank() != 2 || first.weights().size(0) != x.size(1)
                || first.weights().dataType() != DataType.FLOAT) {
            return RelaxationEngine.super.relaxFree(chain, x, inputDrive, control);
        }
        OnednnMatmul.Shape drives = new OnednnMatmul.Shape((int) x.size(0), chain.width(0), (int) x.size(1), false,
                false, true, false);
        if (OnednnMatmul.runs(drives, x, first.weights(), first.bias(), null)) {
            // the drive x W_1 + b_1 as one oneDNN product on every core ([batch, width_1] rows), then relaxed
            INDArray drive = Nd4j.createUninitialized(DataType.FLOAT, x.size(0), chain.width(0));
            try {
                OnednnMatmul.multiply(drives, x, first.weights(), first.bias(), drive);
                return phase(chain, (int) x.size(0), null, drive, null, null, false, null, null, 0, control);
            } finally {
                if (drive.closeable()) { // not in a workspace: the phase copied it, its native buffer goes now
                    drive.close();
                }
            }
        }
        // the copies of x and W_1 live only while this phase runs: this thread's working arrays serve again
        Input input = new Input(FusedKernels.floats(x, scratch(0, x.length())), (int) x.size(1),
                FusedKernels.floats(first.weights(), scratch(1, first.weights().length())));
        return phase(chain, (int) x.size(0), null, null, input, null, false, null, null, 0, control);
    }

    /**
     * A phase from an equilibrium of the same input: from the feature-major slices this engine left, with their
     * input drive, without asking for {@code inputDrive}; otherwise as {@link #relax(EnergyChain, INDArray,
     * Equilibrium, NudgingForce, double, RelaxationControl)}.
     */
    @Override
    public Equilibrium relaxSameInput(EnergyChain chain, Supplier<INDArray> inputDrive, Equilibrium from,
                                      NudgingForce force, double beta, RelaxationControl control) {
        if (from.location() instanceof SliceStates held && held.fits(chain, held.batch())) {
            return phase(chain, held.batch(), held.inputDrive(), null, null, held, true, null, force, beta, control);
        }
        return relax(chain, inputDrive.get(), from, force, beta, control);
    }

    private Equilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, SliceStates held,
                              NudgingForce force, double beta, RelaxationControl control) {
        // the feature-major drive W_1 x + b_1 of the held slices serves again when it is that of this input drive
        boolean sameDrive = held != null && held.inputDrive() == inputDrive;
        return phase(chain, (int) inputDrive.size(0), inputDrive, sameDrive ? null : inputDrive, null, held,
                sameDrive, start, force, beta, control);
    }

    /**
     * One phase. The start: the slices of {@code prior} when given (copied), else the rows {@code start}, else zero.
     * The drive W_1 x + b_1: that of prior's slices when {@code sameDrive}, else computed from {@code input} per
     * slice, else the rows {@code driveArray} ([batch, width_1]).
     *
     * @param identity the ND4J drive array the returned slices say they were driven by (null when made here), for
     *                 {@link #relax(EnergyChain, INDArray, Equilibrium, NudgingForce, double, RelaxationControl)}
     */
    private Equilibrium phase(EnergyChain chain, int batch, INDArray identity, INDArray driveArray, Input input,
                              SliceStates prior, boolean sameDrive, INDArray[] start, NudgingForce force, double beta,
                              RelaxationControl control) {
        if (!chain.isDense()) {
            throw new IllegalArgumentException("the fused dense engine runs chains of dense interactions only");
        }
        int n = chain.depth();
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
        Model model = new Model(chain, widths, w, wT, bias, driveArray == null ? null : FusedKernels.floats(driveArray),
                input, force == null ? null : force.fused(), (float) beta, control);
        float[][] startF = null;
        if (prior == null && start != null) {
            startF = new float[n][];
            for (int k = 0; k < n; k++) {
                startF[k] = FusedKernels.floats(start[k]);
            }
        }

        int[] bounds = prior != null ? prior.bounds() : CorePool.split(batch, MIN_SLICE);
        List<Callable<Slice>> tasks = new ArrayList<>();
        for (int i = 0; i + 1 < bounds.length; i++) {
            final int lo = bounds[i];
            final int hi = bounds[i + 1];
            final float[][] startRows = startF;
            final Slice from = prior == null ? null : prior.slices()[i];
            tasks.add(() -> model.relaxSlice(startRows, from, sameDrive, lo, hi - lo));
        }
        Slice[] slices = CorePool.runAll(tasks).toArray(new Slice[0]);
        int steps = 0;
        double residual = 0;
        boolean converged = true;
        for (Slice r : slices) {
            steps = Math.max(steps, r.steps);
            residual = Math.max(residual, r.residual);
            converged &= r.converged;
            if (Float.isNaN(r.residual)) {
                residual = Double.NaN;
            }
        }
        if (!Double.isFinite(residual)) {
            throw new RelaxationException(org.eqprop.dynamics.Phases.nonFinite(steps, chain));
        }
        SliceStates states = new SliceStates(chain, identity, batch, widths, bounds, slices);
        return Equilibrium.resident(states::toRows, states.rows(n - 1), states, steps, residual, converged);
    }

    /**
     * scale · (∂Φ/∂θ(a) − ∂Φ/∂θ(b)) (thesis eq. 5.22) straight from the feature-major slices of two equilibria this
     * engine made for the same input: with the states S_k as [width_k, batch] arrays, ∂Φ/∂W_1 contrast = xᵀ (S_1^a −
     * S_1^b)ᵀ, ∂Φ/∂W_k contrast = S_{k−1}^a (S_k^a)ᵀ − S_{k−1}^b (S_k^b)ᵀ (one dot product over the examples per
     * weight, {@link FusedKernels#contrastProducts}) and
     * ∂Φ/∂b_k contrast = Σ_batch (S_k^a − S_k^b). Other equilibria go through their host states.
     */
    @Override
    public boolean writeContrastGradient(EnergyChain chain, INDArray x, Equilibrium a, Equilibrium b, double scale,
                                         INDArray[][] views) {
        if (!(a.location() instanceof SliceStates sa) || !(b.location() instanceof SliceStates sb)
                || x.rank() != 2 || !sa.fits(chain, (int) x.size(0)) || !sb.fits(chain, (int) x.size(0))
                || !java.util.Arrays.equals(sa.bounds(), sb.bounds()) || x.dataType() != DataType.FLOAT
                || !twoFloatViews(views)) {
            return writeContrastGradient(chain, x, a.states(), b.states(), scale, views);
        }
        int n = chain.depth();
        int batch = sa.batch();
        int[] widths = sa.widths();
        for (int k = 0; k < n; k++) {
            INDArray gW = views[k][0];
            INDArray gb = views[k][1];
            float[] bSum = new float[widths[k]];
            if (k == 0) {
                // xᵀ (scale · (S_1^a − S_1^b))ᵀ: oneDNN on every core reads x and the scaled differences
                // [width_1, batch] in place and writes DL4J's gradient view; else BLAS split over the cores
                float[] diff = new float[widths[0] * batch];
                for (int i = 0; i < sa.slices().length; i++) {
                    addStateContrast(sa.slices()[i], sb.slices()[i], 0, widths[0], bSum, diff, (float) scale, batch);
                }
                INDArray d = FusedKernels.array(diff, widths[0], batch);
                OnednnMatmul.Shape contrast = new OnednnMatmul.Shape((int) x.size(1), widths[0], batch, true, true,
                        false, false);
                try {
                    if (OnednnMatmul.runs(contrast, x, d, null, gW)) {
                        OnednnMatmul.multiply(contrast, x, d, null, gW);
                    } else {
                        org.eqprop.kernels.ParallelGemm.gemm(x, d, gW, true, true, 1.0, 0.0);
                    }
                } finally {
                    if (d.closeable()) {
                        d.close();
                    }
                }
            } else {
                // a dot product over the slices' examples per weight, no copy: [width_{k−1}] × [width_k] is small
                int wl = widths[k - 1];
                int wu = widths[k];
                float[] g = new float[wl * wu];
                for (int i = 0; i < sa.slices().length; i++) {
                    Slice pa = sa.slices()[i];
                    Slice pb = sb.slices()[i];
                    FusedKernels.contrastProducts(g, pa.s()[k - 1], pa.s()[k], pb.s()[k - 1], pb.s()[k], wl, wu,
                            pa.nb(), pa.stride());
                    addStateContrast(pa, pb, k, wu, bSum, null, 1f, batch);
                }
                for (int e = 0; e < g.length; e++) {
                    g[e] *= (float) scale;
                }
                FusedKernels.write(gW, g);
            }
            for (int j = 0; j < widths[k]; j++) {
                bSum[j] *= (float) scale;
            }
            FusedKernels.write(gb, bSum);
        }
        return true;
    }

    /**
     * bSum[j] += Σ over slice a's examples of (S_k^a − S_k^b)[j] (the bias contrast ∂Φ/∂b_k), and with {@code diff}
     * ([width, batch] row-major) those differences times {@code diffScale} written into the slice's columns of it.
     */
    private static void addStateContrast(Slice pa, Slice pb, int k, int width, float[] bSum, float[] diff,
                                         float diffScale, int batch) {
        for (int j = 0; j < width; j++) {
            int src = j * pa.stride();
            int dst = j * batch + pa.offset();
            float sum = 0f;
            for (int e = 0; e < pa.nb(); e++) {
                float d = pa.s()[k][src + e] - pb.s()[k][src + e];
                if (diff != null) {
                    diff[dst + e] = d * diffScale;
                }
                sum += d;
            }
            bSum[j] += sum;
        }
    }

    private static boolean twoFloatViews(INDArray[][] views) {
        for (INDArray[] v : views) {
            if (v.length != 2 || v[0].dataType() != DataType.FLOAT || v[1].dataType() != DataType.FLOAT) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String name() {
        return "fused-cpu";
    }

    /**
     * Each thread's working arrays that no equilibrium keeps (the copies of x and W_1 while a phase runs, a slice's
     * feature-major X while its drive is formed), by slot, reused from phase to phase instead of allocated (and
     * zeroed) anew: at least {@code length} floats, with whatever an earlier phase left in them.
     */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][]);

    private static float[] scratch(int slot, long length) {
        float[][] arrays = SCRATCH.get();
        if (arrays[slot] == null || arrays[slot].length < length) {
            arrays[slot] = new float[Math.toIntExact(length)];
        }
        return arrays[slot];
    }

    /**
     * One batch slice at the end of a phase: its states s_k as feature-major [width_k][stride] arrays (examples
     * {@code offset .. offset + nb − 1}, zero padding up to the stride) and its input drive W_1 x + b_1 the same way.
     */
    private record Slice(int offset, int nb, int stride, float[][] s, float[] drive, int steps, float residual,
                         boolean converged) {
    }

    /**
     * The states of a phase as this engine leaves them (an {@link Equilibrium#location}): one feature-major
     * {@link Slice} per core. A nudged phase from them starts without a copy through ND4J arrays; the host rows are
     * made only when someone asks for the equilibrium's states. {@code inputDrive} is the host drive array the
     * slices' drive was copied from (null when the engine formed it from the input).
     */
    private record SliceStates(EnergyChain chain, INDArray inputDrive, int batch, int[] widths, int[] bounds,
                               Slice[] slices) {

        boolean fits(EnergyChain c, int b) {
            if (c.depth() != widths.length || b != batch) {
                return false;
            }
            for (int k = 0; k < widths.length; k++) {
                if (c.width(k) != widths[k]) {
                    return false;
                }
            }
            return true;
        }

        /** s_k as an example-major [batch, width_k] array. */
        INDArray rows(int k) {
            float[] out = new float[batch * widths[k]];
            for (Slice sl : slices) {
                FusedKernels.fromFeatureMajor(sl.s()[k], widths[k], sl.offset(), sl.nb(), out, sl.stride());
            }
            return FusedKernels.array(out, batch, widths[k]);
        }

        INDArray[] toRows() {
            INDArray[] states = new INDArray[widths.length];
            for (int k = 0; k < states.length; k++) {
                states[k] = rows(k);
            }
            return states;
        }

        @Override
        public String toString() {
            return "fused-cpu feature-major slices";
        }
    }

    /** The input as example-major rows x [batch, width], with W_1 as DL4J stores it, [width, width_1]. */
    private record Input(float[] x, int width, float[] w1) {
    }

    /** The float copy of one phase's system, shared read-only by the slices. */
    private record Model(EnergyChain chain, int[] widths, float[][] w, float[][] wT, float[][] bias,
                         float[] inputDrive, Input input, FusedForce force, float beta, RelaxationControl control) {

        /**
         * Relaxes one slice from the example-major start rows, or from the slice {@code prior} a phase before left
         * (its states are copied, not changed; its drive is reused when {@code sameDrive}), or from zero when
         * neither is given.
         */
        Slice relaxSlice(float[][] start, Slice prior, boolean sameDrive, int offset, int nb) {
            int n = widths.length;
            int lanes = FusedKernels.lanes();
            int stride = (nb + lanes - 1) / lanes * lanes;
            float[][] s = new float[n][];
            float[][] u = new float[n][];
            float[][] rowBias = new float[n][];
            for (int k = 0; k < n; k++) {
                u[k] = new float[widths[k] * stride];
                if (prior != null) {
                    s[k] = prior.s()[k].clone();
                } else if (start == null) {
                    s[k] = new float[widths[k] * stride];
                } else {
                    s[k] = new float[widths[k] * stride];
                    FusedKernels.toFeatureMajor(start[k], widths[k], offset, nb, s[k], stride);
                }
                // the constant part of each drive: W_1 x + b_1 for the first layer, b_k above
                if (k == 0) {
                    if (sameDrive) {
                        rowBias[0] = prior.drive();
                    } else if (input != null) {
                        rowBias[0] = driveFromInput(offset, nb, stride);
                    } else {
                        rowBias[0] = new float[widths[0] * stride];
                        FusedKernels.toFeatureMajor(inputDrive, widths[0], offset, nb, rowBias[0], stride);
                    }
                } else {
                    rowBias[k] = new float[widths[k] * stride];
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
            return new Slice(offset, nb, stride, s, rowBias[0], t, residual, converged);
        }

        /**
         * The feature-major input drive of examples offset .. offset + nb − 1: b_1 in every column, plus W_1ᵀ X with
         * X the slice of x made feature-major ([width, stride], zero padding, so the padding columns stay zero).
         */
        private float[] driveFromInput(int offset, int nb, int stride) {
            int width = input.width();
            float[] xs = scratch(2, width * stride);
            FusedKernels.toFeatureMajor(input.x(), width, offset, nb, xs, stride);
            FusedKernels.zeroPadding(xs, width, nb, stride);
            float[] drive = new float[widths[0] * stride];
            for (int j = 0; j < widths[0]; j++) {
                java.util.Arrays.fill(drive, j * stride, j * stride + nb, bias[0][j]);
            }
            FusedKernels.productTransposed(drive, drive, input.w1(), xs, widths[0], width, stride);
            return drive;
        }
    }
}
