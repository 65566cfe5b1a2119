package org.eqprop.spark;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;

/**
 * What one partition returns for one synchronous step: the EqProp gradient summed over its examples (DL4J's
 * convention: the updater divides by the global batch size), the summed loss, and the free phase's correct
 * predictions. Partials add up in {@code treeAggregate}; an empty partial (no gradient) is the identity. The gradient
 * travels in the network's precision (float or double).
 */
public final class PartialGradient implements Serializable {

    private static final long serialVersionUID = 1L;

    private FlatArray gradient;
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
        this.gradient = FlatArray.of(gradient);
        this.lossSum = lossSum;
        this.examples = examples;
        this.correct = correct;
        this.computeNanos = computeNanos;
        this.maxComputeNanos = computeNanos;
    }

    /** Adds {@code other} into this partial and returns this (Spark's seqOp and combOp). */
    public PartialGradient add(PartialGradient other) {
        if (other.gradient != null) {
            gradient = gradient == null ? other.gradient.copy() : gradient.addi(other.gradient);
        }
        lossSum += other.lossSum;
        examples += other.examples;
        correct += other.correct;
        computeNanos += other.computeNanos;
        maxComputeNanos = Math.max(maxComputeNanos, other.maxComputeNanos);
        return this;
    }

    /** True when no partition held an example of the batch. */
    public boolean isEmpty() {
        return gradient == null;
    }

    /** Writes the summed gradient into {@code target} (same length). */
    public void copyInto(INDArray target) {
        if (isEmpty()) {
            throw new IllegalStateException("no gradient: the batch had no examples");
        }
        gradient.copyInto(target);
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
