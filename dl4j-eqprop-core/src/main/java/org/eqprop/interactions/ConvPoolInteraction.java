package org.eqprop.interactions;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Convolutional interaction with pooling (Ernoult et al. 2019; Laborieux et al. 2021; Scellier thesis §5.2.2):
 * <pre>
 *   Φ_conv = h_k • (P(w_k ⋆ h_{k−1}) + b_k),
 *   ∂Φ/∂h_k = P(w_k ⋆ h_{k−1}) + b_k,              ∂Φ/∂h_{k−1} = w_k ⋆ᵀ P⁻¹(h_k)          (thesis eq. 5.13),
 *   ∂Φ/∂w_k = h_{k−1} ⋆ P⁻¹(h_k),                   ∂Φ/∂b_k = Σ_{batch, positions} h_k,
 * </pre>
 * with ⋆ a 2D cross-correlation (kernel, stride, zero padding), ⋆ᵀ its transpose (the transpose convolution) and P
 * a non-overlapping max or average pooling (or none). P⁻¹ is P's transpose: max-pooling sends each h_k value back to
 * the position that won its window in w_k ⋆ h_{k−1} (the first one on ties), average pooling spreads it evenly.
 * Feature maps are NCHW, weights [out, in, kH, kW] and bias [1, out] as in DL4J's ConvolutionLayer. The products use
 * ND4J's im2col/col2im and a matrix product, in any data type.
 */
public final class ConvPoolInteraction implements Interaction {

    /** Pooling after the convolution. */
    public enum Pooling { MAX, AVG, NONE }

    private final INDArray weights;
    private final INDArray bias;
    private final int stride;
    private final int padding;
    private final Pooling pooling;
    private final int pool;

    /**
     * @param weights w [out, in, kH, kW]
     * @param bias    b [1, out]
     * @param stride  convolution stride (both directions)
     * @param padding zero padding (both directions)
     * @param pooling pooling kind
     * @param pool    pooling window = stride (non-overlapping), ignored for NONE
     */
    public ConvPoolInteraction(INDArray weights, INDArray bias, int stride, int padding, Pooling pooling, int pool) {
        if (weights.rank() != 4) {
            throw new IllegalArgumentException("conv weights must be [out, in, kH, kW], got rank " + weights.rank());
        }
        if (stride < 1 || padding < 0 || (pooling != Pooling.NONE && pool < 1)) {
            throw new IllegalArgumentException("need stride >= 1, padding >= 0, pool >= 1; got " + stride + ", "
                    + padding + ", " + pool);
        }
        this.weights = weights;
        this.bias = bias;
        this.stride = stride;
        this.padding = padding;
        this.pooling = pooling;
        this.pool = pooling == Pooling.NONE ? 1 : pool;
    }

    public INDArray weights() {
        return weights;
    }

    public INDArray bias() {
        return bias;
    }

    /** The convolution's output size along one axis for an input of size {@code in}. */
    public static long convolvedSize(long in, int kernel, int stride, int padding) {
        return (in + 2L * padding - kernel) / stride + 1;
    }

    // ---- Interaction ----------------------------------------------------------------------------------------

    @Override
    public void addUpwardDrive(INDArray lower, INDArray upperDrive) {
        upperDrive.addi(pool(convolve(lower)));
        upperDrive.addi(bias.reshape(1, bias.length(), 1, 1).broadcast(upperDrive.shape()));
    }

    @Override
    public void addDownwardDrive(INDArray lower, INDArray upper, INDArray lowerDrive) {
        INDArray routed = unpool(upper, pooling == Pooling.MAX ? convolve(lower) : null);
        lowerDrive.addi(transposeConvolve(routed, lowerDrive.size(2), lowerDrive.size(3)));
    }

    @Override
    public void writeContrastGradient(INDArray lowerA, INDArray upperA, INDArray lowerB, INDArray upperB,
                                      double scale, INDArray[] gradientViews) {
        INDArray gw = weightProduct(lowerA, upperA);
        gw.subi(weightProduct(lowerB, upperB));
        gradientViews[0].assign(gw.muli(scale));
        INDArray diff = upperA.sub(upperB);
        gradientViews[1].assign(diff.sum(0, 2, 3).reshape(1, diff.size(1)).muli(scale));
    }

    @Override
    public double primitiveFunction(INDArray lower, INDArray upper) {
        INDArray drive = Nd4j.zeros(upper.dataType(), upper.shape());
        addUpwardDrive(lower, drive);
        return drive.muli(upper).sumNumber().doubleValue();
    }

    @Override
    public INDArray[] parameters() {
        return new INDArray[]{weights, bias};
    }

    @Override
    public ConvPoolInteraction copy() {
        return new ConvPoolInteraction(weights.dup(), bias.dup(), stride, padding, pooling, pool);
    }

    // ---- convolution ----------------------------------------------------------------------------------------

    private int kH() {
        return (int) weights.size(2);
    }

    private int kW() {
        return (int) weights.size(3);
    }

    /** im2col of h as a matrix [batch·oH·oW, in·kH·kW] (rows in (n, y, x) order). */
    private INDArray columns(INDArray h) {
        long n = h.size(0);
        long oH = convolvedSize(h.size(2), kH(), stride, padding);
        long oW = convolvedSize(h.size(3), kW(), stride, padding);
        if (oH < 1 || oW < 1) {
            throw new IllegalArgumentException("a " + kH() + "x" + kW() + " kernel with padding " + padding
                    + " does not fit a " + h.size(2) + "x" + h.size(3) + " feature map");
        }
        INDArray col = Nd4j.createUninitialized(h.dataType(), new long[]{n, oH, oW, h.size(1), kH(), kW()}, 'c');
        Convolution.im2col(h.dup('c'), kH(), kW(), stride, stride, padding, padding, 1, 1, false,
                col.permute(0, 3, 4, 5, 1, 2));
        return col.reshape('c', n * oH * oW, h.size(1) * kH() * kW());
    }

    /** w ⋆ h: [batch, out, oH, oW]. */
    INDArray convolve(INDArray h) {
        long n = h.size(0);
        long oH = convolvedSize(h.size(2), kH(), stride, padding);
        long oW = convolvedSize(h.size(3), kW(), stride, padding);
        INDArray w2 = weights.reshape('c', weights.size(0), weights.length() / weights.size(0));
        INDArray z = columns(h).mmul(w2.transpose());
        return z.reshape('c', n, oH, oW, weights.size(0)).permute(0, 3, 1, 2).dup('c');
    }

    /** w ⋆ᵀ g for g [batch, out, oH, oW]: [batch, in, height, width]. */
    private INDArray transposeConvolve(INDArray g, long height, long width) {
        long n = g.size(0);
        INDArray g2 = g.permute(0, 2, 3, 1).dup('c').reshape('c', n * g.size(2) * g.size(3), g.size(1));
        INDArray w2 = weights.reshape('c', weights.size(0), weights.length() / weights.size(0));
        INDArray cols = g2.mmul(w2).reshape('c', n, g.size(2), g.size(3), weights.size(1), kH(), kW());
        INDArray out = Nd4j.zeros(g.dataType(), n, weights.size(1), height, width);
        Convolution.col2im(cols.permute(0, 3, 4, 5, 1, 2).dup('c'), out, stride, stride, padding, padding,
                (int) height, (int) width, 1, 1);
        return out;
    }

    /** ∂(h_up • P(w ⋆ h_low))/∂w = h_low ⋆ P⁻¹(h_up): [out, in, kH, kW]. */
    private INDArray weightProduct(INDArray lower, INDArray upper) {
        INDArray g = unpool(upper, pooling == Pooling.MAX ? convolve(lower) : null);
        long n = g.size(0);
        INDArray g2 = g.permute(0, 2, 3, 1).dup('c').reshape('c', n * g.size(2) * g.size(3), g.size(1));
        return g2.transpose().mmul(columns(lower)).reshape('c', weights.shape());
    }

    // ---- pooling --------------------------------------------------------------------------------------------

    /** P(z) for z [batch, C, H, W] with H and W multiples of the window. */
    INDArray pool(INDArray z) {
        if (pooling == Pooling.NONE) {
            return z;
        }
        INDArray windows = windows(z);
        INDArray pooled = pooling == Pooling.MAX ? windows.max(4) : windows.mean(4);
        return pooled.reshape('c', z.size(0), z.size(1), z.size(2) / pool, z.size(3) / pool);
    }

    /**
     * Pᵀ(h) for h [batch, C, H/p, W/p]: max-pooling routes each value to the winning position of its window in
     * {@code z} (the pre-pooling map), average pooling spreads it as h/p² over the window.
     */
    INDArray unpool(INDArray h, INDArray z) {
        if (pooling == Pooling.NONE) {
            return h;
        }
        long n = h.size(0);
        long c = h.size(1);
        long hp = h.size(2);
        long wp = h.size(3);
        int area = pool * pool;
        double[] values = h.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup('c').data().asDouble();
        double[] out = new double[values.length * area];
        if (pooling == Pooling.AVG) {
            for (int i = 0; i < values.length; i++) {
                java.util.Arrays.fill(out, i * area, (i + 1) * area, values[i] / area);
            }
        } else {
            INDArray winner = Nd4j.argMax(windows(z), 4);
            double[] win = winner.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).data().asDouble();
            for (int i = 0; i < values.length; i++) {
                out[i * area + (int) win[i]] = values[i];
            }
        }
        INDArray spread = Nd4j.create(out, new long[]{n, c, hp, wp, area}, 'c').castTo(h.dataType());
        return spread.reshape('c', n, c, hp, wp, pool, pool).permute(0, 1, 2, 4, 3, 5).dup('c')
                .reshape('c', n, c, hp * pool, wp * pool);
    }

    /** z [batch, C, H, W] as [batch, C, H/p, W/p, p·p] (each pooling window in the last axis, row-major). */
    private INDArray windows(INDArray z) {
        long h = z.size(2);
        long w = z.size(3);
        if (h % pool != 0 || w % pool != 0) {
            throw new IllegalArgumentException("a " + h + "x" + w + " feature map does not split into " + pool + "x"
                    + pool + " pooling windows");
        }
        return z.reshape('c', z.size(0), z.size(1), h / pool, pool, w / pool, pool).permute(0, 1, 2, 4, 3, 5)
                .dup('c').reshape('c', z.size(0), z.size(1), h / pool, w / pool, (long) pool * pool);
    }
}
