package org.eqprop.data;

import org.eqprop.kernels.FusedKernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Bulk copies between ND4J feature arrays and plain float[] (for the image preprocessors' loops). */
final class FeatureArrays {

    private FeatureArrays() {
    }

    /** The values of a, in C order, as a fresh float[]. */
    static float[] toFloats(INDArray a) {
        if (a.length() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("array too large for one float[]: " + a.length());
        }
        INDArray c = a.castTo(DataType.FLOAT).dup('c');
        float[] out = new float[(int) c.length()];
        c.data().asNioFloat().get(out, 0, out.length);
        return out;
    }

    /** A new array of the given shape and data type holding x (C order). */
    static INDArray fromFloats(float[] x, long[] shape, DataType dataType) {
        INDArray a = FusedKernels.array(x, shape);
        return dataType == DataType.FLOAT ? a : a.castTo(dataType);
    }

    /**
     * Examples in a features array of rank 2 [n, C·H·W] or 4 [n, C, H, W]; checks the per-example size unless
     * {@code perExample} ≤ 0.
     */
    static int examples(INDArray features, int perExample, String who) {
        if (features.rank() != 2 && features.rank() != 4) {
            throw new IllegalArgumentException(who + " needs features of shape [batch, C*H*W] or [batch, C, H, W], got "
                    + java.util.Arrays.toString(features.shape()));
        }
        long n = features.size(0);
        if (n > 0 && perExample > 0 && features.length() / n != perExample) {
            throw new IllegalArgumentException(who + " expects " + perExample + " values per example, got "
                    + java.util.Arrays.toString(features.shape()));
        }
        return (int) n;
    }
}
