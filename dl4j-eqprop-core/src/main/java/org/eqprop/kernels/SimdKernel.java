package org.eqprop.kernels;

import org.slf4j.LoggerFactory;

/**
 * The two hot loops of the fused engine on feature-major slices (see {@link FusedKernels}): the product
 * out[r][·] = init[r][·] + Σ_c m[r][c] · in[c][·], and the clipped state update with its residual.
 */
interface SimdKernel {

    void accumulate(float[] out, float[] init, float[] m, float[] in, int rows, int inner, int stride);

    /**
     * out[r][·] = init[r][·] + Σ_c mT[c][r] · in[c][·], with mT row-major [inner][rows] (m stored transposed, as
     * DL4J stores W_1: [nIn][width]); each sum runs over c in ascending order, one fused multiply-add per term.
     */
    void accumulateTransposed(float[] out, float[] init, float[] mT, float[] in, int rows, int inner, int stride);

    /**
     * g[i·cols + j] += Σ_{b &lt; nb} (la[i·stride + b]·ua[j·stride + b] − lb[i·stride + b]·ub[j·stride + b]).
     */
    void contrastProducts(float[] g, float[] la, float[] ua, float[] lb, float[] ub, int rows, int cols, int nb,
                          int stride);

    /**
     * u[i] := clip((1 − ε) s[i] + ε·a·u[i], 0, 1) + λ·u[i] for i &lt; len; returns max_i |u_new[i] − s[i]|.
     */
    float clampStep(float[] s, float[] u, int len, float slope, float eps, float leak);

    /** True when none of the {@code count} floats from byte {@code offset} of {@code b} is NaN or infinite. */
    boolean allFinite(java.nio.ByteBuffer b, int offset, int count);

    /** Floats {@code from} to {@code count} (exclusive) from byte {@code offset} of {@code b}, one by one. */
    static boolean allFiniteFrom(java.nio.ByteBuffer b, int offset, int from, int count) {
        java.nio.ByteBuffer n = b.duplicate().order(java.nio.ByteOrder.nativeOrder());
        for (int i = from; i < count; i++) {
            if (!Float.isFinite(n.getFloat(offset + 4 * i))) {
                return false;
            }
        }
        return true;
    }

    /** Floats per SIMD register: slice strides are multiples of it. */
    int lanes();

    String name();

    /** The Vector API kernel if the JVM runs with {@code --add-modules jdk.incubator.vector}, else plain loops. */
    static SimdKernel best() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                && !Boolean.getBoolean("eqprop.scalarKernels")) {
            try {
                return (SimdKernel) Class.forName("org.eqprop.kernels.VectorKernel")
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                LoggerFactory.getLogger(SimdKernel.class).warn("Vector API kernel unavailable ({}); using scalar "
                        + "loops", e.toString());
            }
        } else if (!Boolean.getBoolean("eqprop.scalarKernels")) {
            LoggerFactory.getLogger(SimdKernel.class).info("jdk.incubator.vector is not loaded: the fused EqProp "
                    + "engine uses scalar loops (run java with --add-modules jdk.incubator.vector for SIMD kernels)");
        }
        return new ScalarKernel();
    }
}
