package org.eqprop.interactions;

import org.eqprop.kernels.CorePool;
import org.eqprop.kernels.FusedKernels;
import org.eqprop.kernels.Onednn;
import org.eqprop.kernels.ParallelGemm;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * Convolutional interaction with pooling (Ernoult et al. 2019; Laborieux et al. 2021; Scellier thesis §5.2.2):
 * <pre>
 *   Φ_conv = h_k • (P(w_k ⋆ h_{k−1}) + b_k),
 *   ∂Φ/∂h_k = P(w_k ⋆ h_{k−1}) + b_k,              ∂Φ/∂h_{k−1} = w_k ⋆ᵀ P⁻¹(h_k)          (thesis eq. 5.13),
 *   ∂Φ/∂w_k = h_{k−1} ⋆ P⁻¹(h_k),                   ∂Φ/∂b_k = Σ_{batch, positions} h_k,
 * </pre>
 * with ⋆ a 2D cross-correlation (kernel, stride, zero padding), ⋆ᵀ its transpose (the transpose convolution) and P
 * a non-overlapping max or average pooling (or none). P⁻¹ is P's transpose: max-pooling sends each h_k value back to
 * the position that won its window in w_k ⋆ h_{k−1} (the first one on ties), average pooling spreads it evenly.
 * Feature maps are NCHW, weights [out, in, kH, kW] and bias [1, out] as in DL4J's ConvolutionLayer. A convolution is
 * an im2col gather ({@link ConvGeometry}) and one matrix product over the whole batch, in float or double; float32
 * convolutions w ⋆ h and w ⋆ᵀ g run through oneDNN where it loads ({@link OnednnConvolution}, optionally with bf16
 * operands: {@link ConvolutionPrecision}), and a float32 3×3 stride-1 convolution (and its transpose) can instead run
 * as Winograd's F(2×2, 3×3) ({@link WinogradConvolution}, 2.25x fewer multiplies): see {@link Algorithm}. The weight
 * gradient h ⋆ g runs through oneDNN in float32 (whatever the operand precision) where the convolutions do, else as
 * im2col products.
 */
public final class ConvPoolInteraction implements Interaction {

    /** Pooling after the convolution. */
    public enum Pooling { MAX, AVG, NONE }

    /**
     * How the convolutions w ⋆ h and w ⋆ᵀ g run: {@code IM2COL} (gather + one product, any type and shape),
     * {@code WINOGRAD} (F(2×2, 3×3): float32 3×3 kernels, stride 1, padding ≤ 2; float64 states still use im2col),
     * {@code ONEDNN} (oneDNN's direct convolutions, float32 states; float64 states use im2col, and so does every
     * state, with one log line, where oneDNN does not load or {@code -Deqprop.onednn=false}) or {@code AUTO} (oneDNN
     * where it loads and the states are float32, else im2col; 3×3 stride-1 layers with at least 64 channels in and
     * out and outputs of at least 8×8 run oneDNN's own Winograd algorithm, F(4×4, 3×3), a fixed rule so that runs
     * replay exactly: on the 2-core development machine that halves the cifar10-laborieux step, docs/performance.md.
     * This project's F(2×2, 3×3) costs in its transforms about what it saves, so it is opt-in).
     */
    public enum Algorithm {
        AUTO, IM2COL, WINOGRAD, ONEDNN;

        /** auto, im2col, winograd or onednn (case-insensitive). */
        public static Algorithm parse(String name) {
            String n = name == null ? "" : name.trim().toUpperCase(java.util.Locale.ROOT);
            for (Algorithm a : values()) {
                if (a.name().equals(n)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("convolution algorithm must be auto, im2col, winograd or onednn, got '"
                    + name + "'");
        }
    }

    private final INDArray weights;
    private final INDArray bias;
    private final int stride;
    private final int padding;
    private final Pooling pooling;
    private final int pool;
    /** Geometries (and their index maps) are shared by every interaction of the same shape, across iterations. */
    private static final java.util.Map<java.util.List<Integer>, ConvGeometry> GEOMETRIES =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The max-pooling switches of the last lower state seen by an upward drive, with a fingerprint of its values:
     * in the alternating order the next feedback from this interaction reads the same, unchanged lower state.
     */
    private record Switches(INDArray lower, double fingerprint, Pooled pooled) {
    }

    private volatile Switches lastSwitches;

    private final Algorithm algorithm;

    /** The Winograd form of the weights it was built from (their fingerprint): rebuilt when they change. */
    private record Transformed(double fingerprint, WinogradConvolution convolution) {
    }

    private volatile Transformed transformed;

    private final ConvolutionPrecision precision;

    /** The convolutions run so far in this process, by library and operand type ({@link #convolutionCounts()}). */
    private static final java.util.Map<String, java.util.concurrent.atomic.LongAdder> RUNS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED_ONEDNN =
            new java.util.concurrent.atomic.AtomicBoolean();
    private static final java.util.concurrent.atomic.AtomicBoolean WARNED_BF16 =
            new java.util.concurrent.atomic.AtomicBoolean();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConvPoolInteraction.class);

    /**
     * @param weights w [out, in, kH, kW]
     * @param bias    b [1, out]
     * @param stride  convolution stride (both directions)
     * @param padding zero padding (both directions)
     * @param pooling pooling kind
     * @param pool    pooling window = stride (non-overlapping), ignored for NONE
     */
    public ConvPoolInteraction(INDArray weights, INDArray bias, int stride, int padding, Pooling pooling, int pool) {
        this(weights, bias, stride, padding, pooling, pool, Algorithm.AUTO);
    }

    /** As above, with the convolution {@link Algorithm}. */
    public ConvPoolInteraction(INDArray weights, INDArray bias, int stride, int padding, Pooling pooling, int pool,
                               Algorithm algorithm) {
        this(weights, bias, stride, padding, pooling, pool, algorithm, ConvolutionPrecision.FP32);
    }

    /**
     * As above, with the operand precision of the oneDNN convolutions ({@code BF16}: bf16 operands where oneDNN runs
     * with AMX, or AVX512_BF16 on an AMD CPU, else float32 with one warning).
     */
    public ConvPoolInteraction(INDArray weights, INDArray bias, int stride, int padding, Pooling pooling, int pool,
                               Algorithm algorithm, ConvolutionPrecision precision) {
        if (weights.rank() != 4) {
            throw new IllegalArgumentException("conv weights must be [out, in, kH, kW], got rank " + weights.rank());
        }
        if (stride < 1 || padding < 0 || (pooling != Pooling.NONE && pool < 1)) {
            throw new IllegalArgumentException("need stride >= 1, padding >= 0, pool >= 1; got " + stride + ", "
                    + padding + ", " + pool);
        }
        this.weights = weights;
        this.bias = bias;
        this.stride = stride;
        this.padding = padding;
        this.pooling = pooling;
        this.pool = pooling == Pooling.NONE ? 1 : pool;
        this.algorithm = java.util.Objects.requireNonNull(algorithm, "algorithm");
        this.precision = java.util.Objects.requireNonNull(precision, "precision");
        if (algorithm == Algorithm.WINOGRAD && !WinogradConvolution.applies(DataType.FLOAT, weights.size(2),
                weights.size(3), stride, padding)) {
            throw new IllegalArgumentException("the winograd convolution needs a 3x3 kernel, stride 1 and padding <= 2;"
                    + " got " + weights.size(2) + "x" + weights.size(3) + ", stride " + stride + ", padding "
                    + padding);
        }
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public ConvolutionPrecision precision() {
        return precision;
    }

    /**
     * True when oneDNN loaded here and is not turned off ({@code -Deqprop.onednn=false}): {@code AUTO} and
     * {@code ONEDNN} then run float32 convolutions through it. A library that does not load is logged once.
     */
    public static boolean onednnAvailable() {
        if (!Onednn.enabled()) {
            return false;
        }
        String problem = Onednn.loadProblem();
        if (problem != null && WARNED_ONEDNN.compareAndSet(false, true)) {
            LOG.warn("oneDNN did not load ({}): convolutions run as im2col products", problem);
        }
        return problem == null;
    }

    /**
     * True when bf16 convolution operands run here: oneDNN available where they pay ({@link Onednn#bf16()}: AMX, or
     * AVX512_BF16 on an AMD CPU).
     */
    public static boolean bf16Available() {
        return onednnAvailable() && Onednn.bf16();
    }

    /**
     * Best GFLOP/s of an n×n×n oneDNN matrix product with bf16 operands and float32 accumulation and output, measured
     * now on every core: the peak of the products that {@code BF16} convolutions run in. NaN where bf16
     * operands cannot run ({@link #bf16Available()} false).
     */
    public static double bf16PeakGflops(int n) {
        return bf16Available() ? org.eqprop.kernels.OnednnMatmul.bf16Gflops(n, 5) : Double.NaN;
    }

    /**
     * The convolutions run in this process since the last reset, by what ran them: forward and transpose ones as
     * {@code onednn-fp32}, {@code onednn-fp32-winograd} (oneDNN's Winograd algorithm), {@code onednn-bf16},
     * {@code im2col}, {@code winograd} (this project's F(2×2, 3×3), float32) or {@code im2col-fp64},
     * weight gradients as {@code onednn-fp32-weights}, {@code im2col-weights} or {@code im2col-fp64-weights}.
     */
    public static java.util.Map<String, Long> convolutionCounts() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        RUNS.forEach((k, v) -> m.put(k, v.sum()));
        m.values().removeIf(v -> v == 0);
        return m;
    }

    /** Starts {@link #convolutionCounts()} over. */
    public static void resetConvolutionCounts() {
        RUNS.values().forEach(java.util.concurrent.atomic.LongAdder::reset);
    }

    private static void count(String what) {
        RUNS.computeIfAbsent(what, k -> new java.util.concurrent.atomic.LongAdder()).increment();
    }

    public INDArray weights() {
        return weights;
    }

    public INDArray bias() {
        return bias;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    public Pooling pooling() {
        return pooling;
    }

    /** The pooling window (1 without pooling). */
    public int pool() {
        return pool;
    }

    /** The convolution's output size along one axis for an input of size {@code in}. */
    public static long convolvedSize(long in, int kernel, int stride, int padding) {
        return (in + 2L * padding - kernel) / stride + 1;
    }

    // ---- Interaction ----------------------------------------------------------------------------------------

    @Override
    public void addUpwardDrive(INDArray lower, INDArray upperDrive) {
        upperDrive.addi(pooledConvolution(lower).pooled());
        addBias(upperDrive);
    }

    @Override
    public void addDownwardDrive(INDArray lower, INDArray upper, INDArray lowerDrive) {
        Pooled switches = switches(lower);
        addTransposeConvolution(geometry(lower), routed(upper, switches), lowerDrive, kernels());
    }

    /**
     * Both drives from one convolution of the lower state (its max-pooling switches serve the feedback too). For
     * float32 max pooling, P(w ⋆ h) + b is added into the upper drive and Pᵀ(s_upper) formed in one parallel pass
     * each over native memory ({@link #addMaxPooled}, {@link #routed(INDArray, int[], long[])}); the switches are
     * not remembered for a later call (in the synchronous order none reads this lower state again).
     */
    @Override
    public void addDrives(INDArray lower, INDArray upper, INDArray lowerDrive, INDArray upperDrive) {
        OnednnConvolution.Kernels k = kernels(); // one identity of the kernels for both directions
        if (pooling == Pooling.MAX && lower.dataType() == DataType.FLOAT && upper.dataType() == DataType.FLOAT
                && upperDrive.dataType() == DataType.FLOAT && Onednn.dense(upperDrive)) {
            INDArray z = convolve(lower, k);
            int[] winners = winnerScratch((int) upperDrive.length());
            addMaxPooled(z, upperDrive, winners);
            addTransposeConvolution(geometry(lower), routed(upper, winners, z.shape()), lowerDrive, k);
            return;
        }
        Pooled p = pooledConvolution(lower, k);
        upperDrive.addi(p.pooled());
        addBias(upperDrive);
        addTransposeConvolution(geometry(lower), routed(upper, p), lowerDrive, k);
    }

    private void addBias(INDArray drive) {
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp(drive,
                bias.castTo(drive.dataType()).reshape(bias.length()), drive, 1));
    }

    @Override
    public void addUpwardVjp(INDArray lower, INDArray deltaUpper, INDArray lowerGrad) {
        addDownwardDrive(lower, deltaUpper, lowerGrad);
    }

    /** upperGrad += P_sel(w ⋆ δ_lower), the pooling switches taken from the lower state (they do not move a.e.). */
    @Override
    public void addDownwardVjp(INDArray lower, INDArray deltaLower, INDArray upperGrad) {
        Pooled switches = switches(lower);
        upperGrad.addi(select(convolve(deltaLower), switches));
    }

    @Override
    public void addParameterVjp(INDArray lower, INDArray upper, INDArray deltaLower, INDArray deltaUpper,
                                double scale, INDArray[] views) {
        Pooled switches = switches(lower);
        INDArray gw = weightProduct(lower, routed(deltaUpper, switches));
        if (deltaLower != null) {
            gw.addi(weightProduct(deltaLower, routed(upper, switches)));
        }
        views[0].addi(gw.muli(scale));
        views[1].addi(deltaUpper.sum(0, 2, 3).reshape(1, deltaUpper.size(1)).muli(scale));
    }

    @Override
    public void writeContrastGradient(INDArray lowerA, INDArray upperA, INDArray lowerB, INDArray upperB,
                                      double scale, INDArray[] gradientViews) {
        INDArray gw = weightProduct(lowerA, routed(upperA, switches(lowerA)));
        gw.subi(weightProduct(lowerB, routed(upperB, switches(lowerB))));
        gradientViews[0].assign(gw.muli(scale));
        INDArray diff = upperA.sub(upperB);
        gradientViews[1].assign(diff.sum(0, 2, 3).reshape(1, diff.size(1)).muli(scale));
    }

    @Override
    public boolean isBilinear() {
        return pooling != Pooling.MAX;
    }

    @Override
    public double primitiveFunction(INDArray lower, INDArray upper) {
        INDArray drive = Nd4j.zeros(upper.dataType(), upper.shape());
        addUpwardDrive(lower, drive);
        return drive.muli(upper).sumNumber().doubleValue();
    }

    @Override
    public INDArray[] parameters() {
        return new INDArray[]{weights, bias};
    }

    @Override
    public ConvPoolInteraction copy() {
        return new ConvPoolInteraction(weights.dup(), bias.dup(), stride, padding, pooling, pool, algorithm,
                precision);
    }

    // ---- convolution ----------------------------------------------------------------------------------------

    private ConvGeometry geometry(INDArray h) {
        if (h.dataType() != DataType.FLOAT && h.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("convolutional states must be float32 or float64, got "
                    + h.dataType());
        }
        List<Integer> key = List.of((int) h.size(1), (int) h.size(2), (int) h.size(3), (int) weights.size(2),
                (int) weights.size(3), stride, padding);
        return GEOMETRIES.computeIfAbsent(key, k -> new ConvGeometry(k.get(0), k.get(1), k.get(2), k.get(3), k.get(4),
                k.get(5), k.get(6)));
    }

    /** P(w ⋆ lower), remembering its switches for a feedback on the same lower state. */
    private Pooled pooledConvolution(INDArray lower) {
        return pooledConvolution(lower, kernels());
    }

    private Pooled pooledConvolution(INDArray lower, OnednnConvolution.Kernels kernels) {
        Pooled p = pool(convolve(lower, kernels));
        if (pooling == Pooling.MAX) {
            lastSwitches = new Switches(lower, fingerprint(lower), p);
        }
        return p;
    }

    /** The max-pooling switches at this lower state: remembered if its values are unchanged, else recomputed. */
    private Pooled switches(INDArray lower) {
        if (pooling != Pooling.MAX) {
            return null;
        }
        Switches last = lastSwitches;
        if (last != null && last.lower() == lower && !lower.wasClosed() && last.fingerprint() == fingerprint(lower)) {
            return last.pooled();
        }
        return pooledConvolution(lower);
    }

    /**
     * The Winograd form of the current weights when the algorithm and the lower state h (data type, channels) call
     * for it, else null. The transformed kernels are rebuilt whenever the weights' fingerprint changes (a parameter
     * update between iterations, or a perturbation in a finite-difference check).
     */
    private WinogradConvolution winograd(INDArray h) {
        if (algorithm != Algorithm.WINOGRAD || h.size(1) != weights.size(1)
                || !WinogradConvolution.applies(h.dataType(), weights.size(2), weights.size(3), stride, padding)) {
            return null;
        }
        double fp = fingerprint(weights);
        Transformed t = transformed;
        if (t == null || t.fingerprint() != fp) {
            t = new Transformed(fp, new WinogradConvolution(FusedKernels.floats(weights), (int) weights.size(0),
                    (int) weights.size(1)));
            transformed = t;
        }
        return t.convolution();
    }

    /**
     * The oneDNN convolution for the lower-shaped map h when the algorithm, h's type (float32) and the library call
     * for it, else null; its operands in bf16 when asked for and they pay here ({@link Onednn#bf16()}).
     */
    private OnednnConvolution.Key onednn(INDArray h) {
        if ((algorithm != Algorithm.AUTO && algorithm != Algorithm.ONEDNN) || h.dataType() != DataType.FLOAT
                || h.size(1) != weights.size(1) || !onednnAvailable()) {
            return null;
        }
        boolean bf16 = precision == ConvolutionPrecision.BF16;
        if (bf16 && !Onednn.bf16()) {
            if (WARNED_BF16.compareAndSet(false, true)) {
                LOG.warn("bf16 convolution operands pay on CPUs with AMX, or with AVX512_BF16 from AMD (here: oneDNN's "
                        + "effective ISA {}, vendor {}): the convolutions run in float32", Onednn.isaName(),
                        Onednn.CPU_VENDOR.isEmpty() ? "unknown" : Onednn.CPU_VENDOR);
            }
            bf16 = false;
        }
        // AUTO also runs oneDNN's Winograd algorithm where its rule says it pays (ONEDNN: the direct algorithm only)
        OnednnConvolution.Key key = new OnednnConvolution.Key((int) h.size(0), (int) h.size(1), (int) h.size(2),
                (int) h.size(3), (int) weights.size(0), (int) weights.size(2), (int) weights.size(3), stride, padding,
                bf16, algorithm == Algorithm.AUTO);
        return OnednnConvolution.supports(key) ? key : null;
    }

    /**
     * The kernels for oneDNN ({@link OnednnConvolution.Kernels}: an identity standing for their current values, and a
     * dense float32 copy made when oneDNN must reorder them): the one made when the parameters were held, while they
     * are, else a new one for each call.
     */
    private OnednnConvolution.Kernels kernels() {
        OnednnConvolution.Kernels held = heldKernels;
        return held != null ? held : newKernels();
    }

    private OnednnConvolution.Kernels newKernels() {
        return new OnednnConvolution.Kernels(() -> {
            if (weights.dataType() == DataType.FLOAT && Onednn.dense(weights)) {
                return weights;
            }
            return ScratchArrays.get("kernel4", DataType.FLOAT, weights.shape()).assign(weights);
        });
    }

    /** Open {@link #holdParameters()} handles, and the kernels' identity while there are some. */
    private int holds;
    private volatile OnednnConvolution.Kernels heldKernels;

    /**
     * θ fixed until the handle is closed: every convolution meanwhile uses one {@link OnednnConvolution.Kernels}, so
     * that oneDNN reorders the kernels once per direction and phase rather than once per step (and never fingerprints
     * them). Closing the last handle drops it: later calls make a new one each, so a change to the weights between
     * phases is always seen.
     */
    @Override
    public synchronized Held holdParameters() {
        if (holds++ == 0) {
            heldKernels = newKernels();
        }
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
        return () -> {
            if (open.compareAndSet(true, false)) {
                release();
            }
        };
    }

    private synchronized void release() {
        if (--holds == 0) {
            heldKernels = null;
        }
    }

    private static double fingerprint(INDArray a) {
        return a.sumNumber().doubleValue() + 31 * a.norm2Number().doubleValue();
    }

    /**
     * w as the matrix [out, in·kH·kW], copied into this thread's work array (row slices of a reshaped parameter view
     * deep in the network's flat parameter array come back empty from ND4J 1.0.0-M2.1's get()).
     */
    private INDArray kernelMatrix(DataType dataType) {
        INDArray k = ScratchArrays.get("kernel", dataType, weights.size(0), weights.length() / weights.size(0));
        k.reshape('c', weights.shape()).assign(weights);
        return k;
    }

    /**
     * w ⋆ h: [batch, out, oH, oW], in this thread's work array (valid until its next convolution: every caller pools
     * or adds it at once).
     */
    INDArray convolve(INDArray h) {
        return convolve(h, kernels());
    }

    private INDArray convolve(INDArray h, OnednnConvolution.Kernels kernels) {
        OnednnConvolution.Key onednn = onednn(h);
        if (onednn != null) {
            INDArray z = ScratchArrays.get("convolution", DataType.FLOAT, h.size(0), weights.size(0),
                    onednn.outHeight(), onednn.outWidth());
            count(OnednnConvolution.forward(onednn, Onednn.dense(h) ? h : h.dup('c'), kernels, z).label());
            return z;
        }
        WinogradConvolution winograd = winograd(h);
        if (winograd != null) {
            count("winograd");
            int n = (int) h.size(0);
            int oh = (int) h.size(2) + 2 * padding - 2;
            int ow = (int) h.size(3) + 2 * padding - 2;
            INDArray z = ScratchArrays.get("convolution", DataType.FLOAT, n, weights.size(0), oh, ow);
            z.data().asNioFloat().put(0, winograd.convolve(FusedKernels.floats(h), n, (int) h.size(2),
                    (int) h.size(3), padding));
            return z;
        }
        count(h.dataType() == DataType.FLOAT ? "im2col" : "im2col-fp64");
        ConvGeometry g = geometry(h);
        INDArray cols = g.columns(h, "columns");
        INDArray z = ScratchArrays.get("maps", h.dataType(), weights.size(0), cols.size(1));
        ParallelGemm.gemm(kernelMatrix(h.dataType()), cols, z, false, false, 1.0, 0.0);
        return g.toMaps(z, (int) h.size(0), "convolution");
    }

    /** target += w ⋆ᵀ g for g [batch, out, oH, oW] and a lower-shaped target [batch, in, height, width]. */
    private void addTransposeConvolution(ConvGeometry geo, INDArray g, INDArray target,
                                         OnednnConvolution.Kernels kernels) {
        OnednnConvolution.Key onednn = g.dataType() == DataType.FLOAT ? onednn(target) : null;
        if (onednn != null) {
            INDArray gd = Onednn.dense(g) ? g : g.dup('c');
            OnednnConvolution.Key ran;
            if (Onednn.dense(target)) {
                ran = OnednnConvolution.addTranspose(onednn, gd, kernels, target);
            } else {
                INDArray sum = ScratchArrays.get("transpose", DataType.FLOAT, target.shape()).assign(0);
                ran = OnednnConvolution.addTranspose(onednn, gd, kernels, sum);
                target.addi(sum);
            }
            count(ran.label());
            return;
        }
        WinogradConvolution winograd = winograd(target);
        if (winograd != null && g.dataType() == DataType.FLOAT && ConvGeometry.isDense(target)) {
            count("winograd");
            float[] sum = FusedKernels.floats(target);
            winograd.addTranspose(FusedKernels.floats(g), (int) g.size(0), (int) g.size(2), (int) g.size(3), padding,
                    sum);
            target.data().asNioFloat().put(0, sum);
            return;
        }
        count(g.dataType() == DataType.FLOAT ? "im2col" : "im2col-fp64");
        INDArray gm = geo.fromMaps(g, "maps");
        INDArray cols = ScratchArrays.get("columns", g.dataType(), geo.rows, gm.size(1));
        ParallelGemm.gemm(kernelMatrix(g.dataType()), gm, cols, true, false, 1.0, 0.0);
        geo.addImage(cols, (int) target.size(0), target);
    }

    /** ∂(g • (w ⋆ h))/∂w = h ⋆ g for a pre-pooling map g: [out, in, kH, kW] (a new array). */
    private INDArray weightProduct(INDArray lower, INDArray routed) {
        OnednnConvolution.Key onednn = routed.dataType() == DataType.FLOAT ? onednn(lower) : null;
        if (onednn != null) {
            INDArray gw = Nd4j.createUninitialized(DataType.FLOAT, weights.shape(), 'c');
            OnednnConvolution.weightGradient(onednn, Onednn.dense(lower) ? lower : lower.dup('c'),
                    Onednn.dense(routed) ? routed : routed.dup('c'), gw);
            count("onednn-fp32-weights");
            return gw;
        }
        count(lower.dataType() == DataType.FLOAT ? "im2col-weights" : "im2col-fp64-weights");
        ConvGeometry geo = geometry(lower);
        INDArray gm = geo.fromMaps(routed, "maps");
        INDArray cols = geo.columns(lower, "columns");
        INDArray gw = Nd4j.createUninitialized(lower.dataType(), weights.size(0), geo.rows);
        ParallelGemm.gemm(gm, cols, gw, false, true, 1.0, 0.0);
        return gw.reshape('c', weights.shape());
    }

    // ---- pooling --------------------------------------------------------------------------------------------

    /** A pooled map and, for max pooling, the offset of each window's winner in the pre-pooling map. */
    record Pooled(INDArray pooled, int[] winners, long[] preShape) {
    }

    /** P(z) for z [batch, C, H, W] with H and W multiples of the window (the first maximum wins ties). */
    Pooled pool(INDArray z) {
        if (pooling == Pooling.NONE) {
            return new Pooled(z, null, z.shape());
        }
        long n = z.size(0);
        long c = z.size(1);
        int h = (int) z.size(2);
        int w = (int) z.size(3);
        checkWindows(h, w);
        int hp = h / pool;
        int wp = w / pool;
        if (pooling == Pooling.MAX && z.dataType() == DataType.FLOAT) {
            int[] winners = new int[(int) (n * c) * hp * wp];
            float[] out = maxPool(FusedKernels.floats(z), winners, h, w);
            return new Pooled(FusedKernels.array(out, n, c, hp, wp), winners, z.shape());
        }
        double[] v = values(z);
        int maps = (int) (n * c);
        double[] out = new double[maps * hp * wp];
        int[] winners = pooling == Pooling.MAX ? new int[out.length] : null;
        CorePool.parallelFor(maps, 1, (from, to) -> {
        for (int m = from; m < to; m++) {
            for (int y = 0; y < hp; y++) {
                for (int x = 0; x < wp; x++) {
                    int o = (m * hp + y) * wp + x;
                    double best = Double.NEGATIVE_INFINITY;
                    double sum = 0;
                    int win = 0;
                    for (int i = 0; i < pool; i++) {
                        for (int j = 0; j < pool; j++) {
                            double e = v[(m * h + y * pool + i) * w + x * pool + j];
                            sum += e;
                            if (e > best) {
                                best = e;
                                win = (m * h + y * pool + i) * w + x * pool + j;
                            }
                        }
                    }
                    out[o] = pooling == Pooling.MAX ? best : sum / (pool * pool);
                    if (winners != null) {
                        winners[o] = win;
                    }
                }
            }
        }
        });
        INDArray pooled = array(out, z.dataType(), n, c, hp, wp);
        return new Pooled(pooled, winners, z.shape());
    }

    /**
     * Max pooling of float maps [maps, h, w] (row-major): returns the window maxima and writes each window's winner
     * as the absolute offset into {@code v} (the first maximum on ties).
     */
    private float[] maxPool(float[] v, int[] winners, int h, int w) {
        int hp = h / pool;
        int wp = w / pool;
        float[] out = new float[winners.length];
        CorePool.parallelFor(winners.length / (hp * wp), 1, (from, to) -> {
            for (int m = from; m < to; m++) {
                for (int y = 0; y < hp; y++) {
                    for (int x = 0; x < wp; x++) {
                        int o = (m * hp + y) * wp + x;
                        int win = winner(v, (m * h + y * pool) * w + x * pool, w);
                        out[o] = v[win];
                        winners[o] = win;
                    }
                }
            }
        });
        return out;
    }

    /**
     * The pooling as a linear map with fixed switches: for max pooling each window's value at the winner recorded in
     * {@code switches} (the linearisation of P at the map they came from), for average pooling the mean.
     */
    INDArray select(INDArray z, Pooled switches) {
        if (pooling != Pooling.MAX) {
            return pool(z).pooled();
        }
        long n = z.size(0);
        long c = z.size(1);
        int h = (int) z.size(2);
        int w = (int) z.size(3);
        int hp = h / pool;
        int wp = w / pool;
        int[] winners = switches.winners();
        if (z.dataType() == DataType.FLOAT) {
            float[] v = FusedKernels.floats(z);
            float[] out = new float[winners.length];
            for (int o = 0; o < out.length; o++) {
                out[o] = v[winners[o]];
            }
            return FusedKernels.array(out, n, c, hp, wp);
        }
        double[] v = values(z);
        double[] out = new double[winners.length];
        for (int o = 0; o < out.length; o++) {
            out[o] = v[winners[o]];
        }
        return array(out, z.dataType(), n, c, hp, wp);
    }

    /**
     * Pᵀ(h) as {@link #unpool}, for a float max-pooled map into this thread's work array (valid until the next call on
     * this thread): the operand of a transpose convolution or a weight product, consumed at once.
     */
    private INDArray routed(INDArray h, Pooled switches) {
        if (pooling != Pooling.MAX || h.dataType() != DataType.FLOAT) {
            return unpool(h, switches);
        }
        return routed(h, switches.winners(), switches.preShape());
    }

    /**
     * Pᵀ(h) for max pooling: each value of the float map h [batch, C, H/p, W/p] at its window's winner (an offset
     * into the pre-pooling map of shape {@code pre}), zero elsewhere, written window by window into this thread's
     * work array (the windows tile the map, so every element is written once). Each core takes a range of maps: one
     * bulk copy of its part of h out of native memory, Java arrays in between, one bulk copy of its part of the
     * result back.
     */
    private INDArray routed(INDArray h, int[] winners, long[] pre) {
        INDArray out = ScratchArrays.get("unpooled", DataType.FLOAT, pre[0], pre[1], pre[2], pre[3]);
        java.nio.FloatBuffer hv = (Onednn.dense(h) ? h : h.dup('c')).data().asNioFloat();
        java.nio.FloatBuffer ov = out.data().asNioFloat();
        int height = (int) pre[2];
        int width = (int) pre[3];
        int hp = height / pool;
        int wp = width / pool;
        int maps = (int) (pre[0] * pre[1]);
        float[] hf = floatScratch(H_SCRATCH, maps * hp * wp);
        float[] of = floatScratch(MAP_SCRATCH, maps * height * width);
        CorePool.parallelFor(maps, 1, (from, to) -> {
            int mapSize = height * width;
            hv.get(from * hp * wp, hf, from * hp * wp, (to - from) * hp * wp);
            for (int m = from; m < to; m++) {
                java.util.Arrays.fill(of, m * mapSize, (m + 1) * mapSize, 0f);
                for (int o = m * hp * wp; o < (m + 1) * hp * wp; o++) {
                    of[winners[o]] = hf[o];
                }
            }
            ov.put(from * mapSize, of, from * mapSize, (to - from) * mapSize);
        });
        return out;
    }

    /**
     * drive += P(z) + b for max pooling of the float map z [batch, C, H, W] (the first maximum of each window wins,
     * as in {@link #pool}; the sums in the order of adding the pooled map, then the bias), writing each window's
     * winner into {@code winners} as an offset into z: one parallel pass, in place of pooling into a new array,
     * adding it and broadcasting the bias as three operations. Each core takes a range of maps, copied in bulk out
     * of native memory (its part of z and of the drive) and the drive's part back.
     */
    private void addMaxPooled(INDArray z, INDArray drive, int[] winners) {
        int channels = (int) z.size(1);
        int h = (int) z.size(2);
        int w = (int) z.size(3);
        checkWindows(h, w);
        int hp = h / pool;
        int wp = w / pool;
        int maps = (int) (z.size(0) * channels);
        float[] b = FusedKernels.floats(bias);
        java.nio.FloatBuffer zv = (Onednn.dense(z) ? z : z.dup('c')).data().asNioFloat();
        java.nio.FloatBuffer dv = drive.data().asNioFloat();
        float[] zf = floatScratch(MAP_SCRATCH, maps * h * w);
        float[] df = floatScratch(H_SCRATCH, maps * hp * wp);
        CorePool.parallelFor(maps, 1, (from, to) -> {
            zv.get(from * h * w, zf, from * h * w, (to - from) * h * w);
            dv.get(from * hp * wp, df, from * hp * wp, (to - from) * hp * wp);
            for (int m = from; m < to; m++) {
                float bm = b[m % channels];
                for (int y = 0; y < hp; y++) {
                    for (int x = 0; x < wp; x++) {
                        int o = (m * hp + y) * wp + x;
                        int win = winner(zf, (m * h + y * pool) * w + x * pool, w);
                        winners[o] = win;
                        df[o] = (df[o] + zf[win]) + bm;
                    }
                }
            }
            dv.put(from * hp * wp, df, from * hp * wp, (to - from) * hp * wp);
        });
    }

    /** Refuses maps that do not split into whole pooling windows. */
    private void checkWindows(int h, int w) {
        if (h % pool != 0 || w % pool != 0) {
            throw new IllegalArgumentException("a " + h + "x" + w + " feature map does not split into " + pool + "x"
                    + pool + " pooling windows");
        }
    }

    /**
     * The offset in {@code v} of the maximum of the pool×pool window whose top-left element is at {@code first} in
     * row-major maps of width {@code w} (the first maximum on ties). One variable moves: a conditional move rather
     * than a branch that random maps mispredict half the time.
     */
    private int winner(float[] v, int first, int w) {
        if (pool == 2) { // the papers' windows: without branches, 2.7x faster on random maps
            int right = above(v[first], v[first + 1]);
            int lowerRight = above(v[first + w], v[first + w + 1]);
            float top = Math.max(v[first], v[first + 1]);
            float bottom = Math.max(v[first + w], v[first + w + 1]);
            int low = above(top, bottom);
            return first + (1 - low) * right + low * (w + lowerRight);
        }
        int win = first;
        for (int i = 0; i < pool; i++) {
            for (int j = 0; j < pool; j++) {
                int at = first + i * w + j;
                win = v[at] > v[win] ? at : win;
            }
        }
        return win;
    }

    /**
     * 1 when b > a, else 0, for non-NaN floats, without a branch: the sign of a − b, which is zero only for equal
     * values (gradual underflow), where −0 (a = −0, b = +0) must count as zero: (|d| + 0x7fffffff) has its sign bit
     * set exactly when |d| ≠ 0.
     */
    static int above(float a, float b) {
        int d = Float.floatToRawIntBits(a - b);
        return (d >>> 31) & (((d & 0x7fffffff) + 0x7fffffff) >>> 31);
    }

    /** This thread's work arrays of floats: a pre-pooling map, and a pooled one. */
    private static final ThreadLocal<float[][]> MAP_SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<float[][]> H_SCRATCH = ThreadLocal.withInitial(() -> new float[1][0]);

    /** The calling thread's work array of at least n floats in {@code which} (consumed within the call). */
    private static float[] floatScratch(ThreadLocal<float[][]> which, int n) {
        float[][] holder = which.get();
        if (holder[0].length < n) {
            holder[0] = new float[n];
        }
        return holder[0];
    }

    /** This thread's work array of at least n winners (consumed within the call that asks). */
    private static int[] winnerScratch(int n) {
        int[] a = WINNERS.get();
        if (a.length < n) {
            a = new int[n];
            WINNERS.set(a);
        }
        return a;
    }

    private static final ThreadLocal<int[]> WINNERS = ThreadLocal.withInitial(() -> new int[0]);

    /**
     * Pᵀ(h) for h [batch, C, H/p, W/p]: max-pooling routes each value to its window's winner in {@code switches},
     * average pooling spreads it as h/p² over the window.
     */
    INDArray unpool(INDArray h, Pooled switches) {
        if (pooling == Pooling.NONE) {
            return h;
        }
        long n = h.size(0);
        long c = h.size(1);
        int hp = (int) h.size(2);
        int wp = (int) h.size(3);
        int hh = hp * pool;
        int ww = wp * pool;
        if (pooling == Pooling.MAX && h.dataType() == DataType.FLOAT) {
            float[] v = FusedKernels.floats(h);
            float[] out = new float[v.length * pool * pool];
            int[] winners = switches.winners();
            for (int o = 0; o < v.length; o++) {
                out[winners[o]] = v[o];
            }
            return FusedKernels.array(out, n, c, hh, ww);
        }
        double[] v = values(h);
        double[] out = new double[v.length * pool * pool];
        int maps = (int) (n * c);
        CorePool.parallelFor(maps, 1, (from, to) -> {
        for (int m = from; m < to; m++) {
            for (int y = 0; y < hp; y++) {
                for (int x = 0; x < wp; x++) {
                    int o = (m * hp + y) * wp + x;
                    if (pooling == Pooling.MAX) {
                        out[switches.winners()[o]] = v[o];
                    } else {
                        double share = v[o] / (pool * pool);
                        for (int i = 0; i < pool; i++) {
                            for (int j = 0; j < pool; j++) {
                                out[(m * hh + y * pool + i) * ww + x * pool + j] = share;
                            }
                        }
                    }
                }
            }
        }
        });
        return array(out, h.dataType(), n, c, hh, ww);
    }

    /** The values of a map as doubles (float maps are widened in Java: one bulk copy out of native memory). */
    private static double[] values(INDArray a) {
        if (a.dataType() == DataType.DOUBLE) {
            return a.dup('c').data().asDouble();
        }
        float[] f = FusedKernels.floats(a);
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    /** A new array of the given type and shape holding {@code v}. */
    private static INDArray array(double[] v, DataType dataType, long... shape) {
        if (dataType == DataType.DOUBLE) {
            return Nd4j.create(v, shape, 'c');
        }
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return FusedKernels.array(f, shape).castTo(dataType);
    }
}
