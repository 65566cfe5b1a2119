package org.eqprop.spark;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;

/**
 * What one partition returns for one synchronous step: the EqProp gradient summed over its examples (DL4J's
 * convention: the updater divides by the global batch size), the summed loss, and the free phase's correct
 * predictions. Partials add up in {@code treeAggregate}; an empty partial (no gradient) is the identity. The gradient
 * travels in the network's precision (float or double).
 */
public final class PartialGradient implements Serializable {

    private static final long serialVersionUID = 1L;

    private float[] floats;
    private double[] doubles;
    private double lossSum;
    private long examples;
    private long correct;
    private long computeNanos;
    private long maxComputeNanos;

    /** The empty partial. */
    public PartialGradient() {
    }

    /**
     * A partition's result: its summed gradient (copied), summed loss, example and correct-prediction counts, and the
     * time its gradient took.
     */
    public PartialGradient(INDArray gradient, double lossSum, long examples, long correct, long computeNanos) {
        INDArray flat = gradient.reshape(gradient.length());
        if (gradient.dataType() == DataType.DOUBLE) {
            doubles = flat.toDoubleVector();
        } else {
            floats = flat.castTo(DataType.FLOAT).toFloatVector();
        }
        this.lossSum = lossSum;
        this.examples = examples;
        this.correct = correct;
        this.computeNanos = computeNanos;
        this.maxComputeNanos = computeNanos;
    }

    /** Adds {@code other} into this partial and returns this (Spark's seqOp and combOp). */
    public PartialGradient add(PartialGradient other) {
        if (other.floats != null) {
            floats = floats == null ? other.floats.clone() : sum(floats, other.floats);
        }
        if (other.doubles != null) {
            doubles = doubles == null ? other.doubles.clone() : sum(doubles, other.doubles);
        }
        lossSum += other.lossSum;
        examples += other.examples;
        correct += other.correct;
        computeNanos += other.computeNanos;
        maxComputeNanos = Math.max(maxComputeNanos, other.maxComputeNanos);
        return this;
    }

    private static float[] sum(float[] into, float[] add) {
        checkLength(into.length, add.length);
        for (int i = 0; i < into.length; i++) {
            into[i] += add[i];
        }
        return into;
    }

    private static double[] sum(double[] into, double[] add) {
        checkLength(into.length, add.length);
        for (int i = 0; i < into.length; i++) {
            into[i] += add[i];
        }
        return into;
    }

    private static void checkLength(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("partial gradients of different lengths: " + a + " vs " + b);
        }
    }

    /** True when no partition held an example of the batch. */
    public boolean isEmpty() {
        return floats == null && doubles == null;
    }

    /** Writes the summed gradient into {@code target} (same length). */
    public void copyInto(INDArray target) {
        if (isEmpty()) {
            throw new IllegalStateException("no gradient: the batch had no examples");
        }
        INDArray g = floats != null ? Nd4j.createFromArray(floats) : Nd4j.createFromArray(doubles);
        if (g.length() != target.length()) {
            throw new IllegalArgumentException("gradient has " + g.length() + " values, the network "
                    + target.length());
        }
        target.assign(g.reshape(target.shape()).castTo(target.dataType()));
    }

    public double lossSum() {
        return lossSum;
    }

    public long examples() {
        return examples;
    }

    public long correct() {
        return correct;
    }

    /** Time the partitions spent computing gradients (relaxation phases and contrast), summed over partitions. */
    public long computeNanos() {
        return computeNanos;
    }

    /** The longest single partition's computing time (the step's critical path on the workers). */
    public long maxComputeNanos() {
        return maxComputeNanos;
    }
}
