package org.eqprop.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;

import java.util.Arrays;

/**
 * Per-channel standardisation {@code (x − mean_c) / std_c} of images stored channel-major (all of channel 0, then
 * channel 1, ...), fitted on a training set or taken from the standard CIFAR-10 statistics. As a
 * {@link DataSetPreProcessor} it rewrites a batch's features (shape [batch, C·H·W] or [batch, C, H, W]); combine it
 * after an {@link ImageAugmentation} (e.g. with ND4J's {@code CompositeDataSetPreProcessor}) so that padding stays
 * black before normalising.
 */
public final class ChannelNormalization implements DataSetPreProcessor {

    private static final long serialVersionUID = 1L;

    /** Mean of the CIFAR-10 training images per channel (R, G, B), pixels in [0, 1]. */
    private static final float[] CIFAR10_MEAN = {0.4914f, 0.4822f, 0.4465f};
    /** Standard deviation (population) of the CIFAR-10 training images per channel (R, G, B), pixels in [0, 1]. */
    private static final float[] CIFAR10_STD = {0.2470f, 0.2435f, 0.2616f};

    private final float[] mean;
    private final float[] std;

    /** @param mean per-channel means; @param std per-channel standard deviations (all &gt; 0) */
    public ChannelNormalization(float[] mean, float[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("need one mean and one std per channel, got " + mean.length + " and "
                    + std.length);
        }
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new IllegalArgumentException("standard deviations must be positive and finite: "
                        + Arrays.toString(std));
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /**
     * The statistics of the 50,000 CIFAR-10 training images: mean (0.4914, 0.4822, 0.4465), std (0.2470, 0.2435,
     * 0.2616) for R, G, B.
     */
    public static ChannelNormalization cifar10() {
        return new ChannelNormalization(CIFAR10_MEAN, CIFAR10_STD);
    }

    /**
     * Per-channel mean and (population) standard deviation of a channel-major training set. A channel that is
     * constant gets std 1, so that it is only centred.
     */
    public static ChannelNormalization fit(LabeledImages data, int channels) {
        int plane = plane(data.features(), channels);
        if (data.size() == 0) {
            throw new IllegalArgumentException("cannot fit a normalisation on an empty data set");
        }
        float[] px = data.pixels();
        double[] sum = new double[channels];
        for (int e = 0; e < data.size(); e++) {
            for (int c = 0; c < channels; c++) {
                int off = e * data.features() + c * plane;
                double s = 0;
                for (int i = 0; i < plane; i++) {
                    s += px[off + i];
                }
                sum[c] += s;
            }
        }
        double count = (double) data.size() * plane;
        float[] mean = new float[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = (float) (sum[c] / count);
        }
        double[] sq = new double[channels];
        for (int e = 0; e < data.size(); e++) {
            for (int c = 0; c < channels; c++) {
                int off = e * data.features() + c * plane;
                double m = sum[c] / count;
                double s = 0;
                for (int i = 0; i < plane; i++) {
                    double d = px[off + i] - m;
                    s += d * d;
                }
                sq[c] += s;
            }
        }
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++) {
            double sd = Math.sqrt(sq[c] / count);
            std[c] = sd > 1e-12 ? (float) sd : 1f;
        }
        return new ChannelNormalization(mean, std);
    }

    public int channels() {
        return mean.length;
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    /** Normalises, in place, the rows of {@code features} values each (channel-major) held in x. */
    public void apply(float[] x, int features) {
        int plane = plane(features, mean.length);
        if (x.length % features != 0) {
            throw new IllegalArgumentException(x.length + " values are not whole rows of " + features);
        }
        for (int off = 0; off < x.length; off += features) {
            for (int c = 0; c < mean.length; c++) {
                float m = mean[c];
                float inv = 1f / std[c];
                int from = off + c * plane;
                for (int i = from; i < from + plane; i++) {
                    x[i] = (x[i] - m) * inv;
                }
            }
        }
    }

    /** A normalised copy of data (same labels). */
    public LabeledImages apply(LabeledImages data) {
        float[] x = data.pixels().clone();
        apply(x, data.features());
        return new LabeledImages(x, data.labels(), data.features(), data.classes());
    }

    /** Replaces the batch's features (rank 2 or 4, any floating type) by their normalised values. */
    @Override
    public void preProcess(DataSet ds) {
        INDArray f = ds.getFeatures();
        int n = FeatureArrays.examples(f, 0, "ChannelNormalization");
        if (n == 0) {
            return;
        }
        int features = (int) (f.length() / n);
        float[] x = FeatureArrays.toFloats(f);
        apply(x, features);
        ds.setFeatures(FeatureArrays.fromFloats(x, f.shape(), f.dataType()));
    }

    private static int plane(int features, int channels) {
        if (channels < 1 || features % channels != 0) {
            throw new IllegalArgumentException(features + " features cannot be split into " + channels + " channels");
        }
        return features / channels;
    }

    @Override
    public String toString() {
        return "ChannelNormalization(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
    }
}
