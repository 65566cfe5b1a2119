package org.eqprop.costs;

/**
 * A {@link NudgingForce} for the fused CPU engine, on one batch slice stored feature-major: unit j of example b at
 * index j·stride + b.
 */
public interface FusedForce {

    /** drive += −β ∂C/∂s_N(output) for the examples [offset, offset + nb) of the batch. */
    void addTo(float[] drive, float[] output, int stride, int offset, int nb, float beta);
}
