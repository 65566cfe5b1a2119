package org.eqprop.interactions;

import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.eqprop.kernels.Onednn;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import static org.bytedeco.dnnl.global.dnnl.*;
import static org.eqprop.kernels.Onednn.*;

/**
 * Convolutions of one shape run by oneDNN (2.5, JavaCPP's {@code dnnl} preset): the forward convolution w ⋆ h and
 * the transpose convolution target += w ⋆ᵀ g (oneDNN's backward-data convolution) of float32 NCHW maps, with float32
 * or bf16 operands (bf16: maps and kernels rounded to bf16, products accumulated and written in float32).
 * <p>
 * oneDNN picks its own (blocked) layouts ({@code format_tag any}); each call reorders the NCHW operand into the
 * primitive's layout, runs it and reorders the result back to NCHW (the transpose's with a sum post-op, so that it
 * adds into the target). The kernels are reordered when the caller hands another {@link Kernels} (a new one per
 * call, or one per relaxation phase while the parameters are held), never on a fingerprint of their values.
 * Primitives, their memories and reordered kernels live in a bounded process-wide cache keyed by shape and precision
 * ({@link #of}); an evicted entry frees its native objects. Calls on one entry are serialised.
 * <p>
 * Besides float32 operands with oneDNN's direct algorithm, a caller may allow oneDNN's float32 Winograd algorithm
 * (F(4×4, 3×3) on AVX-512), which then runs the shapes where it pays by a fixed rule ({@link Key#winogradPays}: about
 * half the time of direct on the 16×16 and 8×8 layers of cifar10-laborieux; it loses on 3-channel inputs and 2×2
 * outputs), and bf16 operands, which then run the directions where they pay, also by a fixed rule
 * ({@link Key#bf16Pays}: 1.5-4x faster on AMX for layers of 16 or more channels (1.35-2.1x on AMD Zen 4's AVX512_BF16,
 * where it loses to Winograd), but on AMX slower for the 2×2-output
 * transpose of cifar10-laborieux's last layer and no faster than Winograd's float32 transposes at 8×8). A Winograd
 * kernel reorder costs 10-100x a direct one; an entry skips reorders of unchanged kernels, so the phases of one
 * training iteration reorder once.
 * <p>
 * Threads: each call runs on {@link Onednn#THREADS} cores ({@link Onednn#onCores}).
 */
final class OnednnConvolution {

    /** Channels in and out from which 3×3 stride-1 layers run oneDNN's Winograd algorithm ({@link Key#winogradPays}). */
    static final int WINOGRAD_MIN_CHANNELS = 64;
    /** Output height and width from which they do. */
    static final int WINOGRAD_MIN_OUTPUT = 8;

    /** Channels in and out from which a direction may run bf16 operands ({@link Key#bf16Pays}). */
    static final int BF16_MIN_CHANNELS = 16;
    /** Output height and width from which a transpose convolution may run bf16 operands. */
    static final int BF16_MIN_TRANSPOSE_OUTPUT = 4;
    /** The same where the float32 transpose is oneDNN's Winograd algorithm. */
    static final int BF16_MIN_TRANSPOSE_OUTPUT_OVER_WINOGRAD = 16;

    /** Entries kept (a conv net has a few layers; another batch size or network adds its own). */
    private static final int CACHE_SIZE = 24;

    private static final Map<Key, OnednnConvolution> CACHE = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * Shape and operands of one convolution (square padding, the same stride both ways). As an entry's key: float32
     * direct ({@code bf16} and {@code winograd} false), bf16 operands, or oneDNN's float32 Winograd algorithm. As the
     * key a caller asks for: the variants besides float32 direct that may run it, each direction then run by the one
     * its rules pick ({@link #choose}).
     */
    record Key(int batch, int in, int height, int width, int out, int kh, int kw, int stride, int padding,
               boolean bf16, boolean winograd) {

        /** A float32 direct key, or a bf16 one. */
        Key(int batch, int in, int height, int width, int out, int kh, int kw, int stride, int padding,
            boolean bf16) {
            this(batch, in, height, width, out, kh, kw, stride, padding, bf16, false);
        }

        int outHeight() {
            return (height + 2 * padding - kh) / stride + 1;
        }

        int outWidth() {
            return (width + 2 * padding - kw) / stride + 1;
        }

        Key withBf16(boolean b) {
            return new Key(batch, in, height, width, out, kh, kw, stride, padding, b, winograd);
        }

        Key withWinograd(boolean w) {
            return new Key(batch, in, height, width, out, kh, kw, stride, padding, bf16, w);
        }

        /** The float32 direct entry of this shape. */
        Key direct() {
            return new Key(batch, in, height, width, out, kh, kw, stride, padding, false, false);
        }

        /**
         * Whether oneDNN's Winograd algorithm (F(4×4, 3×3) on AVX-512) runs this shape: a 3×3 kernel at stride 1, at
         * least {@link #WINOGRAD_MIN_CHANNELS} channels in and out and an output of at least
         * {@link #WINOGRAD_MIN_OUTPUT}×{@link #WINOGRAD_MIN_OUTPUT}, where it measured about twice as fast as the direct
         * algorithm both ways (it lost on 3-channel inputs and on 2×2 outputs); oneDNN itself may still refuse it.
         * A fixed rule rather than a timed choice: the same run gives the same bits, so a resumed run replays exactly.
         */
        boolean winogradPays() {
            return kh == 3 && kw == 3 && stride == 1 && in >= WINOGRAD_MIN_CHANNELS && out >= WINOGRAD_MIN_CHANNELS
                    && outHeight() >= WINOGRAD_MIN_OUTPUT && outWidth() >= WINOGRAD_MIN_OUTPUT;
        }

        /**
         * Whether bf16 operands run this direction, against the float32 entry that would run it otherwise (Winograd or
         * direct): at least {@link #BF16_MIN_CHANNELS} channels in and out (a 3-channel input layer gains nothing
         * measurable, and its drive would lose 3 digits), and for the transpose an output of at least
         * {@link #BF16_MIN_TRANSPOSE_OUTPUT}×{@link #BF16_MIN_TRANSPOSE_OUTPUT} (the 2×2-output transpose of a
         * 4×4, padding-0 512→512 layer took 2.4-2.7x float32's time), or
         * {@link #BF16_MIN_TRANSPOSE_OUTPUT_OVER_WINOGRAD}×{@link #BF16_MIN_TRANSPOSE_OUTPUT_OVER_WINOGRAD} against
         * Winograd (at 8×8 bf16 took 0.90-1.08x Winograd's time, at 16×16 0.62-0.74x). Measured on AMX for
         * every layer of the conv presets (docs/performance.md). Without AMX (AVX512_BF16's dot products on AMD Zen 4,
         * {@link Onednn#bf16()}) bf16 took 0.47-0.74x direct float32's time in both directions of every layer of 16 or
         * more channels, the 2×2-output transpose included, but 1.05-1.35x Winograd's: there it runs wherever
         * float32 would run the direct algorithm. A fixed rule per ISA, like {@link #winogradPays}: a timed choice
         * could differ between a run and its resumed continuation, which would then not replay exactly.
         */
        boolean bf16Pays(boolean forward, boolean overWinograd) {
            return bf16Pays(forward, overWinograd, Onednn.amx());
        }

        /** {@link #bf16Pays(boolean, boolean)} on a CPU with ({@code amx}) or without AMX. */
        boolean bf16Pays(boolean forward, boolean overWinograd, boolean amx) {
            if (in < BF16_MIN_CHANNELS || out < BF16_MIN_CHANNELS) {
                return false;
            }
            if (!amx) {
                return !overWinograd;
            }
            int min = overWinograd ? BF16_MIN_TRANSPOSE_OUTPUT_OVER_WINOGRAD : BF16_MIN_TRANSPOSE_OUTPUT;
            return forward || (outHeight() >= min && outWidth() >= min);
        }

        /** The name of an entry's variant in the run counts: onednn-fp32, onednn-bf16 or onednn-fp32-winograd. */
        String label() {
            return bf16 ? "onednn-bf16" : winograd ? "onednn-fp32-winograd" : "onednn-fp32";
        }
    }

    /**
     * The kernels w [out, in, kH, kW] at one set of values, as an identity: an entry reorders the kernels when it is
     * handed another {@code Kernels} object than the one it last reordered, never otherwise. One object therefore
     * stands for values that cannot change while it is in use: the two directions of one step, or every step of a
     * relaxation phase while the interaction's parameters are held ({@link Interaction#holdParameters()}). A dense
     * float32 copy is made on demand.
     */
    static final class Kernels {
        private final Supplier<INDArray> dense;

        Kernels(Supplier<INDArray> dense) {
            this.dense = dense;
        }

        Supplier<INDArray> dense() {
            return dense;
        }
    }

    // ---- entry points -------------------------------------------------------------------------------------------

    /**
     * out = w ⋆ h for dense row-major float32 h [batch, in, height, width] and out [batch, out, oH, oW]. Returns
     * the key of the entry that ran it (its variant: {@link Key#label()}).
     */
    static Key forward(Key key, INDArray h, Kernels w, INDArray out) {
        // an entry evicted (and freed) by another thread between the lookup and the call is looked up again
        OnednnConvolution c = choose(key, true);
        while (!c.forward(h, w, out)) {
            c = choose(key, true);
        }
        return c.key;
    }

    /** target += w ⋆ᵀ g for dense row-major float32 g and target; returns the key of the entry that ran it. */
    static Key addTranspose(Key key, INDArray g, Kernels w, INDArray target) {
        OnednnConvolution c = choose(key, false);
        while (!c.addTranspose(g, w, target)) {
            c = choose(key, false);
        }
        return c.key;
    }

    /**
     * The entry that runs this direction of the asked-for key: oneDNN's float32 Winograd algorithm where asked for,
     * where {@link Key#winogradPays} and oneDNN makes it (relative difference to direct about 1e-6), else float32
     * direct; bf16 operands instead (relative error 2-3e-3) where asked for and {@link Key#bf16Pays} against that
     * float32 entry. No timing: the same shape always runs the same way.
     */
    private static OnednnConvolution choose(Key key, boolean forward) {
        Key winograd = key.direct().withWinograd(true);
        Key float32 = key.winograd() && key.winogradPays() && makes(winograd) ? winograd : key.direct();
        if (key.bf16() && key.bf16Pays(forward, float32.winograd())) {
            return of(key.direct().withBf16(true));
        }
        return of(float32);
    }

    /** Whether oneDNN makes this shape's Winograd entry on this CPU (tests). */
    static boolean makesWinograd(Key key) {
        return makes(key.direct().withWinograd(true));
    }

    /** Whether oneDNN makes this entry (made and cached here); a refusal is remembered, not logged. */
    private static boolean makes(Key entry) {
        if (UNSUPPORTED.containsKey(entry)) {
            return false;
        }
        try {
            of(entry);
            return true;
        } catch (IllegalStateException e) {
            UNSUPPORTED.put(entry, e.getMessage());
            return false;
        }
    }

    /** Shapes whose primitives oneDNN would not create (their convolutions run as im2col products). */
    private static final Map<Key, String> UNSUPPORTED = new ConcurrentHashMap<>();

    /**
     * Whether oneDNN makes this shape's primitives: float32 direct, and with bf16 asked for the bf16 ones where
     * {@link Key#bf16Pays} gives them a direction. Made and cached here on first use; a shape it refuses is
     * remembered, logged once, and left to im2col.
     */
    static boolean supports(Key key) {
        if (UNSUPPORTED.containsKey(key)) {
            return false;
        }
        try {
            of(key.direct());
            if (key.bf16() && key.bf16Pays(true, false)) {
                // a direction runs bf16 (the forward one whenever any does)
                of(key.direct().withBf16(true));
            }
            return true;
        } catch (IllegalStateException e) {
            UNSUPPORTED.put(key, e.getMessage());
            org.slf4j.LoggerFactory.getLogger(OnednnConvolution.class).warn("oneDNN refused the convolution {} ({}): "
                    + "it runs as im2col products", key, e.getMessage());
            return false;
        }
    }

    /** The cached convolution of this shape and operand type, made on first use (the least recently used evicted). */
    static OnednnConvolution of(Key key) {
        synchronized (CACHE) {
            OnednnConvolution c = CACHE.get(key);
            if (c == null) {
                // oneDNN sizes a primitive's per-thread buffers by the thread count at its creation: create it at
                // the count it runs with (AMX kernels crash otherwise)
                c = onCores(() -> new OnednnConvolution(key));
                CACHE.put(key, c);
                if (CACHE.size() > CACHE_SIZE) {
                    var eldest = CACHE.entrySet().iterator().next();
                    CACHE.remove(eldest.getKey());
                    eldest.getValue().close();
                }
            }
            return c;
        }
    }

    /** Frees every cached entry (tests; a later call makes them again). */
    static void clearCache() {
        synchronized (CACHE) {
            CACHE.values().forEach(OnednnConvolution::close);
            CACHE.clear();
        }
    }

    /** Reorders of kernels into an entry's layout so far, both directions (tests). */
    static long kernelReorders() {
        return KERNEL_REORDERS.sum();
    }

    private static final java.util.concurrent.atomic.LongAdder KERNEL_REORDERS =
            new java.util.concurrent.atomic.LongAdder();

    /** Cached entries (tests). */
    static int cached() {
        synchronized (CACHE) {
            return CACHE.size();
        }
    }

    // ---- one shape ----------------------------------------------------------------------------------------------

    final Key key;
    /** oneDNN's implementation names, forward and backward-data ("brgconv:avx512_core_amx_bf16"). */
    final String forwardImpl;
    final String transposeImpl;
    private final List<Runnable> release = new ArrayList<>();
    private boolean closed;
    private final dnnl_primitive fwd;
    private final dnnl_primitive bwd;
    // NCHW / OIHW float32 memories without buffers: each call points them at the ND4J arrays
    private final dnnl_memory userSrc;
    private final dnnl_memory userDst;
    private final dnnl_memory userWei;
    private final dnnl_memory userDiffDst;
    private final dnnl_memory userDiffSrc;
    // the primitives' own memories
    private final dnnl_memory src;
    private final dnnl_memory wei;
    private final dnnl_memory dst;
    private final dnnl_memory diffDst;
    private final dnnl_memory weiB;
    private final dnnl_memory diffSrc;
    private final dnnl_primitive toSrc;
    private final dnnl_primitive fromDst;
    private final dnnl_primitive toWei;
    private final dnnl_primitive toDiffDst;
    private final dnnl_primitive toWeiB;
    private final dnnl_primitive addDiffSrc;
    /** The kernels last reordered for each direction. */
    private final ReorderedKernels forwardKernels = new ReorderedKernels();
    private final ReorderedKernels transposeKernels = new ReorderedKernels();
    /** The weight gradient's primitive and memories, made on its first use (float32 entries only). */
    private WeightGradient weightGradient;

    /**
     * The kernels one direction last reordered: their identity ({@link Kernels}) and a copy of their float32 values.
     * Each relaxation phase hands a new identity, but the phases of one training iteration (free, then nudged) share
     * θ: comparing the values (one vectorised pass) spares their reorders, and a reorder into the Winograd layout
     * costs 10-100x the compare.
     */
    private static final class ReorderedKernels {
        private Kernels identity;
        private java.nio.FloatBuffer copy;

        /**
         * Whether the dense float32 kernels differ from the copy (as FloatBuffer.mismatch compares: ±0 alike, NaNs
         * alike); if so, the copy takes them.
         */
        boolean changed(INDArray kernels) {
            java.nio.FloatBuffer now = kernels.data().asNioFloat().duplicate();
            now.limit((int) kernels.length()).position(0);
            if (copy != null && copy.capacity() == now.remaining() && copy.duplicate().clear().mismatch(now) == -1) {
                return false;
            }
            if (copy == null || copy.capacity() != now.remaining()) {
                copy = java.nio.ByteBuffer.allocateDirect(4 * now.remaining()).order(java.nio.ByteOrder.nativeOrder())
                        .asFloatBuffer();
            }
            copy.clear();
            copy.put(now);
            return true;
        }
    }

    /** oneDNN's backward-weights convolution: dw = h ⋆ g, from NCHW h and g into OIHW dw. */
    private record WeightGradient(dnnl_primitive primitive, String impl, dnnl_memory src, dnnl_memory diffDst,
                                  dnnl_memory diffWei, dnnl_primitive toSrc, dnnl_primitive toDiffDst,
                                  dnnl_primitive fromDiffWei) {
    }

    private OnednnConvolution(Key key) {
        if (loadProblem() != null) {
            throw new IllegalStateException("oneDNN is not available: " + loadProblem());
        }
        this.key = key;
        if (key.bf16() && key.winograd()) {
            throw new IllegalArgumentException("an entry runs bf16 operands or the Winograd algorithm, not both");
        }
        int dt = key.bf16() ? dnnl_bf16 : dnnl_f32;
        // oneDNN's Winograd (jit_wino_4x3, float32 only) for forward and backward data, else its direct algorithm
        int algorithm = key.winograd() ? dnnl_convolution_winograd : dnnl_convolution_direct;
        long[] srcDims = {key.batch(), key.in(), key.height(), key.width()};
        long[] weiDims = {key.out(), key.in(), key.kh(), key.kw()};
        long[] dstDims = {key.batch(), key.out(), key.outHeight(), key.outWidth()};
        long[] strides = {key.stride(), key.stride()};
        long[] padding = {key.padding(), key.padding()};
        boolean done = false;
        try {
            dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
            check(dnnl_convolution_forward_desc_init(fd, dnnl_forward_inference, algorithm,
                    md(srcDims, dt, dnnl_format_tag_any), md(weiDims, dt, dnnl_format_tag_any), null,
                    md(dstDims, dnnl_f32, dnnl_format_tag_any), strides, padding, padding),
                    "forward convolution descriptor");
            dnnl_primitive_desc fpd = primitiveDesc(fd, null);
            forwardImpl = impl(fpd);
            // backward data: float32 diff_src from diff_dst and kernels in dt, a training forward as its hint
            dnnl_convolution_desc_t hd = new dnnl_convolution_desc_t();
            check(dnnl_convolution_forward_desc_init(hd, dnnl_forward_training, algorithm,
                    md(srcDims, dt, dnnl_format_tag_any), md(weiDims, dt, dnnl_format_tag_any), null,
                    md(dstDims, dt, dnnl_format_tag_any), strides, padding, padding), "hint descriptor");
            dnnl_primitive_desc hint = primitiveDesc(hd, null);
            dnnl_convolution_desc_t bd = new dnnl_convolution_desc_t();
            check(dnnl_convolution_backward_data_desc_init(bd, algorithm,
                    md(srcDims, dnnl_f32, dnnl_format_tag_any), md(weiDims, dt, dnnl_format_tag_any),
                    md(dstDims, dt, dnnl_format_tag_any), strides, padding, padding), "backward-data descriptor");
            dnnl_primitive_desc bpd = primitiveDesc(bd, hint);
            transposeImpl = impl(bpd);

            userSrc = memory(md(srcDims, dnnl_f32, dnnl_nchw), false);
            userDst = memory(md(dstDims, dnnl_f32, dnnl_nchw), false);
            userWei = memory(md(weiDims, dnnl_f32, dnnl_oihw), false);
            userDiffDst = memory(md(dstDims, dnnl_f32, dnnl_nchw), false);
            userDiffSrc = memory(md(srcDims, dnnl_f32, dnnl_nchw), false);
            src = memory(dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0), true);
            wei = memory(dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0), true);
            dst = memory(dnnl_primitive_desc_query_md(fpd, dnnl_query_dst_md, 0), true);
            diffDst = memory(dnnl_primitive_desc_query_md(bpd, dnnl_query_diff_dst_md, 0), true);
            weiB = memory(dnnl_primitive_desc_query_md(bpd, dnnl_query_weights_md, 0), true);
            diffSrc = memory(dnnl_primitive_desc_query_md(bpd, dnnl_query_diff_src_md, 0), true);
            toSrc = reorder(userSrc, src, false);
            fromDst = reorder(dst, userDst, false);
            toWei = reorder(userWei, wei, false);
            toDiffDst = reorder(userDiffDst, diffDst, false);
            toWeiB = reorder(userWei, weiB, false);
            addDiffSrc = reorder(diffSrc, userDiffSrc, true);
            fwd = primitive(fpd);
            bwd = primitive(bpd);
            done = true;
        } finally {
            if (!done) {
                close();
            }
        }
    }

    /**
     * Reorders w into {@code to} through {@code reorder} unless it is the identity {@code last} holds, or holds the
     * same values.
     */
    private void reorderKernels(Kernels w, ReorderedKernels last, dnnl_primitive reorder, dnnl_memory to) {
        if (w != last.identity) {
            INDArray dense = w.dense().get();
            if (last.changed(dense)) {
                setHandle(userWei, dense);
                run(reorder, DNNL_ARG_FROM, userWei, DNNL_ARG_TO, to);
                KERNEL_REORDERS.increment();
            }
            last.identity = w;
        }
    }

    /** out = w ⋆ h (dense row-major float32 arrays); false (nothing done) when this entry was freed. */
    synchronized boolean forward(INDArray h, Kernels w, INDArray out) {
        if (closed) {
            return false;
        }
        return onCores(() -> {
            reorderKernels(w, forwardKernels, toWei, wei);
            setHandle(userSrc, h);
            setHandle(userDst, out);
            run(toSrc, DNNL_ARG_FROM, userSrc, DNNL_ARG_TO, src);
            run(fwd, DNNL_ARG_SRC, src, DNNL_ARG_WEIGHTS, wei, DNNL_ARG_DST, dst);
            run(fromDst, DNNL_ARG_FROM, dst, DNNL_ARG_TO, userDst);
            Onednn.await();
            return true;
        });
    }

    /** target += w ⋆ᵀ g (dense row-major float32 arrays); false (nothing done) when this entry was freed. */
    synchronized boolean addTranspose(INDArray g, Kernels w, INDArray target) {
        if (closed) {
            return false;
        }
        return onCores(() -> {
            reorderKernels(w, transposeKernels, toWeiB, weiB);
            setHandle(userDiffDst, g);
            setHandle(userDiffSrc, target);
            run(toDiffDst, DNNL_ARG_FROM, userDiffDst, DNNL_ARG_TO, diffDst);
            run(bwd, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_WEIGHTS, weiB, DNNL_ARG_DIFF_SRC, diffSrc);
            run(addDiffSrc, DNNL_ARG_FROM, diffSrc, DNNL_ARG_TO, userDiffSrc);
            Onednn.await();
            return true;
        });
    }

    /**
     * dw = ∂(g • (w ⋆ h))/∂w = h ⋆ g for dense row-major float32 h [batch, in, height, width] and g [batch, out, oH,
     * oW], written into the dense float32 dw [out, in, kH, kW] (oneDNN's backward-weights convolution; float32
     * operands whatever the entry's precision: the gradient is a difference of two such products).
     */
    static void weightGradient(Key key, INDArray h, INDArray g, INDArray dw) {
        while (!of(key.direct()).weightGradient(h, g, dw)) {
            Thread.onSpinWait(); // evicted and freed by another thread meanwhile: looked up again
        }
    }

    private synchronized boolean weightGradient(INDArray h, INDArray g, INDArray dw) {
        if (closed) {
            return false;
        }
        return onCores(() -> {
            if (weightGradient == null) {
                weightGradient = makeWeightGradient();
            }
            WeightGradient wg = weightGradient;
            setHandle(userSrc, h);
            setHandle(userDiffDst, g);
            setHandle(userWei, dw);
            run(wg.toSrc(), DNNL_ARG_FROM, userSrc, DNNL_ARG_TO, wg.src());
            run(wg.toDiffDst(), DNNL_ARG_FROM, userDiffDst, DNNL_ARG_TO, wg.diffDst());
            run(wg.primitive(), DNNL_ARG_SRC, wg.src(), DNNL_ARG_DIFF_DST, wg.diffDst(), DNNL_ARG_DIFF_WEIGHTS,
                    wg.diffWei());
            run(wg.fromDiffWei(), DNNL_ARG_FROM, wg.diffWei(), DNNL_ARG_TO, userWei);
            Onednn.await();
            return true;
        });
    }

    /** The float32 backward-weights primitive of this shape (called on the cores it will run on). */
    private WeightGradient makeWeightGradient() {
        long[] srcDims = {key.batch(), key.in(), key.height(), key.width()};
        long[] weiDims = {key.out(), key.in(), key.kh(), key.kw()};
        long[] dstDims = {key.batch(), key.out(), key.outHeight(), key.outWidth()};
        long[] strides = {key.stride(), key.stride()};
        long[] padding = {key.padding(), key.padding()};
        dnnl_convolution_desc_t hd = new dnnl_convolution_desc_t();
        check(dnnl_convolution_forward_desc_init(hd, dnnl_forward_training, dnnl_convolution_direct,
                md(srcDims, dnnl_f32, dnnl_format_tag_any), md(weiDims, dnnl_f32, dnnl_format_tag_any), null,
                md(dstDims, dnnl_f32, dnnl_format_tag_any), strides, padding, padding), "hint descriptor");
        dnnl_primitive_desc hint = primitiveDesc(hd, null);
        dnnl_convolution_desc_t wd = new dnnl_convolution_desc_t();
        check(dnnl_convolution_backward_weights_desc_init(wd, dnnl_convolution_direct,
                md(srcDims, dnnl_f32, dnnl_format_tag_any), md(weiDims, dnnl_f32, dnnl_format_tag_any), null,
                md(dstDims, dnnl_f32, dnnl_format_tag_any), strides, padding, padding),
                "backward-weights descriptor");
        dnnl_primitive_desc pd = primitiveDesc(wd, hint);
        dnnl_memory s = memory(dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), true);
        dnnl_memory d = memory(dnnl_primitive_desc_query_md(pd, dnnl_query_diff_dst_md, 0), true);
        dnnl_memory w = memory(dnnl_primitive_desc_query_md(pd, dnnl_query_diff_weights_md, 0), true);
        return new WeightGradient(primitive(pd), impl(pd), s, d, w, reorder(userSrc, s, false),
                reorder(userDiffDst, d, false), reorder(w, userWei, false));
    }

    /** oneDNN's implementation of the weight gradient, made if need be ("brgconv_bwd_w:avx512_core"). */
    synchronized String weightGradientImpl() {
        if (closed) {
            throw new IllegalStateException("this convolution's primitives were freed");
        }
        if (weightGradient == null) {
            weightGradient = onCores(this::makeWeightGradient);
        }
        return weightGradient.impl();
    }

    /** Frees the native objects (idempotent; the entry must not be used afterwards). */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Onednn.free(release);
    }

    // ---- oneDNN helpers bound to this entry's release list --------------------------------------------------------

    private dnnl_primitive_desc primitiveDesc(dnnl_convolution_desc_t d, dnnl_primitive_desc hint) {
        return Onednn.primitiveDesc(d, null, hint, "convolution primitive descriptor", release);
    }

    private dnnl_primitive primitive(dnnl_primitive_desc pd) {
        return Onednn.primitive(pd, release);
    }

    /** A memory of this descriptor, with a buffer of oneDNN's ({@code allocate}) or none (set per call). */
    private dnnl_memory memory(dnnl_memory_desc_t d, boolean allocate) {
        return Onednn.memory(d, allocate, release);
    }

    /** A reorder between two memories' layouts; with {@code add}, a sum post-op: to += from. */
    private dnnl_primitive reorder(dnnl_memory from, dnnl_memory to, boolean add) {
        return Onednn.reorder(from, to, add, release);
    }
}
