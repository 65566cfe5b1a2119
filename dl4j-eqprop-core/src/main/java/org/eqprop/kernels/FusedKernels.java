package org.eqprop.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The loops of the fused CPU engine, on plain float arrays. States of a batch slice are stored feature-major
 * (row r of a layer holds the slice's nb examples at [r·stride, r·stride + nb), the stride padded to the SIMD
 * width), so that both W s and Wᵀ s become sums of scaled batch vectors, and elementwise steps run over whole
 * layers: no per-operation dispatch, no per-step allocation.
 */
public final class FusedKernels {

    private FusedKernels() {
    }

    /** The SIMD kernels in use: the Vector API ones when jdk.incubator.vector is loaded, else plain loops. */
    static final SimdKernel PRODUCT = SimdKernel.best();

    /** The SIMD width (floats) that slice strides are rounded up to. */
    public static int lanes() {
        return PRODUCT.lanes();
    }

    /** The name of the kernels in use ("vector-api" or "scalar"). */
    public static String kernelName() {
        return PRODUCT.name();
    }

    /**
     * out[r][·] += Σ_c m[r][c] · in[c][·] for r &lt; rows, c &lt; inner: m is row-major [rows][inner]; out and in are
     * feature-major slices (row r of a layer at [r·stride, (r+1)·stride), stride a multiple of {@link #lanes()}).
     */
    public static void accumulate(float[] out, float[] m, float[] in, int rows, int inner, int stride) {
        PRODUCT.accumulate(out, out, m, in, rows, inner, stride);
    }

    /** out := init + m·in (same layout as {@link #accumulate}); init may be out. */
    public static void product(float[] out, float[] init, float[] m, float[] in, int rows, int inner, int stride) {
        PRODUCT.accumulate(out, init, m, in, rows, inner, stride);
    }

    /**
     * out := init + mᵀ·in with mT row-major [inner][rows] (a weight matrix as DL4J stores it, [nIn][width]) and out,
     * init, in feature-major slices: out[r][·] = init[r][·] + Σ_c mT[c][r] · in[c][·], each sum in ascending c with
     * one fused multiply-add per term (so every kernel gives the same bits). The input drive W_1 x + b_1 of a slice.
     */
    public static void productTransposed(float[] out, float[] init, float[] mT, float[] in, int rows, int inner,
                                         int stride) {
        PRODUCT.accumulateTransposed(out, init, mT, in, rows, inner, stride);
    }

    /**
     * The clipped update u := clip((1 − ε) s + ε·a·u, 0, 1) + λu over len values, returning max |u_new − s|: the
     * (half-)hard-sigmoid fixed-point step (ε = 1, a = 1 or ½) and the Euler step (a = 1) in one pass.
     */
    public static float clampStep(float[] s, float[] u, int len, float slope, float eps, float leak) {
        return PRODUCT.clampStep(s, u, len, slope, eps, leak);
    }

    /** The side of the square tiles that the layout changes copy, so that reads and writes both stay in cache lines. */
    private static final int TILE = 16;

    /** dst[j][b] = src[offset + b][j] for b &lt; nb: rows of an example-major [n][width] array into a slice. */
    public static void toFeatureMajor(float[] src, int width, int offset, int nb, float[] dst, int stride) {
        for (int b0 = 0; b0 < nb; b0 += TILE) {
            int b1 = Math.min(nb, b0 + TILE);
            for (int j0 = 0; j0 < width; j0 += TILE) {
                int j1 = Math.min(width, j0 + TILE);
                for (int b = b0; b < b1; b++) {
                    int row = (offset + b) * width;
                    for (int j = j0; j < j1; j++) {
                        dst[j * stride + b] = src[row + j];
                    }
                }
            }
        }
    }

    /** dst[offset + b][j] = src[j][b]: the inverse of {@link #toFeatureMajor}. */
    public static void fromFeatureMajor(float[] src, int width, int offset, int nb, float[] dst, int stride) {
        for (int j0 = 0; j0 < width; j0 += TILE) {
            int j1 = Math.min(width, j0 + TILE);
            for (int b0 = 0; b0 < nb; b0 += TILE) {
                int b1 = Math.min(nb, b0 + TILE);
                for (int j = j0; j < j1; j++) {
                    int col = j * stride;
                    for (int b = b0; b < b1; b++) {
                        dst[(offset + b) * width + j] = src[col + b];
                    }
                }
            }
        }
    }

    /** Sets the padding columns [nb, stride) of every row to zero. */
    public static void zeroPadding(float[] a, int rows, int nb, int stride) {
        if (nb < stride) {
            for (int r = 0; r < rows; r++) {
                java.util.Arrays.fill(a, r * stride + nb, (r + 1) * stride, 0f);
            }
        }
    }

    /** The transpose of a row-major [rows][cols] matrix. */
    public static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }

    /**
     * A row-major float copy of an array (one bulk copy out of native memory; a contiguous view, such as a layer's
     * parameter view into its flat array, is read in place at its offset).
     */
    public static float[] floats(INDArray a) {
        return floats(a, new float[Math.toIntExact(a.length())]);
    }

    /** {@link #floats(INDArray)} into the first a.length() floats of {@code out} (returned). */
    public static float[] floats(INDArray a, float[] out) {
        INDArray c = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        if (!readsInPlace(c)) {
            c = c.dup('c');
        }
        c.data().asNioFloat().get((int) c.offset(), out, 0, (int) c.length());
        return out;
    }

    /**
     * True when no entry of a is NaN or infinite, for a float32 array whose entries lie one after another
     * ({@link #readsInPlace}): one SIMD pass over its memory, in place.
     */
    public static boolean allFinite(INDArray a) {
        if (!readsInPlace(a)) {
            throw new IllegalArgumentException("allFinite reads float32 arrays in place: " + a.shapeInfoToString());
        }
        return PRODUCT.allFinite(a.data().asNio(), Math.toIntExact(4 * a.offset()), Math.toIntExact(a.length()));
    }

    /**
     * True when a is float32 with its entries in row-major order, one after another from its offset, so that it is
     * read and written in place ({@link #floats}, {@link #write}, {@link #allFinite}). The offset counts from the start
     * of the memory that {@code data().asNio()} covers, which for a view buffer (a layer's parameter or gradient view
     * into the network's flat array, a row) is its parent's: so the bound is that memory's size, not the view
     * buffer's own length (which made every parameter view but the first a copy through ND4J).
     */
    public static boolean readsInPlace(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c'
                && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a)
                && a.offset() + a.length() <= a.data().asNio().capacity() / 4;
    }

    /**
     * g[i][j] += Σ_{b &lt; nb} (la[i][b] · ua[j][b] − lb[i][b] · ub[j][b]) for i &lt; rows, j &lt; cols, g row-major
     * [rows][cols] and la, lb ([rows] rows) and ua, ub ([cols] rows) feature-major slices: the contrast of two phases'
     * ∂Φ/∂W = s_lower s_upperᵀ over a slice's examples (the padding columns from nb on are left out).
     */
    public static void contrastProducts(float[] g, float[] la, float[] ua, float[] lb, float[] ub, int rows,
                                        int cols, int nb, int stride) {
        PRODUCT.contrastProducts(g, la, ua, lb, ub, rows, cols, nb, stride);
    }

    /** Writes {@code src} (row-major, a.length() floats) into a: in place when a is contiguous, else by assign. */
    public static void write(INDArray a, float[] src) {
        if (readsInPlace(a)) {
            a.data().asNioFloat().put((int) a.offset(), src, 0, (int) a.length());
        } else {
            a.assign(array(src, a.shape()));
        }
    }

    /** A new row-major float32 array holding {@code data} (one bulk copy into native memory). */
    public static INDArray array(float[] data, long... shape) {
        INDArray a = org.nd4j.linalg.factory.Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        a.data().asNioFloat().put(data, 0, data.length);
        return a;
    }

    /** max |a[i] − b[i]| for i &lt; len. */
    public static float maxAbsDiff(float[] a, float[] b, int len) {
        float m = 0f;
        for (int i = 0; i < len; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
