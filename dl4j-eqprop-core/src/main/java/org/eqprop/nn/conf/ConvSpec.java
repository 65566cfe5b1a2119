package org.eqprop.nn.conf;

import org.eqprop.interactions.ConvPoolInteraction;

import java.util.Locale;
import java.util.Objects;

/**
 * One convolutional state layer of an {@link EqPropBlock}: h_k = σ(P(w_k ⋆ h_{k−1}) + b_k + feedback) with
 * {@code channels} feature maps, a square {@code kernel}, {@code stride}, zero {@code padding}, and pooling P
 * ({@code max}, {@code avg} or {@code none}) over non-overlapping {@code pool}×{@code pool} windows (see
 * {@link ConvPoolInteraction}), computed by the convolution {@code algorithm} ({@code auto}, {@code im2col},
 * {@code winograd} or {@code onednn}: {@link ConvPoolInteraction.Algorithm}). A bean, so that it serialises with the block's JSON.
 */
public class ConvSpec implements java.io.Serializable {

    private int channels;
    private int kernel = 3;
    private int stride = 1;
    private int padding = 0;
    private String pooling = "max";
    private int pool = 2;
    private String algorithm = "auto";

    /** For JSON. */
    public ConvSpec() {
    }

    public ConvSpec(int channels, int kernel, int padding, String pooling, int pool) {
        this.channels = channels;
        this.kernel = kernel;
        this.padding = padding;
        this.pooling = pooling.toLowerCase(Locale.ROOT);
        this.pool = pool;
    }

    /** {@code channels} maps, kernel × kernel, padding, followed by 2×2 max pooling (the papers' layer). */
    public static ConvSpec maxPooled(int channels, int kernel, int padding) {
        return new ConvSpec(channels, kernel, padding, "max", 2);
    }

    public ConvSpec stride(int s) {
        this.stride = s;
        return this;
    }

    /** How the convolutions run: auto (default), im2col, winograd or onednn ({@link ConvPoolInteraction.Algorithm}). */
    public ConvSpec algorithm(String name) {
        this.algorithm = ConvPoolInteraction.Algorithm.parse(name).name().toLowerCase(Locale.ROOT);
        return this;
    }

    /** A copy of this layer computed by another convolution {@code algorithm}. */
    public ConvSpec withAlgorithm(String name) {
        return new ConvSpec(channels, kernel, padding, pooling, pool).stride(stride).algorithm(name);
    }

    public ConvPoolInteraction.Algorithm algorithmKind() {
        return ConvPoolInteraction.Algorithm.parse(algorithm);
    }

    public String getAlgorithm() {
        return algorithm;
    }

    public void setAlgorithm(String algorithm) {
        this.algorithm = algorithm;
    }

    void validate(int index) {
        String where = "EqPropBlock conv layer " + (index + 1) + ": ";
        if (channels < 1 || kernel < 1 || stride < 1 || padding < 0) {
            throw new IllegalArgumentException(where + "need channels, kernel, stride >= 1 and padding >= 0, got "
                    + this);
        }
        poolingKind();
        try {
            algorithmKind();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage());
        }
        if (algorithmKind() == ConvPoolInteraction.Algorithm.WINOGRAD && (kernel != 3 || stride != 1 || padding > 2)) {
            throw new IllegalArgumentException(where + "the winograd convolution needs a 3x3 kernel, stride 1 and "
                    + "padding <= 2, got " + this);
        }
        if (!"none".equals(pooling) && pool < 1) {
            throw new IllegalArgumentException(where + "pool must be >= 1, got " + pool);
        }
    }

    public ConvPoolInteraction.Pooling poolingKind() {
        switch (pooling) {
            case "max":
                return ConvPoolInteraction.Pooling.MAX;
            case "avg":
                return ConvPoolInteraction.Pooling.AVG;
            case "none":
                return ConvPoolInteraction.Pooling.NONE;
            default:
                throw new IllegalArgumentException("pooling must be max, avg or none, got " + pooling);
        }
    }

    /** The feature-map shape {channels, height, width} this layer makes from a lower map {c, h, w}. */
    public long[] outputShape(long[] lower, int index) {
        long h = ConvPoolInteraction.convolvedSize(lower[1], kernel, stride, padding);
        long w = ConvPoolInteraction.convolvedSize(lower[2], kernel, stride, padding);
        int p = "none".equals(pooling) ? 1 : pool;
        if (h < 1 || w < 1 || h % p != 0 || w % p != 0) {
            throw new IllegalArgumentException("EqPropBlock conv layer " + (index + 1) + ": a " + kernel + "x" + kernel
                    + " kernel (stride " + stride + ", padding " + padding + ") on a " + lower[1] + "x" + lower[2]
                    + " map gives " + h + "x" + w + ", which " + (h < 1 || w < 1 ? "is empty" : "does not split into "
                    + p + "x" + p + " pooling windows"));
        }
        return new long[]{channels, h / p, w / p};
    }

    public int getChannels() {
        return channels;
    }

    public void setChannels(int channels) {
        this.channels = channels;
    }

    public int getKernel() {
        return kernel;
    }

    public void setKernel(int kernel) {
        this.kernel = kernel;
    }

    public int getStride() {
        return stride;
    }

    public void setStride(int stride) {
        this.stride = stride;
    }

    public int getPadding() {
        return padding;
    }

    public void setPadding(int padding) {
        this.padding = padding;
    }

    public String getPooling() {
        return pooling;
    }

    public void setPooling(String pooling) {
        this.pooling = pooling;
    }

    public int getPool() {
        return pool;
    }

    public void setPool(int pool) {
        this.pool = pool;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvSpec c && channels == c.channels && kernel == c.kernel && stride == c.stride
                && padding == c.padding && pooling.equals(c.pooling) && pool == c.pool
                && algorithm.equals(c.algorithm);
    }

    @Override
    public int hashCode() {
        return Objects.hash(channels, kernel, stride, padding, pooling, pool, algorithm);
    }

    @Override
    public String toString() {
        return "conv(" + channels + ", " + kernel + "x" + kernel + ", stride " + stride + ", padding " + padding + ", "
                + pooling + (pooling.equals("none") ? "" : " " + pool + "x" + pool)
                + (algorithm.equals("auto") ? "" : ", " + algorithm) + ")";
    }
}
