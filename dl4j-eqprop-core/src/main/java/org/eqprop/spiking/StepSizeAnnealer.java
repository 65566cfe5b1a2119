package org.eqprop.spiking;

/**
 * The step size ε_j^t of the state update (O'Connor et al. 2019, eq. 6): s^t = clip((1 − ε) s^{t−1} + ε x^t, 0, 1),
 * where x^t is the (noisy, decoded) target the neuron moves towards. Annealing ε averages the quantisation noise
 * away; an adaptive annealer also raises ε again when the target moves (the nudge of the positive phase).
 */
public interface StepSizeAnnealer {

    /** Fresh memory for {@code neurons} neurons. */
    Memory start(int neurons);

    /** The per-neuron state of an annealer. Disjoint index ranges may be processed concurrently. */
    interface Memory {

        /** eps[i] := ε_i^t ∈ [0, 1] for the target x[i] at step t ≥ 1, i ∈ [from, to). */
        void stepSizes(float[] x, float[] eps, int from, int to, int t);

        /** An independent copy. */
        Memory copy();
    }
}
