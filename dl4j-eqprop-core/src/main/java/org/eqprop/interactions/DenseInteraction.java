package org.eqprop.interactions;

import org.eqprop.kernels.ParallelGemm;
import org.eqprop.layers.States;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fully connected interaction Φ_fc = s_kᵀ W_k s_{k−1} + b_kᵀ s_k (Scellier thesis eq. 5.12), with DL4J's weight
 * layout W [nIn, nOut], so that for row-major states ∂Φ/∂s_k = s_{k−1} W + b and ∂Φ/∂s_{k−1} = s_k Wᵀ.
 * The weight update terms are ∂Φ/∂W = s_{k−1}ᵀ s_k and ∂Φ/∂b = Σ_batch s_k.
 */
public final class DenseInteraction implements Interaction {

    private final INDArray weights;
    private final INDArray bias;

    /**
     * @param weights W [nIn, nOut]
     * @param bias    b [1, nOut]
     */
    public DenseInteraction(INDArray weights, INDArray bias) {
        this.weights = weights;
        this.bias = bias;
    }

    public INDArray weights() {
        return weights;
    }

    public INDArray bias() {
        return bias;
    }

    @Override
    public void addUpwardDrive(INDArray lower, INDArray upperDrive) {
        ParallelGemm.gemm(States.rows(lower), weights, upperDrive, false, false, 1.0, 1.0);
        upperDrive.addiRowVector(bias);
    }

    @Override
    public void addDownwardDrive(INDArray lower, INDArray upper, INDArray lowerDrive) {
        if (lowerDrive.rank() == 2) {
            ParallelGemm.gemm(upper, weights, lowerDrive, false, true, 1.0, 1.0);
        } else {
            lowerDrive.addi(upper.mmul(weights.transpose()).reshape('c', lowerDrive.shape()));
        }
    }


    @Override
    public void writeContrastGradient(INDArray lowerA, INDArray upperA, INDArray lowerB, INDArray upperB,
                                      double scale, INDArray[] gradientViews) {
        INDArray gW = gradientViews[0];
        INDArray gb = gradientViews[1];
        INDArray upperDiff = upperA.sub(upperB);
        boolean clamped = lowerA == lowerB;
        lowerA = States.rows(lowerA);
        lowerB = States.rows(lowerB);
        if (clamped) {
            // Clamped input: a single product on the difference.
            ParallelGemm.gemm(lowerA, upperDiff, gW, true, false, scale, 0.0);
        } else {
            ParallelGemm.gemm(lowerA, upperA, gW, true, false, scale, 0.0);
            ParallelGemm.gemm(lowerB, upperB, gW, true, false, -scale, 1.0);
        }
        gb.assign(upperDiff.sum(true, 0).muli(scale));
    }

    @Override
    public boolean isBilinear() {
        return true;
    }

    @Override
    public double primitiveFunction(INDArray lower, INDArray upper) {
        return States.rows(lower).mmul(weights).addiRowVector(bias).muli(upper).sumNumber().doubleValue();
    }

    @Override
    public void addUpwardVjp(INDArray lower, INDArray deltaUpper, INDArray lowerGrad) {
        addDownwardDrive(lower, deltaUpper, lowerGrad);
    }

    @Override
    public void addDownwardVjp(INDArray lower, INDArray deltaLower, INDArray upperGrad) {
        ParallelGemm.gemm(States.rows(deltaLower), weights, upperGrad, false, false, 1.0, 1.0);
    }

    @Override
    public void addParameterVjp(INDArray lower, INDArray upper, INDArray deltaLower, INDArray deltaUpper,
                                double scale, INDArray[] views) {
        ParallelGemm.gemm(States.rows(lower), deltaUpper, views[0], true, false, scale, 1.0);
        if (deltaLower != null) {
            ParallelGemm.gemm(States.rows(deltaLower), upper, views[0], true, false, scale, 1.0);
        }
        views[1].addi(deltaUpper.sum(true, 0).muli(scale));
    }

    @Override
    public INDArray[] parameters() {
        return new INDArray[]{weights, bias};
    }

    @Override
    public DenseInteraction copy() {
        return new DenseInteraction(weights.dup(), bias.dup());
    }

    @Override
    public boolean isDense() {
        return true;
    }
}
