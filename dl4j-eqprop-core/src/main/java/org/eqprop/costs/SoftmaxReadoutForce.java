package org.eqprop.costs;

import org.eqprop.kernels.FusedKernels;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The softmax cross-entropy readout outside the relaxing system (Scellier thesis eqs. 5.17–5.20): o =
 * softmax(s_N W_out + b_out), C = −Σ y log o, and the nudging force −β ∂C/∂s_N = β (y − o) W_outᵀ, recomputed from
 * the current state. The readout's own gradient (o − y) at the free state is left to the DL4J output layer.
 */
public final class SoftmaxReadoutForce extends FusableForce {

    private final INDArray weights;
    private final INDArray bias;
    private final INDArray labels;

    /**
     * @param weights W_out [width, classes]
     * @param bias    b_out [1, classes]
     * @param labels  one-hot y [batch, classes]
     */
    public SoftmaxReadoutForce(INDArray weights, INDArray bias, INDArray labels) {
        this.weights = weights;
        this.bias = bias;
        this.labels = labels;
    }

    /** W_out [width, classes]. */
    public INDArray weights() {
        return weights;
    }

    /** b_out [1, classes]. */
    public INDArray bias() {
        return bias;
    }

    /** One-hot y [batch, classes]. */
    public INDArray labels() {
        return labels;
    }

    @Override
    public void addTo(INDArray drive, INDArray output, double beta) {
        INDArray w = weights.castTo(output.dataType());
        INDArray o = Transforms.softmax(output.mmul(w).addiRowVector(bias.castTo(output.dataType())), false);
        INDArray err = labels.castTo(output.dataType()).sub(o).muli(beta);
        Nd4j.gemm(err, w, drive, false, true, 1.0, 1.0);
    }

    /**
     * β (y − o) W_outᵀ at complex β and s: z = s W_out + b_out and o = softmax(z) = e^{z − m} / Σ e^{z − m} in complex
     * arithmetic (m, the largest real part of each row, only keeps the exponentials finite).
     */
    @Override
    public void addComplexTo(INDArray driveRe, INDArray driveIm, INDArray outputRe, INDArray outputIm,
                             double betaRe, double betaIm) {
        INDArray w = weights.castTo(outputRe.dataType());
        INDArray zRe = outputRe.mmul(w).addiRowVector(bias.castTo(outputRe.dataType()));
        INDArray zIm = outputIm.mmul(w);
        INDArray modulus = Transforms.exp(zRe.subColumnVector(zRe.max(1).reshape(zRe.size(0), 1)), false);
        INDArray eRe = modulus.mul(Transforms.cos(zIm, true));
        INDArray eIm = modulus.muli(Transforms.sin(zIm, true));
        INDArray sRe = eRe.sum(true, 1);
        INDArray sIm = eIm.sum(true, 1);
        INDArray norm = sRe.mul(sRe).addi(sIm.mul(sIm));
        // o = e / S = e conj(S) / |S|²
        INDArray oRe = eRe.mulColumnVector(sRe).addi(eIm.mulColumnVector(sIm)).diviColumnVector(norm);
        INDArray oIm = eIm.mulColumnVector(sRe).subi(eRe.mulColumnVector(sIm)).diviColumnVector(norm);
        // err = β (y − o)
        INDArray dRe = labels.castTo(outputRe.dataType()).sub(oRe);
        INDArray dIm = oIm.neg();
        INDArray errRe = dRe.mul(betaRe).subi(dIm.mul(betaIm));
        INDArray errIm = dRe.muli(betaIm).addi(dIm.muli(betaRe));
        Nd4j.gemm(errRe, w, driveRe, false, true, 1.0, 1.0);
        Nd4j.gemm(errIm, w, driveIm, false, true, 1.0, 1.0);
    }

    @Override
    public boolean isHolomorphic() {
        return true;
    }

    @Override
    protected FusedForce buildFused() {
        int width = (int) weights.size(0);
        int classes = (int) weights.size(1);
        float[] w = FusedKernels.floats(weights);
        float[] wT = FusedKernels.transpose(w, width, classes);
        float[] b = FusedKernels.floats(bias);
        float[] y = FusedKernels.floats(labels);
        return (drive, output, stride, offset, nb, beta) -> {
            float[] z = new float[classes * stride];
            for (int c = 0; c < classes; c++) {
                java.util.Arrays.fill(z, c * stride, c * stride + nb, b[c]);
            }
            FusedKernels.accumulate(z, wT, output, classes, width, stride);
            for (int e = 0; e < nb; e++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    max = Math.max(max, z[c * stride + e]);
                }
                float sum = 0f;
                for (int c = 0; c < classes; c++) {
                    float v = (float) Math.exp(z[c * stride + e] - max);
                    z[c * stride + e] = v;
                    sum += v;
                }
                int row = (offset + e) * classes;
                for (int c = 0; c < classes; c++) {
                    z[c * stride + e] = beta * (y[row + c] - z[c * stride + e] / sum);
                }
            }
            FusedKernels.accumulate(drive, w, z, width, classes, stride);
        };
    }
}
