package org.eqprop.interactions;

import org.eqprop.dynamics.fused.CorePool;
import org.eqprop.dynamics.fused.FusedKernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The index arithmetic of one convolution (channels × height × width input, square kernel, stride, zero padding),
 * computed once: {@code source[r·P + p]} is the input offset read by row r = (c, i, j) of the im2col matrix at output
 * position p, or −1 in the padding. With it im2col is a gather and its transpose (col2im) a sum over the entries that
 * read each pixel, both plain parallel loops over float or double arrays laid out [C·kH·kW, batch·P], so that one
 * matrix product w [out, C·kH·kW] × cols covers the whole batch.
 */
final class ConvGeometry {

    final int channels;
    final int height;
    final int width;
    final int kernelH;
    final int kernelW;
    final int outH;
    final int outW;
    final int rows;
    final int positions;
    private final int[] source;

    ConvGeometry(int channels, int height, int width, int kernelH, int kernelW, int stride, int padding) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.outH = (int) ConvPoolInteraction.convolvedSize(height, kernelH, stride, padding);
        this.outW = (int) ConvPoolInteraction.convolvedSize(width, kernelW, stride, padding);
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("a " + kernelH + "x" + kernelW + " kernel with padding " + padding
                    + " does not fit a " + height + "x" + width + " feature map");
        }
        this.rows = channels * kernelH * kernelW;
        this.positions = outH * outW;
        this.source = new int[rows * positions];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < kernelH; i++) {
                for (int j = 0; j < kernelW; j++) {
                    int r = (c * kernelH + i) * kernelW + j;
                    for (int y = 0; y < outH; y++) {
                        for (int x = 0; x < outW; x++) {
                            int yy = y * stride + i - padding;
                            int xx = x * stride + j - padding;
                            boolean inside = yy >= 0 && yy < height && xx >= 0 && xx < width;
                            source[r * positions + y * outW + x] = inside ? (c * height + yy) * width + xx : -1;
                        }
                    }
                }
            }
        }
    }

    boolean fits(INDArray h) {
        return h.size(1) == channels && h.size(2) == height && h.size(3) == width;
    }

    /**
     * For a batch of n: gather[i] is the image offset read by entry i of the [C·kH·kW, n·P] column matrix (−1 in the
     * padding), and, for col2im, the entries that read image offset q are scatter[pointer[q] .. pointer[q+1]).
     */
    private record BatchMaps(int n, int[] gather, int[] pointer, int[] scatter) {
    }

    private volatile BatchMaps maps;

    private BatchMaps maps(int n) {
        BatchMaps m = maps;
        if (m != null && m.n() == n) {
            return m;
        }
        int image = channels * height * width;
        int span = n * positions;
        int[] gather = new int[rows * span];
        int[] count = new int[n * image + 1];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < n; b++) {
                for (int p = 0; p < positions; p++) {
                    int s = source[r * positions + p];
                    int q = s < 0 ? -1 : b * image + s;
                    gather[r * span + b * positions + p] = q;
                    if (q >= 0) {
                        count[q + 1]++;
                    }
                }
            }
        }
        for (int q = 0; q < n * image; q++) {
            count[q + 1] += count[q];
        }
        int[] fill = count.clone();
        int[] scatter = new int[count[n * image]];
        for (int i = 0; i < gather.length; i++) {
            if (gather[i] >= 0) {
                scatter[fill[gather[i]]++] = i;
            }
        }
        m = new BatchMaps(n, gather, count, scatter);
        maps = m;
        return m;
    }

    /** im2col of h [batch, C, H, W]: [C·kH·kW, batch·P], in h's data type. */
    INDArray columns(INDArray h) {
        int n = (int) h.size(0);
        int[] gather = maps(n).gather();
        if (h.dataType() == DataType.DOUBLE) {
            double[] img = h.dup('c').data().asDouble();
            double[] cols = new double[gather.length];
            CorePool.parallelFor(gather.length, 4096, (from, to) -> {
                for (int i = from; i < to; i++) {
                    cols[i] = gather[i] < 0 ? 0 : img[gather[i]];
                }
            });
            return Nd4j.create(cols, new long[]{rows, (long) n * positions}, 'c');
        }
        float[] img = FusedKernels.floats(h);
        float[] cols = new float[gather.length];
        CorePool.parallelFor(gather.length, 4096, (from, to) -> {
            for (int i = from; i < to; i++) {
                cols[i] = gather[i] < 0 ? 0 : img[gather[i]];
            }
        });
        return FusedKernels.array(cols, rows, (long) n * positions).castTo(h.dataType());
    }

    /** The transpose of {@link #columns}: col2im of cols [C·kH·kW, batch·P] into a new [batch, C, H, W]. */
    INDArray image(INDArray cols, int n) {
        BatchMaps m = maps(n);
        int[] pointer = m.pointer();
        int[] scatter = m.scatter();
        int size = pointer.length - 1;
        if (cols.dataType() == DataType.DOUBLE) {
            double[] c = cols.dup('c').data().asDouble();
            double[] img = new double[size];
            CorePool.parallelFor(size, 4096, (from, to) -> {
                for (int q = from; q < to; q++) {
                    for (int j = pointer[q]; j < pointer[q + 1]; j++) {
                        img[q] += c[scatter[j]];
                    }
                }
            });
            return Nd4j.create(img, new long[]{n, channels, height, width}, 'c');
        }
        float[] c = FusedKernels.floats(cols);
        float[] img = new float[size];
        CorePool.parallelFor(size, 4096, (from, to) -> {
            for (int q = from; q < to; q++) {
                for (int j = pointer[q]; j < pointer[q + 1]; j++) {
                    img[q] += c[scatter[j]];
                }
            }
        });
        return FusedKernels.array(img, n, channels, height, width).castTo(cols.dataType());
    }

    /** [O, batch·P] (channel-major, as the product gives it) as a feature map [batch, O, oH, oW]. */
    INDArray toMaps(INDArray z, int n) {
        int o = (int) z.size(0);
        return swapBlocks(z, o, n, n, o, outH, outW);
    }

    /** A feature map [batch, O, oH, oW] as [O, batch·P]. */
    INDArray fromMaps(INDArray g) {
        int n = (int) g.size(0);
        int o = (int) g.size(1);
        return swapBlocks(g, n, o, o, (long) n * positions);
    }

    /**
     * Transposes the two outer axes of a row-major [a, b, P] array (blocks of P contiguous values) into [b, a, P],
     * returned with the given shape: one bulk copy per block, for float and double alike.
     */
    private INDArray swapBlocks(INDArray in, int a, int b, long... shape) {
        boolean dbl = in.dataType() == DataType.DOUBLE;
        Object src = dbl ? in.dup('c').data().asDouble() : FusedKernels.floats(in);
        Object dst = dbl ? new double[a * b * positions] : new float[a * b * positions];
        CorePool.parallelFor(b, 1, (from, to) -> {
            for (int j = from; j < to; j++) {
                for (int i = 0; i < a; i++) {
                    System.arraycopy(src, (i * b + j) * positions, dst, (j * a + i) * positions, positions);
                }
            }
        });
        return dbl ? Nd4j.create((double[]) dst, shape, 'c') : FusedKernels.array((float[]) dst, shape)
                .castTo(in.dataType());
    }
}
