package org.eqprop.costs;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The extra force −β ∂C/∂s_N that a nudged phase adds to the output layer's drive (Scellier thesis eq. 2.6:
 * the nudged system minimises E + βC). Implementations either recompute ∂C/∂s_N from the current state, as
 * the papers do, or hold it at its value at the free fixed point (thesis ch. 2, footnote 1).
 */
public interface NudgingForce {

    /** drive += −β ∂C/∂s_N(output), where output and drive are [batch, width]. */
    void addTo(INDArray drive, INDArray output, double beta);

    /** The same force as a fused float kernel, or null when it has none (the fused engine then declines). */
    default FusedForce fused() {
        return null;
    }
}
