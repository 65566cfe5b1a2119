package org.eqprop.spiking;

/**
 * A neuron's encoder (O'Connor et al. 2019, eq. 6): turns the post-synaptic value ρ(s_j^t) into the bit q_j^t that
 * the neuron sends at step t. Encoders are stateful; {@link #start} makes the memory of a group of neurons.
 */
public interface Encoder {

    /** Fresh memory for {@code neurons} neurons (all at rest: nothing sent yet). */
    Memory start(int neurons);

    /** The per-neuron state of an encoder. Disjoint index ranges may be encoded concurrently. */
    interface Memory {

        /**
         * q[i] := the bit (0 or 1) neuron i sends at step t ≥ 1 for the value x[i], i ∈ [from, to).
         *
         * @return the number of spikes (ones) sent
         */
        int encode(float[] x, float[] q, int from, int to, int t);

        /** An independent copy (to run two phases on from the same state). */
        Memory copy();
    }
}
