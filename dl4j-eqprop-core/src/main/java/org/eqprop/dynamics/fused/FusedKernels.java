package org.eqprop.dynamics.fused;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The loops of the fused CPU engine, on plain float arrays. States of a batch slice are stored feature-major
 * ([width][nb], the batch contiguous), so that both W s and Wᵀ s become sums of scaled batch vectors: loops that
 * the JIT compiles to SIMD instructions, with no per-operation dispatch.
 */
public final class FusedKernels {

    private FusedKernels() {
    }

    /**
     * out[r][·] += Σ_c m[r][c] · in[c][·] for r &lt; rows, c &lt; inner, over the nb batch columns.
     * m is row-major [rows][inner]; out [rows][nb] and in [inner][nb] are feature-major.
     */
    public static void accumulate(float[] out, float[] m, float[] in, int rows, int inner, int nb) {
        for (int r = 0; r < rows; r++) {
            int o = r * nb;
            int mr = r * inner;
            int c = 0;
            for (; c + 3 < inner; c += 4) {
                float a0 = m[mr + c];
                float a1 = m[mr + c + 1];
                float a2 = m[mr + c + 2];
                float a3 = m[mr + c + 3];
                int i0 = c * nb;
                int i1 = i0 + nb;
                int i2 = i1 + nb;
                int i3 = i2 + nb;
                for (int b = 0; b < nb; b++) {
                    out[o + b] += a0 * in[i0 + b] + a1 * in[i1 + b] + a2 * in[i2 + b] + a3 * in[i3 + b];
                }
            }
            for (; c < inner; c++) {
                float a = m[mr + c];
                int i0 = c * nb;
                for (int b = 0; b < nb; b++) {
                    out[o + b] += a * in[i0 + b];
                }
            }
        }
    }

    /** dst[j][b] = src[offset + b][j]: rows [offset, offset+nb) of an example-major [n][width] array. */
    public static void toFeatureMajor(float[] src, int width, int offset, int nb, float[] dst) {
        for (int b = 0; b < nb; b++) {
            int row = (offset + b) * width;
            for (int j = 0; j < width; j++) {
                dst[j * nb + b] = src[row + j];
            }
        }
    }

    /** dst[offset + b][j] = src[j][b]: the inverse of {@link #toFeatureMajor}. */
    public static void fromFeatureMajor(float[] src, int width, int offset, int nb, float[] dst) {
        for (int b = 0; b < nb; b++) {
            int row = (offset + b) * width;
            for (int j = 0; j < width; j++) {
                dst[row + j] = src[j * nb + b];
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

    /** A row-major float copy of an array. */
    public static float[] floats(INDArray a) {
        INDArray c = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        return c.dup('c').data().asFloat();
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
