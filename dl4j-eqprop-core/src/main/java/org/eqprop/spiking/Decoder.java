package org.eqprop.spiking;

/**
 * A neuron's decoder (O'Connor et al. 2019, eq. 6): turns its input u_j^t = Σ_i w_ij q_i^{t−1} (the weighted bits it
 * received) into the value v_j^t its state update uses. Decoders are linear and stateful.
 */
public interface Decoder {

    /** Fresh memory for {@code neurons} neurons. */
    Memory start(int neurons);

    /** The per-neuron state of a decoder. Disjoint index ranges may be decoded concurrently. */
    interface Memory {

        /** u[i] := v_i^t, the decoded input of neuron i at step t ≥ 1, i ∈ [from, to) (in place). */
        void decode(float[] u, int from, int to, int t);

        /** An independent copy. */
        Memory copy();
    }
}
