package org.eqprop.costs;

import org.eqprop.kernels.FusedKernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A constant nudging force −β ε with ε = ∂L/∂s_N taken at the free fixed point (Scellier thesis ch. 2, footnote 1:
 * it gives the same gradient as β → 0). This is what a stock DL4J {@code fit} provides: the ε that the following
 * output layer back-propagates.
 */
public final class HeldForce extends FusableForce {

    private final INDArray epsilon;

    /** @param epsilon ∂L/∂s_N at the free fixed point, [batch, width] */
    public HeldForce(INDArray epsilon) {
        this.epsilon = epsilon;
    }

    /** ε = ∂L/∂s_N at the free fixed point, [batch, width]. */
    public INDArray epsilon() {
        return epsilon;
    }

    @Override
    public void addTo(INDArray drive, INDArray output, double beta) {
        drive.subi(epsilon.castTo(drive.dataType()).mul(beta));
    }

    /** −β ε at complex β: ε is a constant, so the force is −βr ε − i βi ε. */
    @Override
    public void addComplexTo(INDArray driveRe, INDArray driveIm, INDArray outputRe, INDArray outputIm,
                             double betaRe, double betaIm) {
        INDArray eps = epsilon.castTo(driveRe.dataType());
        driveRe.subi(eps.mul(betaRe));
        driveIm.subi(eps.mul(betaIm));
    }

    @Override
    public boolean isHolomorphic() {
        return true;
    }

    @Override
    protected FusedForce buildFused() {
        float[] eps = FusedKernels.floats(epsilon);
        int width = (int) epsilon.size(1);
        return (drive, output, stride, offset, nb, beta) -> {
            for (int b = 0; b < nb; b++) {
                int row = (offset + b) * width;
                for (int j = 0; j < width; j++) {
                    drive[j * stride + b] -= beta * eps[row + j];
                }
            }
        };
    }
}
