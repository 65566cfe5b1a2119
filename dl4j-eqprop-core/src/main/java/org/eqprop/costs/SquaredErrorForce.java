package org.eqprop.costs;

import org.eqprop.kernels.FusedKernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Squared error on the output neurons, C = (c/2) ‖s_N − y‖² (c = 1: the papers' ½‖s_N − y‖²), recomputed from the
 * current state: force −β c (s_N − y).
 */
public final class SquaredErrorForce extends FusableForce {

    private final INDArray labels;
    private final double scale;

    public SquaredErrorForce(INDArray labels, double scale) {
        this.labels = labels;
        this.scale = scale;
    }

    /** The targets y [batch, width]. */
    public INDArray labels() {
        return labels;
    }

    /** c in C = (c/2)‖s_N − y‖². */
    public double scale() {
        return scale;
    }

    @Override
    public void addTo(INDArray drive, INDArray output, double beta) {
        drive.subi(output.sub(labels.castTo(output.dataType())).muli(beta * scale));
    }

    /** −β c (s − y) at complex β and s: (βr + iβi) c ((a − y) + ib). */
    @Override
    public void addComplexTo(INDArray driveRe, INDArray driveIm, INDArray outputRe, INDArray outputIm,
                             double betaRe, double betaIm) {
        INDArray err = outputRe.sub(labels.castTo(outputRe.dataType()));
        driveRe.subi(err.mul(betaRe * scale)).addi(outputIm.mul(betaIm * scale));
        driveIm.subi(outputIm.mul(betaRe * scale)).subi(err.muli(betaIm * scale));
    }

    @Override
    public boolean isHolomorphic() {
        return true;
    }

    @Override
    protected FusedForce buildFused() {
        float[] y = FusedKernels.floats(labels);
        int width = (int) labels.size(1);
        float c = (float) scale;
        return (drive, output, stride, offset, nb, beta) -> {
            float k = beta * c;
            for (int b = 0; b < nb; b++) {
                int row = (offset + b) * width;
                for (int j = 0; j < width; j++) {
                    int i = j * stride + b;
                    drive[i] -= k * (output[i] - y[row + j]);
                }
            }
        };
    }
}
