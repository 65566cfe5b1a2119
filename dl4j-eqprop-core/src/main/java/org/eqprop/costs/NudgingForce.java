package org.eqprop.costs;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The extra force −β ∂C/∂s_N that a nudged phase adds to the output layer's drive (Scellier thesis eq. 2.6:
 * the nudged system minimises E + βC). Implementations either recompute ∂C/∂s_N from the current state, as
 * the papers do, or hold it at its value at the free fixed point (thesis ch. 2, footnote 1).
 */
public interface NudgingForce {

    /** Which force a block's nudged phases use, by the names of the command line and the JSON configuration. */
    enum Mode implements org.eqprop.util.Named {
        /** −β ∂C/∂s_N at the current state, as the papers do (needs a trainer that knows the labels). */
        RECOMPUTED,
        /** −β ∂C/∂s_N held at the free fixed point (thesis ch. 2, fn. 1): what a plain DL4J network gives. */
        HELD;
    }

    /** drive += −β ∂C/∂s_N(output), where output and drive are [batch, width]. */
    void addTo(INDArray drive, INDArray output, double beta);

    /**
     * True when the force extends holomorphically to complex states and a complex β (the squared error, the softmax
     * readout and the held force do), so that holomorphic EqProp can nudge with it.
     */
    default boolean isHolomorphic() {
        return false;
    }

    /**
     * The force at a complex β = βr + iβi on a complex output s_N = a + ib (holomorphic EqProp, Laborieux &amp;
     * Zenke 2022): (driveRe + i driveIm) += −β ∂C/∂s_N(a + ib), with ∂C/∂s_N the holomorphic extension of the
     * cost's gradient. All arrays are [batch, width].
     *
     * @throws UnsupportedOperationException when {@link #isHolomorphic()} is false
     */
    default void addComplexTo(INDArray driveRe, INDArray driveIm, INDArray outputRe, INDArray outputIm,
                              double betaRe, double betaIm) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no holomorphic extension; "
                + "holomorphic EqProp needs a squared-error output, a softmax cross-entropy readout or the held force");
    }

    /** The same force as a fused float kernel, or null when it has none (the fused engine then declines). */
    default FusedForce fused() {
        return null;
    }
}
