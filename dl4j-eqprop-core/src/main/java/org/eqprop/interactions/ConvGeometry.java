package org.eqprop.interactions;

import org.eqprop.kernels.CorePool;
import org.eqprop.kernels.FusedKernels;
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
    private final int stride;
    private final int padding;
    private final int[] source;

    ConvGeometry(int channels, int height, int width, int kernelH, int kernelW, int stride, int padding) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kernelH = kernelH;
        this.kernelW = kernelW;
        this.stride = stride;
        this.padding = padding;
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

    /**
     * im2col of h [batch, C, H, W]: [C·kH·kW, batch·P] in h's data type, gathered straight into this thread's work
     * array for {@code role} (valid until the next call with that role; see {@link ScratchArrays}).
     */
    INDArray columns(INDArray h, String role) {
        int n = (int) h.size(0);
        INDArray out = ScratchArrays.get(role, h.dataType(), rows, (long) n * positions);
        if (h.dataType() == DataType.FLOAT && stride == 1) {
            runColumns(FusedKernels.floats(h), n, out.data().asNioFloat());
            return out;
        }
        int[] gather = maps(n).gather();
        if (h.dataType() == DataType.DOUBLE) {
            double[] img = h.dup('c').data().asDouble();
            java.nio.DoubleBuffer cols = out.data().asNioDouble();
            CorePool.parallelFor(gather.length, 4096, (from, to) -> {
                for (int i = from; i < to; i++) {
                    cols.put(i, gather[i] < 0 ? 0 : img[gather[i]]);
                }
            });
            return out;
        }
        float[] img = FusedKernels.floats(h);
        java.nio.FloatBuffer cols = out.data().asNioFloat();
        CorePool.parallelFor(gather.length, 4096, (from, to) -> {
            for (int i = from; i < to; i++) {
                cols.put(i, gather[i] < 0 ? 0 : img[gather[i]]);
            }
        });
        return out;
    }

    /** The transpose of {@link #columns}: col2im of cols [C·kH·kW, batch·P] into a new [batch, C, H, W]. */
    INDArray image(INDArray cols, int n) {
        if (cols.dataType() != DataType.DOUBLE && cols.dataType() != DataType.FLOAT) {
            // half precision and the like: computed in float (addImage below would otherwise come back here)
            return image(cols.castTo(DataType.FLOAT), n).castTo(cols.dataType());
        }
        BatchMaps m = maps(n);
        int[] pointer = m.pointer();
        int[] scatter = m.scatter();
        int size = pointer.length - 1;
        if (cols.dataType() == DataType.DOUBLE) {
            java.nio.DoubleBuffer c = contiguous(cols).data().asNioDouble();
            double[] img = new double[size];
            CorePool.parallelFor(size, 4096, (from, to) -> {
                for (int q = from; q < to; q++) {
                    for (int j = pointer[q]; j < pointer[q + 1]; j++) {
                        img[q] += c.get(scatter[j]);
                    }
                }
            });
            return Nd4j.create(img, new long[]{n, channels, height, width}, 'c');
        }
        INDArray img = Nd4j.zeros(DataType.FLOAT, n, channels, height, width);
        addImage(cols, n, img);
        return img;
    }

    /** sum += col2im(cols), on plain arrays (any stride). */
    private void addImageInto(java.nio.FloatBuffer c, int n, float[] sum) {
        if (stride == 1) {
            runAddImage(c, n, sum);
            return;
        }
        BatchMaps m = maps(n);
        int[] pointer = m.pointer();
        int[] scatter = m.scatter();
        CorePool.parallelFor(pointer.length - 1, 4096, (from, to) -> {
            for (int q = from; q < to; q++) {
                float v = sum[q];
                for (int j = pointer[q]; j < pointer[q + 1]; j++) {
                    v += c.get(scatter[j]);
                }
                sum[q] = v;
            }
        });
    }

    /** target += col2im(cols) for a [batch, C, H, W] target: in place when it is a dense float array. */
    void addImage(INDArray cols, int n, INDArray target) {
        if (cols.dataType() == DataType.DOUBLE) {
            target.addi(image(cols, n));   // computed in double precision, without coming back here
            return;
        }
        if (target.dataType() != DataType.FLOAT || cols.dataType() != DataType.FLOAT || contiguous(target) != target) {
            // into a fresh dense float image (never back through image(), which calls this), then added
            INDArray img = Nd4j.createUninitialized(DataType.FLOAT, new long[]{n, channels, height, width}, 'c');
            img.assign(0);
            if (isDense(img)) {
                addImage(cols.castTo(DataType.FLOAT), n, img);
            } else {
                float[] sum = new float[(int) img.length()];
                addImageInto(contiguous(cols.castTo(DataType.FLOAT)).data().asNioFloat(), n, sum);
                img = Nd4j.create(sum, new long[]{n, channels, height, width}, 'c');
            }
            target.addi(img.castTo(target.dataType()));
            return;
        }
        if (stride == 1) {
            float[] sum = FusedKernels.floats(target);
            runAddImage(contiguous(cols).data().asNioFloat(), n, sum);
            target.data().asNioFloat().put(0, sum, 0, sum.length);
            return;
        }
        BatchMaps m = maps(n);
        int[] pointer = m.pointer();
        int[] scatter = m.scatter();
        java.nio.FloatBuffer c = contiguous(cols).data().asNioFloat();
        java.nio.FloatBuffer img = target.data().asNioFloat();
        CorePool.parallelFor(pointer.length - 1, 4096, (from, to) -> {
            for (int q = from; q < to; q++) {
                float sum = img.get(q);
                for (int j = pointer[q]; j < pointer[q + 1]; j++) {
                    sum += c.get(scatter[j]);
                }
                img.put(q, sum);
            }
        });
    }

    /**
     * im2col for stride 1 without index maps: row (c, i, j) at output row y of image b is the run of image row
     * y + i − padding from column x0 + j − padding (zero outside the image), copied in bulk.
     */
    private void runColumns(float[] img, int n, java.nio.FloatBuffer cols) {
        int span = n * positions;
        CorePool.parallelFor(rows, 1, (from, to) -> {
            float[] row = new float[span];
            for (int r = from; r < to; r++) {
                int c = r / (kernelH * kernelW);
                int i = (r / kernelW) % kernelH;
                int j = r % kernelW;
                java.util.Arrays.fill(row, 0f);
                int x0 = Math.max(0, padding - j);
                int len = Math.min(outW, width + padding - j) - x0;
                for (int b = 0; b < n && len > 0; b++) {
                    for (int y = Math.max(0, padding - i); y < Math.min(outH, height + padding - i); y++) {
                        System.arraycopy(img, ((b * channels + c) * height + y + i - padding) * width + x0 + j - padding,
                                row, b * positions + y * outW + x0, len);
                    }
                }
                cols.put(r * span, row, 0, span);
            }
        });
    }

    /** The transpose of {@link #runColumns}: img += col2im(cols), one channel per task (their pixels are disjoint). */
    private void runAddImage(java.nio.FloatBuffer cols, int n, float[] img) {
        int span = n * positions;
        CorePool.parallelFor(channels, 1, (from, to) -> {
            float[] row = new float[span];
            for (int c = from; c < to; c++) {
                for (int i = 0; i < kernelH; i++) {
                    for (int j = 0; j < kernelW; j++) {
                        cols.get(((c * kernelH + i) * kernelW + j) * span, row, 0, span);
                        int x0 = Math.max(0, padding - j);
                        int len = Math.min(outW, width + padding - j) - x0;
                        for (int b = 0; b < n && len > 0; b++) {
                            for (int y = Math.max(0, padding - i); y < Math.min(outH, height + padding - i); y++) {
                                int dst = ((b * channels + c) * height + y + i - padding) * width + x0 + j - padding;
                                int src = b * positions + y * outW + x0;
                                for (int x = 0; x < len; x++) {
                                    img[dst + x] += row[src + x];
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /** Whether a is a dense row-major array at offset 0 (its buffer is exactly its elements, in order). */
    static boolean isDense(INDArray a) {
        return a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length()
                && org.nd4j.linalg.api.shape.Shape.hasDefaultStridesForShape(a);
    }

    /** a itself when it is a dense row-major array at offset 0, else a copy that is. */
    private static INDArray contiguous(INDArray a) {
        return isDense(a) ? a : a.dup('c');
    }

    /**
     * [O, batch·P] (channel-major, as the product gives it) as a feature map [batch, O, oH, oW], in this thread's work
     * array for {@code role}.
     */
    INDArray toMaps(INDArray z, int n, String role) {
        int o = (int) z.size(0);
        INDArray out = ScratchArrays.get(role, z.dataType(), n, o, outH, outW);
        swapBlocks(z, o, n, out);
        return out;
    }

    /** A feature map [batch, O, oH, oW] as [O, batch·P], in this thread's work array for {@code role}. */
    INDArray fromMaps(INDArray g, String role) {
        int n = (int) g.size(0);
        int o = (int) g.size(1);
        INDArray out = ScratchArrays.get(role, g.dataType(), o, (long) n * positions);
        swapBlocks(g, n, o, out);
        return out;
    }

    /**
     * Transposes the two outer axes of a row-major [a, b, P] array (blocks of P contiguous values) into the [b, a, P]
     * array {@code out}: one bulk native copy per block, for float and double alike.
     */
    private void swapBlocks(INDArray in, int a, int b, INDArray out) {
        INDArray src = contiguous(in);
        boolean dbl = in.dataType() == DataType.DOUBLE;
        CorePool.parallelFor(b, 1, (from, to) -> {
            java.nio.Buffer s = dbl ? src.data().asNioDouble() : src.data().asNioFloat();
            java.nio.Buffer d = dbl ? out.data().asNioDouble() : out.data().asNioFloat();
            for (int j = from; j < to; j++) {
                for (int i = 0; i < a; i++) {
                    int si = (i * b + j) * positions;
                    int di = (j * a + i) * positions;
                    if (dbl) {
                        ((java.nio.DoubleBuffer) d).put(di, (java.nio.DoubleBuffer) s, si, positions);
                    } else {
                        ((java.nio.FloatBuffer) d).put(di, (java.nio.FloatBuffer) s, si, positions);
                    }
                }
            }
        });
    }
}
