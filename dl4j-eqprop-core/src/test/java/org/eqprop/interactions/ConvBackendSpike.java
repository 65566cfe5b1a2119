package org.eqprop.interactions;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_matmul_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.eqprop.kernels.FusedKernels;
import org.eqprop.kernels.ParallelGemm;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * A measured spike, not an integration: how fast the convolutions of a relaxation step run through this project's
 * path, through oneDNN in float32, and through oneDNN with bfloat16 operands and float32 accumulation, at
 * cifar10-laborieux's layer shapes (batch 32), with a matrix-product peak measured in the same run.
 * <p>
 * For each layer it times the forward convolution w ⋆ h (the upward drive) and the transpose convolution w ⋆ᵀ g (the
 * downward drive; oneDNN's backward-data convolution), each by
 * <ul>
 *   <li>{@code project-im2col} and {@code project-winograd}: {@link ConvPoolInteraction} as the engine calls it (im2col
 *       + products split over the cores with single-threaded OpenBLAS; Winograd F(2×2, 3×3));</li>
 *   <li>{@code onednn-f32} / {@code onednn-bf16}: JavaCPP's dnnl preset (oneDNN 2.5.2), the layouts left to oneDNN
 *       ({@code format_tag any}), timed twice: the primitive alone on its own layouts ({@code native}: states kept in
 *       oneDNN's blocked layout from step to step) and with the reorders from and to NCHW float32 around it
 *       ({@code nchw}: a drop-in for today's layout; for bf16 the first reorder also rounds to bf16). The weights'
 *       reorder is left out: it happens once per parameter update, not per step.</li>
 * </ul>
 * Every output is compared with the float32 im2col result (relative L2 error). Peaks: a 2048³ float32 product split
 * over the cores through ND4J's OpenBLAS (as {@code bench} measures it), oneDNN's {@code dnnl_sgemm}, and oneDNN's
 * matmul in float32 and in bf16 × bf16 → float32.
 * <p>
 * Run (from the repository root, after {@code mvn -o -q -B -pl dl4j-eqprop-core test-compile} and
 * {@code mvn -o -q -B -pl dl4j-eqprop-core dependency:build-classpath -Dmdep.includeScope=test
 * -Dmdep.outputFile=cp.txt}):
 * <pre>
 *   OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE java -cp dl4j-eqprop-core/target/test-classes:\
 *     dl4j-eqprop-core/target/classes:$(cat cp.txt) org.eqprop.interactions.ConvBackendSpike [rounds]
 * </pre>
 * {@code DNNL_MAX_CPU_ISA=AVX512_CORE_BF16} keeps oneDNN off AMX (to tell AVX512_BF16 from AMX-BF16);
 * {@code ONEDNN_VERBOSE=1} names the kernels.
 */
public final class ConvBackendSpike {

    /** cifar10-laborieux at batch 32: input channels, output channels, input size, padding (3×3, stride 1). */
    static final int[][] LAYERS = {{3, 128, 32, 1}, {128, 256, 16, 1}, {256, 512, 8, 1}, {512, 512, 4, 0}};
    static final int BATCH = 32;

    private static final Pointer ALLOCATE = new Pointer() {
        {
            address = -1L; // DNNL_MEMORY_ALLOCATE: the library allocates the buffer
        }
    };

    private static dnnl_engine engine;
    private static dnnl_stream stream;

    private ConvBackendSpike() {
    }

    public static void main(String[] argv) {
        int rounds = argv.length > 0 ? Integer.parseInt(argv[0]) : 7;
        // as the eqprop CLI runs: BLAS single-threaded, the engine splitting its products over the cores itself
        ((org.nd4j.linalg.api.blas.Blas) Nd4j.factory().blas()).setMaxThreads(1);
        dnnl_version_t v = dnnl_version();
        engine = new dnnl_engine();
        check(dnnl_engine_create(engine, dnnl_cpu, 0), "engine");
        stream = new dnnl_stream();
        check(dnnl_stream_create(stream, engine, dnnl_stream_default_flags), "stream");
        String isa = isaName(dnnl_get_effective_cpu_isa());
        System.out.printf(Locale.ROOT, "oneDNN %d.%d.%d (%s), CPU runtime %s, effective ISA %s; cores %d, "
                        + "OMP_NUM_THREADS=%s, OMP_WAIT_POLICY=%s, DNNL_MAX_CPU_ISA=%s; %d rounds%n", v.major(),
                v.minor(), v.patch(), v.hash().getString(), v.cpu_runtime() == 2 ? "OpenMP" : "" + v.cpu_runtime(),
                isa, Runtime.getRuntime().availableProcessors(), System.getenv("OMP_NUM_THREADS"),
                System.getenv("OMP_WAIT_POLICY"), System.getenv("DNNL_MAX_CPU_ISA"), rounds);

        List<String> rows = new ArrayList<>();
        rows.add("| layer | direction | method | kernel | GFLOP | ms (median) | ms (best) | GFLOP/s (best) | "
                + "× im2col's time (median of rounds) | rel. error vs fp32 im2col |");
        rows.add("|---|---|---|---|---|---|---|---|---|---|");
        // method -> {median ms, best ms} summed over the layers a relaxation step convolves both ways: all but the
        // first, whose upward drive (from the clamped input) is computed once per phase and whose input gets none
        Map<String, double[]> stepTotals = new LinkedHashMap<>();
        for (int i = 0; i < LAYERS.length; i++) {
            int[] l = LAYERS[i];
            measureLayer(l[0], l[1], l[2], l[3], rounds, rows, i == 0 ? new LinkedHashMap<>() : stepTotals);
        }
        Map<String, Double> peaks = peaks(rounds);
        System.out.println();
        for (String r : rows) {
            System.out.println(r);
        }
        System.out.println();
        System.out.println("| peak, 2048³ | GFLOP/s (best) |");
        System.out.println("|---|---|");
        peaks.forEach((k, g) -> System.out.printf(Locale.ROOT, "| %s | %.1f |%n", k, g));
        System.out.println();
        System.out.println("| one step's convolutions (layers 2-4, both ways) | ms (sum of medians) | ms (sum of bests) | "
                + "× im2col's time (sum of per-round ratios weighted by im2col's median) |");
        System.out.println("|---|---|---|---|");
        double ref = stepTotals.get("project-im2col")[0];
        stepTotals.forEach((k, t) -> System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.3f |%n", k, t[0], t[1],
                t[2] / ref));
    }

    // ---- the layers ---------------------------------------------------------------------------------------------

    private static void measureLayer(int cin, int cout, int size, int pad, int rounds, List<String> rows,
                                     Map<String, double[]> totals) {
        int out = size + 2 * pad - 2;
        double gflop = 2.0 * BATCH * cout * out * out * cin * 9 / 1e9;
        String layer = String.format(Locale.ROOT, "%d→%d %d×%d p%d", cin, cout, size, size, pad);
        Random rnd = new Random(cin * 31L + cout);
        float[] h = new float[BATCH * cin * size * size];
        for (int i = 0; i < h.length; i++) {
            h[i] = rnd.nextFloat(); // states in [0, 1]
        }
        float[] g = new float[BATCH * cout * out * out];
        for (int i = 0; i < g.length; i++) {
            g[i] = rnd.nextFloat();
        }
        float scale = (float) (1 / Math.sqrt(cin * 9.0));
        float[] w = new float[cout * cin * 9];
        for (int i = 0; i < w.length; i++) {
            w[i] = (rnd.nextFloat() * 2 - 1) * scale;
        }
        INDArray hA = FusedKernels.array(h, BATCH, cin, size, size);
        INDArray gA = FusedKernels.array(g, BATCH, cout, out, out);
        INDArray wA = FusedKernels.array(w, cout, cin, 3, 3);
        INDArray bA = Nd4j.zeros(DataType.FLOAT, 1, cout);
        ConvPoolInteraction im2col = new ConvPoolInteraction(wA, bA, 1, pad, ConvPoolInteraction.Pooling.NONE, 1,
                ConvPoolInteraction.Algorithm.IM2COL);
        ConvPoolInteraction winograd = new ConvPoolInteraction(wA, bA, 1, pad, ConvPoolInteraction.Pooling.NONE, 1,
                ConvPoolInteraction.Algorithm.WINOGRAD);
        INDArray lowerDrive = Nd4j.zeros(DataType.FLOAT, BATCH, cin, size, size);

        float[] refFwd = FusedKernels.floats(im2col.convolve(hA));
        lowerDrive.assign(0);
        im2col.addDownwardDrive(hA, gA, lowerDrive);
        float[] refBwd = FusedKernels.floats(lowerDrive);

        List<Candidate> fwd = new ArrayList<>();
        fwd.add(new Candidate("project-im2col", "im2col + OpenBLAS sgemm", () -> FusedKernels.floats(
                im2col.convolve(hA)), () -> im2col.convolve(hA)));
        fwd.add(new Candidate("project-winograd", "Winograd F(2x2,3x3)", () -> FusedKernels.floats(
                winograd.convolve(hA)), () -> winograd.convolve(hA)));
        List<Candidate> bwd = new ArrayList<>();
        bwd.add(new Candidate("project-im2col", "OpenBLAS sgemm + col2im", () -> {
            lowerDrive.assign(0);
            im2col.addDownwardDrive(hA, gA, lowerDrive);
            return FusedKernels.floats(lowerDrive);
        }, () -> im2col.addDownwardDrive(hA, gA, lowerDrive)));
        bwd.add(new Candidate("project-winograd", "Winograd F(2x2,3x3)", () -> {
            lowerDrive.assign(0);
            winograd.addDownwardDrive(hA, gA, lowerDrive);
            return FusedKernels.floats(lowerDrive);
        }, () -> winograd.addDownwardDrive(hA, gA, lowerDrive)));
        for (int dt : new int[]{dnnl_f32, dnnl_bf16}) {
            String name = dt == dnnl_f32 ? "onednn-f32" : "onednn-bf16";
            Conv c = new Conv(cin, cout, size, pad, dt, h, g, w);
            fwd.add(new Candidate(name + " native", c.fwdImpl, c::forwardNchw, c::forwardNative));
            fwd.add(new Candidate(name + " nchw", c.fwdImpl, c::forwardNchw, c::forwardNchw));
            bwd.add(new Candidate(name + " native", c.bwdImpl, c::backwardNchw, c::backwardNative));
            bwd.add(new Candidate(name + " nchw", c.bwdImpl, c::backwardNchw, c::backwardNchw));
        }
        for (Object[] d : new Object[][]{{"forward w⋆h", fwd, refFwd}, {"transpose wᵀ⋆g", bwd, refBwd}}) {
            @SuppressWarnings("unchecked")
            List<Candidate> cands = (List<Candidate>) d[1];
            float[] ref = (float[]) d[2];
            double[][] ms = time(cands, rounds);
            double refMedian = median(ms[0]);
            for (int k = 0; k < cands.size(); k++) {
                Candidate c = cands.get(k);
                double err = relativeError(c.output.get(), ref);
                double median = median(ms[k]);
                double best = Arrays.stream(ms[k]).min().orElse(Double.NaN);
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratios[r] = ms[k][r] / ms[0][r]; // within a round: the load of other jobs falls on both
                }
                double ratio = median(ratios);
                rows.add(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.3f | %.2f | %.2f | %.1f | %.3f | %.1e |",
                        layer, d[0], c.name, c.kernel, gflop, median, best, gflop / best * 1e3, ratio, err));
                double[] t = totals.computeIfAbsent(c.name, x -> new double[3]);
                t[0] += median;
                t[1] += best;
                t[2] += ratio * refMedian;
                System.out.println(rows.get(rows.size() - 1));
            }
        }
    }

    /** A way to compute one result: its output (for the error) and the work to time. */
    private record Candidate(String name, String kernel, Supplier<float[]> output, Runnable work) {
    }

    /**
     * Milliseconds per call of each candidate, per round: the candidates take turns within a round (so that a burst
     * of load from other jobs on the machine falls on all of them), each timed over enough calls to last ~0.1 s.
     */
    private static double[][] time(List<Candidate> cands, int rounds) {
        int[] calls = new int[cands.size()];
        for (int k = 0; k < cands.size(); k++) {
            for (int i = 0; i < 3; i++) {
                cands.get(k).work.run(); // warm-up (JIT, oneDNN's kernel generation, buffers)
            }
            long t0 = System.nanoTime();
            cands.get(k).work.run();
            double once = (System.nanoTime() - t0) / 1e9;
            calls[k] = (int) Math.max(1, Math.min(200, Math.round(0.1 / Math.max(once, 1e-6))));
        }
        double[][] ms = new double[cands.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < cands.size(); k++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < calls[k]; i++) {
                    cands.get(k).work.run();
                }
                ms[k][r] = (System.nanoTime() - t0) / 1e6 / calls[k];
            }
        }
        return ms;
    }

    /** oneDNN's forward and backward-data convolutions of one layer, at one operand data type. */
    private static final class Conv {
        final int n;
        final int cin;
        final int cout;
        final int size;
        final int out;
        final dnnl_primitive fwd;
        final dnnl_primitive bwd;
        final String fwdImpl;
        final String bwdImpl;
        // NCHW float32 memories (the project's layout) and the primitives' own memories
        final dnnl_memory userSrc;
        final dnnl_memory userDst;
        final dnnl_memory userDiffDst;
        final dnnl_memory userDiffSrc;
        final dnnl_memory src;
        final dnnl_memory wei;
        final dnnl_memory dst;
        final dnnl_memory diffDst;
        final dnnl_memory weiB;
        final dnnl_memory diffSrc;
        final dnnl_primitive toSrc;
        final dnnl_primitive fromDst;
        final dnnl_primitive toDiffDst;
        final dnnl_primitive fromDiffSrc;

        Conv(int cin, int cout, int size, int pad, int dt, float[] h, float[] g, float[] w) {
            this.n = BATCH;
            this.cin = cin;
            this.cout = cout;
            this.size = size;
            this.out = size + 2 * pad - 2;
            long[] srcDims = {n, cin, size, size};
            long[] weiDims = {cout, cin, 3, 3};
            long[] dstDims = {n, cout, out, out};
            long[] strides = {1, 1};
            long[] padding = {pad, pad};
            dnnl_memory_desc_t srcAny = md(srcDims, dt, dnnl_format_tag_any);
            dnnl_memory_desc_t weiAny = md(weiDims, dt, dnnl_format_tag_any);
            dnnl_memory_desc_t dstAny = md(dstDims, dnnl_f32, dnnl_format_tag_any);
            dnnl_convolution_desc_t fd = new dnnl_convolution_desc_t();
            check(dnnl_convolution_forward_desc_init(fd, dnnl_forward_inference, dnnl_convolution_direct, srcAny,
                    weiAny, null, dstAny, strides, padding, padding), "forward convolution descriptor");
            dnnl_primitive_desc fpd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(fpd, new const_dnnl_op_desc_t(fd), null, engine, null),
                    "forward convolution");
            fwdImpl = impl(fpd);
            // backward data: diff_src float32 from diff_dst and weights in dt; a training-mode forward as its hint
            dnnl_convolution_desc_t ft = new dnnl_convolution_desc_t();
            check(dnnl_convolution_forward_desc_init(ft, dnnl_forward_training, dnnl_convolution_direct,
                    md(srcDims, dt, dnnl_format_tag_any), md(weiDims, dt, dnnl_format_tag_any), null,
                    md(dstDims, dt, dnnl_format_tag_any), strides, padding, padding), "hint descriptor");
            dnnl_primitive_desc hint = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(hint, new const_dnnl_op_desc_t(ft), null, engine, null), "hint");
            dnnl_convolution_desc_t bd = new dnnl_convolution_desc_t();
            check(dnnl_convolution_backward_data_desc_init(bd, dnnl_convolution_direct,
                    md(srcDims, dnnl_f32, dnnl_format_tag_any), md(weiDims, dt, dnnl_format_tag_any),
                    md(dstDims, dt, dnnl_format_tag_any), strides, padding, padding), "backward-data descriptor");
            dnnl_primitive_desc bpd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(bpd, new const_dnnl_op_desc_t(bd), null, engine, hint),
                    "backward-data convolution");
            bwdImpl = impl(bpd);

            userSrc = memory(md(srcDims, dnnl_f32, dnnl_nchw));
            userDst = memory(md(dstDims, dnnl_f32, dnnl_nchw));
            userDiffDst = memory(md(dstDims, dnnl_f32, dnnl_nchw));
            userDiffSrc = memory(md(srcDims, dnnl_f32, dnnl_nchw));
            dnnl_memory userWei = memory(md(weiDims, dnnl_f32, dnnl_oihw));
            write(userSrc, h);
            write(userDiffDst, g);
            write(userWei, w);

            src = memory(dnnl_primitive_desc_query_md(fpd, dnnl_query_src_md, 0));
            wei = memory(dnnl_primitive_desc_query_md(fpd, dnnl_query_weights_md, 0));
            dst = memory(dnnl_primitive_desc_query_md(fpd, dnnl_query_dst_md, 0));
            diffDst = memory(dnnl_primitive_desc_query_md(bpd, dnnl_query_diff_dst_md, 0));
            weiB = memory(dnnl_primitive_desc_query_md(bpd, dnnl_query_weights_md, 0));
            diffSrc = memory(dnnl_primitive_desc_query_md(bpd, dnnl_query_diff_src_md, 0));
            toSrc = reorder(userSrc, src);
            fromDst = reorder(dst, userDst);
            toDiffDst = reorder(userDiffDst, diffDst);
            fromDiffSrc = reorder(diffSrc, userDiffSrc);
            run(reorder(userWei, wei), DNNL_ARG_FROM, userWei, DNNL_ARG_TO, wei);
            run(reorder(userWei, weiB), DNNL_ARG_FROM, userWei, DNNL_ARG_TO, weiB);
            run(toSrc, DNNL_ARG_FROM, userSrc, DNNL_ARG_TO, src);
            run(toDiffDst, DNNL_ARG_FROM, userDiffDst, DNNL_ARG_TO, diffDst);
            fwd = primitive(fpd);
            bwd = primitive(bpd);
        }

        void forwardNative() {
            run(fwd, DNNL_ARG_SRC, src, DNNL_ARG_WEIGHTS, wei, DNNL_ARG_DST, dst);
        }

        float[] forwardNchw() {
            run(toSrc, DNNL_ARG_FROM, userSrc, DNNL_ARG_TO, src);
            forwardNative();
            run(fromDst, DNNL_ARG_FROM, dst, DNNL_ARG_TO, userDst);
            return read(userDst, n * cout * out * out);
        }

        void backwardNative() {
            run(bwd, DNNL_ARG_DIFF_DST, diffDst, DNNL_ARG_WEIGHTS, weiB, DNNL_ARG_DIFF_SRC, diffSrc);
        }

        float[] backwardNchw() {
            run(toDiffDst, DNNL_ARG_FROM, userDiffDst, DNNL_ARG_TO, diffDst);
            backwardNative();
            run(fromDiffSrc, DNNL_ARG_FROM, diffSrc, DNNL_ARG_TO, userDiffSrc);
            return read(userDiffSrc, n * cin * size * size);
        }
    }

    // ---- peaks --------------------------------------------------------------------------------------------------

    private static Map<String, Double> peaks(int rounds) {
        int m = 2048;
        double gflop = 2.0 * m * m * m / 1e9;
        Map<String, Double> out = new LinkedHashMap<>();
        INDArray a = Nd4j.rand(DataType.FLOAT, m, m);
        INDArray b = Nd4j.rand(DataType.FLOAT, m, m);
        INDArray c = Nd4j.zeros(DataType.FLOAT, m, m);
        FloatPointer pa = new FloatPointer(FusedKernels.floats(a));
        FloatPointer pb = new FloatPointer(FusedKernels.floats(b));
        FloatPointer pc = new FloatPointer((long) m * m);
        List<Candidate> cands = new ArrayList<>();
        cands.add(new Candidate("fp32: ND4J OpenBLAS, split over the cores (ParallelGemm, as bench)", "", null,
                () -> ParallelGemm.gemm(a, b, c, false, false, 1.0, 0.0)));
        cands.add(new Candidate("fp32: oneDNN dnnl_sgemm", "", null, () -> check(dnnl_sgemm((byte) 'N', (byte) 'N',
                m, m, m, 1f, pa, m, pb, m, 0f, pc, m), "sgemm")));
        for (int dt : new int[]{dnnl_f32, dnnl_bf16}) {
            long[] dims = {m, m};
            dnnl_matmul_desc_t d = new dnnl_matmul_desc_t();
            check(dnnl_matmul_desc_init(d, md(dims, dt, dnnl_ab), md(dims, dt, dnnl_format_tag_any), null,
                    md(dims, dnnl_f32, dnnl_ab)), "matmul descriptor");
            dnnl_primitive_desc pd = new dnnl_primitive_desc();
            check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(d), null, engine, null), "matmul");
            dnnl_memory src = memory(dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0));
            dnnl_memory wei = memory(dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0));
            dnnl_memory dst = memory(dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0));
            dnnl_memory user = memory(md(dims, dnnl_f32, dnnl_ab));
            write(user, FusedKernels.floats(a));
            run(reorder(user, src), DNNL_ARG_FROM, user, DNNL_ARG_TO, src);
            run(reorder(user, wei), DNNL_ARG_FROM, user, DNNL_ARG_TO, wei);
            dnnl_primitive p = primitive(pd);
            cands.add(new Candidate((dt == dnnl_f32 ? "fp32" : "bf16 × bf16 → fp32") + ": oneDNN matmul ("
                    + impl(pd) + ")", "", null, () -> run(p, DNNL_ARG_SRC, src, DNNL_ARG_WEIGHTS, wei, DNNL_ARG_DST,
                    dst)));
        }
        double[][] ms = time(cands, Math.max(3, rounds / 2));
        for (int k = 0; k < cands.size(); k++) {
            out.put(cands.get(k).name, gflop / Arrays.stream(ms[k]).min().orElse(Double.NaN) * 1e3);
        }
        return out;
    }

    // ---- oneDNN helpers -----------------------------------------------------------------------------------------

    private static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN: " + what + " failed with status " + status);
        }
    }

    private static dnnl_memory_desc_t md(long[] dims, int dataType, int tag) {
        dnnl_memory_desc_t d = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(d, dims.length, dims, dataType, tag), "memory descriptor");
        return d;
    }

    private static dnnl_memory memory(dnnl_memory_desc_t d) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, d, engine, ALLOCATE), "memory");
        return m;
    }

    private static dnnl_primitive primitive(dnnl_primitive_desc pd) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "primitive");
        return p;
    }

    private static dnnl_primitive reorder(dnnl_memory from, dnnl_memory to) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_reorder_primitive_desc_create(pd, desc(from), engine, desc(to), engine, null), "reorder");
        return primitive(pd);
    }

    private static dnnl_memory_desc_t desc(dnnl_memory m) {
        PointerPointer<dnnl_memory_desc_t> p = new PointerPointer<>(1);
        check(dnnl_memory_get_memory_desc(m, p), "memory descriptor query");
        return new dnnl_memory_desc_t(p.get(0));
    }

    private static void run(dnnl_primitive p, int a0, dnnl_memory m0, int a1, dnnl_memory m1) {
        execute(p, new int[]{a0, a1}, new dnnl_memory[]{m0, m1});
    }

    private static void run(dnnl_primitive p, int a0, dnnl_memory m0, int a1, dnnl_memory m1, int a2,
                            dnnl_memory m2) {
        execute(p, new int[]{a0, a1, a2}, new dnnl_memory[]{m0, m1, m2});
    }

    private static void execute(dnnl_primitive p, int[] kinds, dnnl_memory[] memories) {
        dnnl_exec_arg_t args = new dnnl_exec_arg_t(kinds.length);
        for (int i = 0; i < kinds.length; i++) {
            args.position(i).arg(kinds[i]).memory(memories[i]);
        }
        args.position(0);
        check(dnnl_primitive_execute(p, stream, kinds.length, args), "execute");
        check(dnnl_stream_wait(stream), "wait");
    }

    private static FloatPointer handle(dnnl_memory m, long length) {
        PointerPointer<Pointer> p = new PointerPointer<>(1);
        check(dnnl_memory_get_data_handle(m, p), "data handle");
        FloatPointer f = new FloatPointer(p.get(0));
        f.capacity(length);
        f.limit(length);
        return f;
    }

    private static void write(dnnl_memory m, float[] values) {
        handle(m, values.length).put(values, 0, values.length);
    }

    private static float[] read(dnnl_memory m, int length) {
        float[] v = new float[length];
        handle(m, length).get(v, 0, length);
        return v;
    }

    private static String impl(dnnl_primitive_desc pd) {
        PointerPointer<BytePointer> p = new PointerPointer<>(1);
        check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, p), "implementation");
        return new BytePointer(p.get(0)).getString();
    }

    private static String isaName(int isa) {
        if (isa == dnnl_cpu_isa_avx512_core_amx) {
            return "avx512_core_amx";
        }
        if (isa == dnnl_cpu_isa_avx512_core_bf16) {
            return "avx512_core_bf16";
        }
        return "0x" + Integer.toHexString(isa);
    }

    // ---- numbers ------------------------------------------------------------------------------------------------

    private static double relativeError(float[] x, float[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = x[i] - ref[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
