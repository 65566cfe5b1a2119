package org.eqprop.kernels;

/** Plain-Java loops: correct everywhere, vectorised only as far as the JIT manages. */
final class ScalarKernel implements SimdKernel {

    @Override
    public void accumulate(float[] out, float[] init, float[] m, float[] in, int rows, int inner, int stride) {
        if (init != out) {
            System.arraycopy(init, 0, out, 0, rows * stride);
        }
        for (int r = 0; r < rows; r++) {
            int o = r * stride;
            int mr = r * inner;
            for (int c = 0; c < inner; c++) {
                float a = m[mr + c];
                int i = c * stride;
                for (int b = 0; b < stride; b++) {
                    out[o + b] += a * in[i + b];
                }
            }
        }
    }

    @Override
    public void accumulateTransposed(float[] out, float[] init, float[] mT, float[] in, int rows, int inner,
                                     int stride) {
        for (int r = 0; r < rows; r++) {
            int o = r * stride;
            for (int b = 0; b < stride; b++) {
                float a = init[o + b];
                for (int c = 0; c < inner; c++) {
                    a = Math.fma(mT[c * rows + r], in[c * stride + b], a);
                }
                out[o + b] = a;
            }
        }
    }

    @Override
    public void contrastProducts(float[] g, float[] la, float[] ua, float[] lb, float[] ub, int rows, int cols,
                                 int nb, int stride) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                float sum = 0f;
                for (int b = 0; b < nb; b++) {
                    sum += la[i * stride + b] * ua[j * stride + b] - lb[i * stride + b] * ub[j * stride + b];
                }
                g[i * cols + j] += sum;
            }
        }
    }

    @Override
    public float clampStep(float[] s, float[] u, int len, float slope, float eps, float leak) {
        float keep = 1f - eps;
        float gain = eps * slope;
        float residual = 0f;
        for (int i = 0; i < len; i++) {
            float v = u[i];
            float next = Math.min(Math.max(keep * s[i] + gain * v, 0f), 1f) + leak * v;
            residual = Math.max(residual, Math.abs(next - s[i]));
            u[i] = next;
        }
        return residual;
    }

    @Override
    public boolean allFinite(java.nio.ByteBuffer b, int offset, int count) {
        return SimdKernel.allFiniteFrom(b, offset, 0, count);
    }

    @Override
    public int lanes() {
        return 8;
    }

    @Override
    public String name() {
        return "scalar";
    }
}
