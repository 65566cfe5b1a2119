package org.eqprop.interactions;

import org.eqprop.kernels.CorePool;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.FloatBuffer;

/**
 * A float32 3×3 stride-1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin &amp; Gray 2016): each 2×2
 * output tile is Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A for its 4×4 input tile d, so that summed over the input channels
 * the 16 elementwise products become 16 matrix products M_ξ = U_ξ V_ξ ([out, in] × [in, tiles]) with 16 multiplies
 * per tile instead of the direct form's 36: 2.25x fewer FLOPs than im2col's product. The transposed convolution
 * w ⋆ᵀ g (the feedback of thesis eq. 5.13) is the same filtering with the flipped, in/out-swapped kernel and padding
 * 2 − p, so one instance holds both transformed kernels. Immutable once built; the transforms of a kernel are built
 * once per weight state (see {@link ConvPoolInteraction}).
 */
final class WinogradConvolution {

    private static final int TILE = 16;

    private final int out;
    private final int in;
    /** U = G g Gᵀ as [16·out, in] (block ξ is U_ξ) for w ⋆ h, and [16·in, out] for w ⋆ᵀ g. */
    private final INDArray forward;
    private final INDArray transpose;

    /** @param w the kernel [out, in, 3, 3], row-major */
    WinogradConvolution(float[] w, int out, int in) {
        if (w.length != out * in * 9) {
            throw new IllegalArgumentException("a 3x3 kernel [" + out + ", " + in + ", 3, 3] has " + out * in * 9
                    + " weights, got " + w.length);
        }
        this.out = out;
        this.in = in;
        this.forward = filterTransform(w, out, in, false);
        this.transpose = filterTransform(w, out, in, true);
    }

    /** Whether this form applies: float32, a 3×3 kernel, stride 1, padding at most 2. */
    static boolean applies(DataType dataType, long kernelH, long kernelW, int stride, int padding) {
        return dataType == DataType.FLOAT && kernelH == 3 && kernelW == 3 && stride == 1 && padding >= 0
                && padding <= 2;
    }

    /**
     * U = G g Gᵀ per (row, column) pair of the kernel matrix, G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]]; transposed:
     * rows are the input channels and g[u][v] = w[o, c, 2−u, 2−v].
     */
    private static INDArray filterTransform(float[] w, int out, int in, boolean transposed) {
        int rows = transposed ? in : out;
        int cols = transposed ? out : in;
        float[] u = new float[TILE * rows * cols];
        CorePool.parallelFor(rows, 8, (from, to) -> {
            float[] g = new float[9];
            float[] gg = new float[12];
            for (int r = from; r < to; r++) {
                for (int c = 0; c < cols; c++) {
                    int base = transposed ? (c * in + r) * 9 : (r * in + c) * 9;
                    for (int k = 0; k < 9; k++) {
                        g[k] = transposed ? w[base + 8 - k] : w[base + k];
                    }
                    for (int j = 0; j < 3; j++) {   // G g: 4 rows of 3
                        float g0 = g[j];
                        float g1 = g[3 + j];
                        float g2 = g[6 + j];
                        gg[j] = g0;
                        gg[3 + j] = 0.5f * (g0 + g1 + g2);
                        gg[6 + j] = 0.5f * (g0 - g1 + g2);
                        gg[9 + j] = g2;
                    }
                    for (int i = 0; i < 4; i++) {   // (G g) Gᵀ: 4 columns
                        float a0 = gg[3 * i];
                        float a1 = gg[3 * i + 1];
                        float a2 = gg[3 * i + 2];
                        int at = r * cols + c;
                        u[(4 * i) * rows * cols + at] = a0;
                        u[(4 * i + 1) * rows * cols + at] = 0.5f * (a0 + a1 + a2);
                        u[(4 * i + 2) * rows * cols + at] = 0.5f * (a0 - a1 + a2);
                        u[(4 * i + 3) * rows * cols + at] = a2;
                    }
                }
            }
        });
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return Nd4j.create(u, new long[]{(long) TILE * rows, cols}, 'c');
        }
    }

    /**
     * w ⋆ h for h [batch, in, height, width] with this padding: a new row-major float array [batch, out, oH, oW],
     * oH = height + 2·padding − 2.
     */
    float[] convolve(float[] h, int batch, int height, int width, int padding) {
        int oh = height + 2 * padding - 2;
        int ow = width + 2 * padding - 2;
        float[] y = new float[batch * out * oh * ow];
        filter(forward, in, out, h, batch, height, width, padding, y);
        return y;
    }

    /**
     * target += w ⋆ᵀ g for g [batch, out, oH, oW] (the output of a convolution with this padding) and target
     * [batch, in, H, W], H = oH − 2·padding + 2: the filtering of g with the flipped kernel and padding 2 − padding.
     */
    void addTranspose(float[] g, int batch, int oh, int ow, int padding, float[] target) {
        filter(transpose, out, in, g, batch, oh, ow, 2 - padding, target);
    }

    /**
     * y += the Winograd filtering of x [batch, channels, height, width] with transformed kernel u [16·outs, channels]
     * and zero padding p: y [batch, outs, height + 2p − 2, width + 2p − 2].
     */
    private static void filter(INDArray u, int channels, int outs, float[] x, int batch, int height, int width,
                               int p, float[] y) {
        int oh = height + 2 * p - 2;
        int ow = width + 2 * p - 2;
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("a 3x3 convolution of " + height + "x" + width + " with padding " + p
                    + " has no output");
        }
        int th = (oh + 1) / 2;
        int tw = (ow + 1) / 2;
        int tiles = batch * th * tw;
        INDArray v = ScratchArrays.get("winograd-input", DataType.FLOAT, (long) TILE * channels, tiles);
        INDArray m = ScratchArrays.get("winograd-products", DataType.FLOAT, (long) TILE * outs, tiles);
        inputTransform(x, channels, height, width, p, batch, th, tw, v.data().asNioFloat());
        // the 16 products M_ξ = U_ξ V_ξ, split over the cores by ξ (each one BLAS call)
        CorePool.parallelFor(TILE, 1, (from, to) -> {
            for (int xi = from; xi < to; xi++) {
                INDArray uXi = u.get(NDArrayIndex.interval((long) xi * outs, (long) (xi + 1) * outs), NDArrayIndex.all());
                INDArray vXi = v.get(NDArrayIndex.interval((long) xi * channels, (long) (xi + 1) * channels),
                        NDArrayIndex.all());
                INDArray mXi = m.get(NDArrayIndex.interval((long) xi * outs, (long) (xi + 1) * outs), NDArrayIndex.all());
                Nd4j.gemm(uXi, vXi, mXi, false, false, 1.0, 0.0);
            }
        });
        outputTransform(m.data().asNioFloat(), outs, tiles, th, tw, oh, ow, y);
    }

    /**
     * V = Bᵀ d B per channel and tile, Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]], d the 4×4 input tile at
     * (2·ty − p, 2·tx − p) (zero outside the image); written as v[ξ·channels + c, tile]. Per tile row the vertical
     * half Bᵀ d is formed once on whole zero-padded image rows, then the horizontal half per tile.
     */
    private static void inputTransform(float[] x, int channels, int height, int width, int p, int batch, int th,
                                       int tw, FloatBuffer v) {
        int tiles = batch * th * tw;
        int span = 2 * tw + 2;   // padded row: columns −p .. 2·tw + 1 − p
        CorePool.parallelFor(channels, 1, (from, to) -> {
            float[][] rows = new float[TILE][tiles];
            float[][] line = new float[4][span];
            float[][] e = new float[4][span];
            for (int c = from; c < to; c++) {
                for (int b = 0; b < batch; b++) {
                    int image = (b * channels + c) * height * width;
                    for (int ty = 0; ty < th; ty++) {
                        for (int i = 0; i < 4; i++) {
                            int yy = 2 * ty - p + i;
                            java.util.Arrays.fill(line[i], 0f);
                            if (yy >= 0 && yy < height) {   // span ≥ width + 2p: the row fits
                                System.arraycopy(x, image + yy * width, line[i], p, width);
                            }
                        }
                        for (int q = 0; q < span; q++) {   // Bᵀ d on whole rows
                            float d0 = line[0][q];
                            float d1 = line[1][q];
                            float d2 = line[2][q];
                            float d3 = line[3][q];
                            e[0][q] = d0 - d2;
                            e[1][q] = d1 + d2;
                            e[2][q] = d2 - d1;
                            e[3][q] = d1 - d3;
                        }
                        int t0 = (b * th + ty) * tw;
                        for (int i = 0; i < 4; i++) {   // (Bᵀ d) B per tile
                            float[] r = e[i];
                            float[] v0 = rows[4 * i];
                            float[] v1 = rows[4 * i + 1];
                            float[] v2 = rows[4 * i + 2];
                            float[] v3 = rows[4 * i + 3];
                            for (int tx = 0; tx < tw; tx++) {
                                int q = 2 * tx;
                                float r0 = r[q];
                                float r1 = r[q + 1];
                                float r2 = r[q + 2];
                                float r3 = r[q + 3];
                                v0[t0 + tx] = r0 - r2;
                                v1[t0 + tx] = r1 + r2;
                                v2[t0 + tx] = r2 - r1;
                                v3[t0 + tx] = r1 - r3;
                            }
                        }
                    }
                }
                for (int xi = 0; xi < TILE; xi++) {
                    v.put((xi * channels + c) * tiles, rows[xi], 0, tiles);
                }
            }
        });
    }

    /** y += Aᵀ M A per output channel and tile, Aᵀ = [[1,1,1,0],[0,1,−1,−1]], cut at the output's edge. */
    private static void outputTransform(FloatBuffer m, int outs, int tiles, int th, int tw, int oh, int ow, float[] y) {
        int batch = tiles / (th * tw);
        CorePool.parallelFor(outs, 1, (from, to) -> {
            float[][] rows = new float[TILE][tiles];
            for (int o = from; o < to; o++) {
                for (int xi = 0; xi < TILE; xi++) {
                    m.get((xi * outs + o) * tiles, rows[xi], 0, tiles);
                }
                for (int b = 0; b < batch; b++) {
                    int image = (b * outs + o) * oh * ow;
                    for (int ty = 0; ty < th; ty++) {
                        for (int tx = 0; tx < tw; tx++) {
                            int t = (b * th + ty) * tw + tx;
                            // Aᵀ M: two rows of 4
                            float a0 = rows[0][t] + rows[4][t] + rows[8][t];
                            float a1 = rows[1][t] + rows[5][t] + rows[9][t];
                            float a2 = rows[2][t] + rows[6][t] + rows[10][t];
                            float a3 = rows[3][t] + rows[7][t] + rows[11][t];
                            float b0 = rows[4][t] - rows[8][t] - rows[12][t];
                            float b1 = rows[5][t] - rows[9][t] - rows[13][t];
                            float b2 = rows[6][t] - rows[10][t] - rows[14][t];
                            float b3 = rows[7][t] - rows[11][t] - rows[15][t];
                            int y0 = 2 * ty;
                            int x0 = 2 * tx;
                            int at = image + y0 * ow + x0;
                            y[at] += a0 + a1 + a2;
                            if (x0 + 1 < ow) {
                                y[at + 1] += a1 - a2 - a3;
                            }
                            if (y0 + 1 < oh) {
                                y[at + ow] += b0 + b1 + b2;
                                if (x0 + 1 < ow) {
                                    y[at + ow + 1] += b1 - b2 - b3;
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
