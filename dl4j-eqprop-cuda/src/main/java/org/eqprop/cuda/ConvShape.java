package org.eqprop.cuda;

/**
 * The geometry of one convolution of a ConvPoolInteraction: a lower map [batch, channels, height, width], weights
 * [outChannels, channels, kernel, kernel], stride, zero padding, and the pooling window after it (1: none).
 */
public record ConvShape(int batch, int channels, int height, int width, int outChannels, int kernel, int stride,
                        int padding, int pool) {

    public ConvShape {
        if (batch < 1 || channels < 1 || height < 1 || width < 1 || outChannels < 1 || kernel < 1 || stride < 1
                || padding < 0 || pool < 1) {
            throw new IllegalArgumentException("bad convolution shape: batch " + batch + ", channels " + channels
                    + ", " + height + "x" + width + ", out " + outChannels + ", kernel " + kernel + ", stride "
                    + stride + ", padding " + padding + ", pool " + pool);
        }
        int oh = (height + 2 * padding - kernel) / stride + 1;
        int ow = (width + 2 * padding - kernel) / stride + 1;
        if (oh < 1 || ow < 1 || oh % pool != 0 || ow % pool != 0) {
            throw new IllegalArgumentException("a " + kernel + "x" + kernel + " kernel (stride " + stride
                    + ", padding " + padding + ") on " + height + "x" + width + " gives " + oh + "x" + ow
                    + ", which " + pool + "x" + pool + " pooling windows do not tile");
        }
    }

    public int outH() {
        return (height + 2 * padding - kernel) / stride + 1;
    }

    public int outW() {
        return (width + 2 * padding - kernel) / stride + 1;
    }

    public int lowerSize() {
        return batch * channels * height * width;
    }

    /** Size of the convolution's output before pooling. */
    public int convSize() {
        return batch * outChannels * outH() * outW();
    }

    /** Size of the pooled (upper state) map. */
    public int pooledSize() {
        return convSize() / (pool * pool);
    }

    public int weightSize() {
        return outChannels * channels * kernel * kernel;
    }

    /** The implicit-GEMM configuration (eqprop_params.h, igemm_params) for a mode. */
    int[] igemmConfig(int mode, int precision) {
        return new int[]{mode, batch, channels, height, width, outChannels, kernel, kernel, stride, padding, outH(),
                outW(), precision};
    }
}
