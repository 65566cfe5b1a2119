package org.eqprop.kernels;

import org.bytedeco.dnnl.dnnl_matmul_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.bytedeco.dnnl.global.dnnl.*;
import static org.eqprop.kernels.Onednn.*;

/**
 * C = op(A)·op(B) (+ a bias row b broadcast over C's rows) for float32 row-major matrices, by oneDNN's matmul
 * primitive on {@link Onednn#THREADS} cores, with float32 or bf16 operands (bf16: A and B rounded to bf16 on each
 * call, products accumulated and written in float32, relative error about 2e-3).
 * <p>
 * op(A) = Aᵀ and op(B) = Bᵀ are read in place as oneDNN's transposed layout ({@code ba}), never copied; C may be a
 * row-major view into a larger buffer (a layer's slice of DL4J's flat gradient). With float32 operands oneDNN reads
 * the arrays as they are; with bf16 each call converts A and B into the primitive's own (for B, blocked) layout
 * first. Used by the fused dense engine for the iteration's two large products, the input drive x W_1 + b_1 and the
 * weight contrast xᵀ (S_1^a − S_1^b), where it runs 1.2-2x faster than OpenBLAS's sgemm split over the cores
 * (docs/performance.md). Primitives live in a small process-wide cache keyed by {@link Shape}; calls on one entry
 * are serialised, and the same shape on the same number of threads gives the same bits every call.
 */
public final class OnednnMatmul {

    /** Most shapes kept (an evicted entry frees its native objects). */
    private static final int CACHE_SIZE = 16;

    private static final Map<Shape, OnednnMatmul> CACHE = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * A product's shape: C [m, n] from op(A) [m, k] and op(B) [k, n]; A stored [k, m] when {@code transA}, B stored
     * [n, k] when {@code transB}; with a bias row [1, n] or none; float32 or bf16 operands.
     */
    public record Shape(int m, int n, int k, boolean transA, boolean transB, boolean bias, boolean bf16) {
        public Shape {
            if (m < 1 || n < 1 || k < 1) {
                throw new IllegalArgumentException("matrix sizes must be positive: " + m + "x" + k + " by " + k
                        + "x" + n);
            }
        }
    }

    /** True when oneDNN loaded here and is not turned off ({@link Onednn#enabled()}); else callers take their own path. */
    public static boolean available() {
        return enabled() && loadProblem() == null;
    }

    /**
     * c := op(a)·op(b) (+ bias in every row): float32 arrays laid out as {@code shape} says, each row-major
     * ('c') with unit inner stride, views allowed; {@code bias} null unless the shape has one.
     */
    public static void multiply(Shape shape, INDArray a, INDArray b, INDArray bias, INDArray c) {
        String problem = problem(shape, a, b, bias, c);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        // an entry evicted (and freed) by another thread between the lookup and the call is looked up again
        while (!of(shape).run(a, b, bias, c)) {
            Thread.onSpinWait();
        }
    }

    /**
     * True when {@link #multiply} runs these arrays here: oneDNN available and every operand laid out as it reads
     * them ({@code c} null: the caller makes a row-major result).
     */
    public static boolean runs(Shape shape, INDArray a, INDArray b, INDArray bias, INDArray c) {
        return available() && problem(shape, a, b, bias, c) == null;
    }

    /** Why {@link #multiply} cannot read these arrays as the shape says, or null ({@code c} null: not checked). */
    private static String problem(Shape shape, INDArray a, INDArray b, INDArray bias, INDArray c) {
        String p = problem(shape, a, shape.transA() ? shape.k() : shape.m(), shape.transA() ? shape.m() : shape.k(),
                "A");
        p = p != null ? p : problem(shape, b, shape.transB() ? shape.n() : shape.k(),
                shape.transB() ? shape.k() : shape.n(), "B");
        p = p != null || c == null ? p : problem(shape, c, shape.m(), shape.n(), "C");
        if (p != null) {
            return p;
        }
        if (shape.bias() != (bias != null)) {
            return "the shape " + (shape.bias() ? "has" : "has no") + " bias row";
        }
        if (bias != null && (bias.dataType() != DataType.FLOAT || bias.length() != shape.n()
                || !(bias.rank() == 2 ? bias.size(0) == 1 && rowMajor(bias)
                : bias.rank() == 1 && (bias.length() == 1 || bias.stride(0) == 1)))) {
            return "the bias of " + shape + " must be a contiguous float32 [1, " + shape.n() + "] or [" + shape.n()
                    + "] array, not " + bias.dataType() + " " + java.util.Arrays.toString(bias.shape()) + " strides "
                    + java.util.Arrays.toString(bias.stride());
        }
        return null;
    }

    private static String problem(Shape shape, INDArray x, long rows, long cols, String name) {
        if (x.dataType() != DataType.FLOAT || x.rank() != 2 || x.size(0) != rows || x.size(1) != cols
                || !rowMajor(x)) {
            return name + " of " + shape + " must be a row-major float32 [" + rows + ", " + cols + "] array, not "
                    + x.dataType() + " " + java.util.Arrays.toString(x.shape()) + " '" + x.ordering() + "' strides "
                    + java.util.Arrays.toString(x.stride());
        }
        return null;
    }

    /** True when a 2-D array's rows lie one after another with unit inner stride (a view may start anywhere). */
    public static boolean rowMajor(INDArray x) {
        return x.rank() == 2 && (x.size(1) == 1 || x.stride(1) == 1) && (x.size(0) == 1 || x.stride(0) == x.size(1));
    }

    /** The cached entry of a shape, made if need be (the least recently used one beyond the cache size is freed). */
    static OnednnMatmul of(Shape shape) {
        synchronized (CACHE) {
            OnednnMatmul e = CACHE.get(shape);
            if (e == null) {
                if (loadProblem() != null) {
                    throw new IllegalStateException("oneDNN is not available: " + loadProblem());
                }
                e = onCores(() -> new OnednnMatmul(shape));
                CACHE.put(shape, e);
                if (CACHE.size() > CACHE_SIZE) {
                    var it = CACHE.entrySet().iterator();
                    OnednnMatmul old = it.next().getValue();
                    it.remove();
                    old.close();
                }
            }
            return e;
        }
    }

    /** oneDNN's implementation of a shape's product ("brg:avx512_core_amx_bf16"), made if need be. */
    public static String implementation(Shape shape) {
        return of(shape).impl;
    }

    /**
     * Best GFLOP/s of {@code repeats} n×n×n products with bf16 operands already converted (uniform [0, 1) values):
     * the product peak that bf16 work is measured against (AMX where {@link Onednn#amx()}). Made and freed here.
     */
    public static double bf16Gflops(int n, int repeats) {
        if (loadProblem() != null) {
            throw new IllegalStateException("oneDNN is not available: " + loadProblem());
        }
        OnednnMatmul product = onCores(() -> new OnednnMatmul(new Shape(n, n, n, false, false, false, true)));
        INDArray values = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray out = Nd4j.create(DataType.FLOAT, n, n);
        try {
            return onCores(() -> {
                product.convert(values, values);
                long best = Long.MAX_VALUE;
                for (int i = 0; i < repeats + 1; i++) { // the first run includes oneDNN's kernel generation
                    long t0 = System.nanoTime();
                    product.multiplyConverted(null, out);
                    if (i > 0) {
                        best = Math.min(best, System.nanoTime() - t0);
                    }
                }
                return 2.0 * n * n * n / (best / 1e9) / 1e9;
            });
        } finally {
            product.close();
            values.close();
            out.close();
        }
    }

    // ---- one shape ----------------------------------------------------------------------------------------------

    private final List<Runnable> release = new ArrayList<>();
    private final Shape shape;
    private final String impl;
    private final dnnl_primitive product;
    /** The caller's arrays (buffer-less memories pointed at them per call). */
    private final dnnl_memory userA;
    private final dnnl_memory userB;
    private final dnnl_memory userBias;
    private final dnnl_memory userC;
    /** bf16 only: the primitive's operands and the conversions into them. */
    private final dnnl_memory a;
    private final dnnl_memory b;
    private final dnnl_primitive toA;
    private final dnnl_primitive toB;
    private boolean closed;

    private OnednnMatmul(Shape s) {
        this.shape = s;
        try {
            int dt = s.bf16() ? dnnl_bf16 : dnnl_f32;
            long[] aDims = {s.m(), s.k()};
            long[] bDims = {s.k(), s.n()};
            long[] cDims = {s.m(), s.n()};
            int aTag = s.transA() ? dnnl_ba : dnnl_ab;
            int bTag = s.transB() ? dnnl_ba : dnnl_ab;
            dnnl_memory_desc_t biasDesc = s.bias() ? md(new long[]{1, s.n()}, dnnl_f32, dnnl_ab) : null;
            dnnl_matmul_desc_t d = new dnnl_matmul_desc_t();
            Onednn.check(dnnl_matmul_desc_init(d, md(aDims, dt, aTag), md(bDims, dt,
                    s.bf16() ? dnnl_format_tag_any : bTag), biasDesc, md(cDims, dnnl_f32, dnnl_ab)), "matmul descriptor");
            dnnl_primitive_desc pd = primitiveDesc(d, null, null, "matmul primitive descriptor", release);
            impl = Onednn.impl(pd);
            product = primitive(pd, release);
            userA = memory(md(aDims, dnnl_f32, aTag), false, release);
            userB = memory(md(bDims, dnnl_f32, bTag), false, release);
            userBias = s.bias() ? memory(biasDesc, false, release) : null;
            userC = memory(md(cDims, dnnl_f32, dnnl_ab), false, release);
            if (s.bf16()) {
                a = memory(dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), true, release);
                b = memory(dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0), true, release);
                toA = reorder(userA, a, false, release);
                toB = reorder(userB, b, false, release);
            } else {
                a = userA;
                b = userB;
                toA = null;
                toB = null;
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Runs the product; false (nothing done) when this entry was freed. */
    synchronized boolean run(INDArray ha, INDArray hb, INDArray bias, INDArray c) {
        if (closed) {
            return false;
        }
        onCores(() -> {
            convert(ha, hb);
            multiplyConverted(bias, c);
            return null;
        });
        return true;
    }

    /** Points the operand memories at A and B; with bf16 operands, converts them. */
    private void convert(INDArray ha, INDArray hb) {
        Onednn.setHandle(userA, at(ha));
        Onednn.setHandle(userB, at(hb));
        if (toA != null) {
            Onednn.run(toA, DNNL_ARG_FROM, userA, DNNL_ARG_TO, a);
            Onednn.run(toB, DNNL_ARG_FROM, userB, DNNL_ARG_TO, b);
        }
    }

    private void multiplyConverted(INDArray bias, INDArray c) {
        Onednn.setHandle(userC, at(c));
        if (bias != null) {
            Onednn.setHandle(userBias, at(bias));
            Onednn.execute(product, new int[]{DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST},
                    new dnnl_memory[]{a, b, userBias, userC});
        } else {
            Onednn.run(product, DNNL_ARG_SRC, a, DNNL_ARG_WEIGHTS, b, DNNL_ARG_DST, userC);
        }
        Onednn.await();
    }

    /** The address of an array's first element (a view's too: ND4J's view buffers point at their first element). */
    private static Pointer at(INDArray x) {
        Pointer buffer = x.data().addressPointer();
        long first = buffer.address() + buffer.position() * buffer.sizeof();
        return new Pointer() {
            {
                address = first;
            }
        };
    }

    private synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Onednn.free(release);
    }
}
