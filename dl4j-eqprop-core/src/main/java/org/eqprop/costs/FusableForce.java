package org.eqprop.costs;

/**
 * A {@link NudgingForce} with a fused form, built once (float copies of labels, weights, ...) and reused by every
 * phase of the fused engine.
 */
public abstract class FusableForce implements NudgingForce {

    private FusedForce fused;

    /** Builds the fused form; called at most once. */
    protected abstract FusedForce buildFused();

    @Override
    public final synchronized FusedForce fused() {
        if (fused == null) {
            fused = buildFused();
        }
        return fused;
    }
}
