package org.eqprop.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

import java.util.Arrays;
import java.util.Random;

/**
 * Seeded data augmentation of channel-major images (rows of [batch, C·H·W], or [batch, C, H, W]): a random crop of the
 * image zero-padded by {@code padding} pixels on every side (i.e. a shift by −padding..padding pixels in each
 * direction, uncovered pixels set to 0) and, when enabled, a horizontal flip with probability ½. Per example it draws,
 * from one {@link Random}, the vertical shift, the horizontal shift and then the flip, so the same seed and the same
 * batches give the same output. Apply it to raw pixels, before a {@link ChannelNormalization}. Not thread-safe.
 */
public final class ImageAugmentation implements DataSetPreProcessor {

    private static final long serialVersionUID = 1L;

    private final int channels;
    private final int height;
    private final int width;
    private final int padding;
    private final boolean flip;
    private final Random random;

    public ImageAugmentation(int channels, int height, int width, int padding, boolean flip, long seed) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("bad image shape " + channels + "x" + height + "x" + width);
        }
        if (padding < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + padding);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.padding = padding;
        this.flip = flip;
        this.random = new Random(seed);
    }

    /** The usual CIFAR-10 augmentation: 3×32×32, random crop with 4-pixel zero padding, random horizontal flip. */
    public static ImageAugmentation cifar10(long seed) {
        return new ImageAugmentation(CifarReader.CHANNELS, CifarReader.HEIGHT, CifarReader.WIDTH, 4, true, seed);
    }

    /** Values per image (C·H·W). */
    public int features() {
        return channels * height * width;
    }

    /** Augments, in place, the n images (each {@link #features()} values, channel-major) held in x. */
    public void augment(float[] x, int n) {
        int f = features();
        if ((long) n * f > x.length) {
            throw new IllegalArgumentException(n + " images of " + f + " values do not fit in " + x.length);
        }
        float[] src = new float[f];
        for (int e = 0; e < n; e++) {
            int dy = padding == 0 ? 0 : random.nextInt(2 * padding + 1) - padding;
            int dx = padding == 0 ? 0 : random.nextInt(2 * padding + 1) - padding;
            boolean mirror = flip && random.nextBoolean();
            if (dy == 0 && dx == 0 && !mirror) {
                continue;
            }
            System.arraycopy(x, e * f, src, 0, f);
            transform(src, 0, x, e * f, channels, height, width, dy, dx, mirror);
        }
    }

    /**
     * Draws the random numbers of {@code n} images without transforming any: a resumed run replays the stream up to
     * where its checkpoint was taken, so that the following batches get the same crops and flips.
     */
    public void skip(long n) {
        for (long e = 0; e < n; e++) {
            if (padding != 0) {
                random.nextInt(2 * padding + 1);
                random.nextInt(2 * padding + 1);
            }
            if (flip) {
                random.nextBoolean();
            }
        }
    }

    /** Replaces the batch's features (rank 2 or 4, any floating type) by augmented ones of the same shape. */
    @Override
    public void preProcess(DataSet ds) {
        INDArray features = ds.getFeatures();
        int n = FeatureArrays.examples(features, features(), "ImageAugmentation(" + channels + "x" + height + "x"
                + width + ")");
        if (n == 0) {
            return;
        }
        float[] x = FeatureArrays.toFloats(features);
        augment(x, n);
        ds.setFeatures(FeatureArrays.fromFloats(x, features.shape(), features.dataType()));
    }

    /**
     * One image: {@code dst(c, y, x) = src(c, y + dy, x' + dx)} with {@code x' = mirror ? w−1−x : x}, and 0 where that
     * falls outside the source. (A crop at offset (padding+dy, padding+dx) of the zero-padded image, then the flip.)
     */
    static void transform(float[] src, int srcOff, float[] dst, int dstOff, int c, int h, int w, int dy, int dx,
                          boolean mirror) {
        // destination columns whose source column lies inside the image
        int lo = mirror ? Math.max(0, dx) : Math.max(0, -dx);
        int hi = mirror ? Math.min(w, w + dx) : Math.min(w, w - dx);
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) {
                int d = dstOff + (ch * h + y) * w;
                int sy = y + dy;
                if (sy < 0 || sy >= h || lo >= hi) {
                    Arrays.fill(dst, d, d + w, 0f);
                    continue;
                }
                int s = srcOff + (ch * h + sy) * w;
                Arrays.fill(dst, d, d + lo, 0f);
                Arrays.fill(dst, d + hi, d + w, 0f);
                if (mirror) {
                    int from = s + w - 1 + dx;
                    for (int x = lo; x < hi; x++) {
                        dst[d + x] = src[from - x];
                    }
                } else {
                    System.arraycopy(src, s + lo + dx, dst, d + lo, hi - lo);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "ImageAugmentation(" + channels + "x" + height + "x" + width + ", padding=" + padding + ", flip=" + flip
                + ")";
    }
}
