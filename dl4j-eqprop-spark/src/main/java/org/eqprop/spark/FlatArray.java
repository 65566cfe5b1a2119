package org.eqprop.spark;

import org.eqprop.kernels.FusedKernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;

/**
 * A flat parameter or gradient vector in a serializable Java array of the network's precision (float or double),
 * moved in and out of ND4J by bulk copies: ND4J's own {@code toByteArray}/{@code fromByteArray} took 15–150 ms for
 * mnist-fc1's 397,510 parameters and dominated a synchronous step.
 */
final class FlatArray implements Serializable {

    private static final long serialVersionUID = 1L;

    private final float[] floats;
    private final double[] doubles;

    private FlatArray(float[] floats, double[] doubles) {
        this.floats = floats;
        this.doubles = doubles;
    }

    /** A copy of {@code a}'s values in row-major order. */
    static FlatArray of(INDArray a) {
        if (a.dataType() == DataType.DOUBLE) {
            INDArray c = a.dup('c');
            double[] d = new double[(int) c.length()];
            c.data().asNioDouble().get(d, 0, d.length);
            return new FlatArray(null, d);
        }
        return new FlatArray(FusedKernels.floats(a), null);
    }

    int length() {
        return floats != null ? floats.length : doubles.length;
    }

    /** Writes the values into {@code target} (any shape of the same length, cast to its type). */
    void copyInto(INDArray target) {
        if (length() != target.length()) {
            throw new IllegalArgumentException("vector has " + length() + " values, the target " + target.length());
        }
        INDArray v = floats != null ? FusedKernels.array(floats, floats.length) : Nd4j.createFromArray(doubles);
        target.assign(v.reshape(target.shape()).castTo(target.dataType()));
    }

    /** Adds {@code other} into this vector (same length and precision) and returns this. */
    FlatArray addi(FlatArray other) {
        if (other.length() != length() || (floats == null) != (other.floats == null)) {
            throw new IllegalArgumentException("cannot add vectors of " + other.length() + " and " + length()
                    + " values or of different precision");
        }
        int n = length();
        for (int i = 0; i < n; i++) {
            if (floats != null) {
                floats[i] += other.floats[i];
            } else {
                doubles[i] += other.doubles[i];
            }
        }
        return this;
    }

    FlatArray copy() {
        return new FlatArray(floats == null ? null : floats.clone(), doubles == null ? null : doubles.clone());
    }
}
