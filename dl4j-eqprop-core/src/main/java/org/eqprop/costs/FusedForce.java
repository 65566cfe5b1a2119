package org.eqprop.costs;

/** A {@link NudgingForce} for the fused CPU engine: one batch slice, feature-major [width][nb] arrays. */
public interface FusedForce {

    /** drive += −β ∂C/∂s_N(output) for the examples [offset, offset + nb) of the batch. */
    void addTo(float[] drive, float[] output, int offset, int nb, float beta);
}
