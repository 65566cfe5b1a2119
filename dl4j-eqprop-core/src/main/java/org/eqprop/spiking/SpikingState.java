package org.eqprop.spiking;

/**
 * Everything a spiking network carries from one step to the next (O'Connor et al. 2019, eq. 6): for the clamped input
 * (index 0) and each relaxing layer k = 1..N the states s_k [batch × width, row-major], the bits q_k last sent, and
 * the memories of the neurons' encoders, decoders and step-size annealers; and the step count t, which runs on from
 * the negative (free) phase into the positive (nudged) one. {@link #copy} lets two phases start from the same state.
 */
public final class SpikingState {

    final int batch;
    final float[][] s;
    final float[][] q;
    /** The bits that {@link #input} accounts for (the bits sent one step before q, after a step). */
    final float[][] seen;
    /** u_k = Σ_i w_ik seen_i over both neighbouring layers (k ≥ 1): kept up to date by the bits that change. */
    final float[][] input;
    final Encoder.Memory[] encoders;
    final Decoder.Memory[] decoders;
    final StepSizeAnnealer.Memory[] annealers;
    /** W_1 x + b_1 when the input does not spike (null otherwise). */
    final float[] inputDrive;
    int t;

    SpikingState(int batch, float[][] s, float[][] q, float[][] seen, float[][] input, Encoder.Memory[] encoders, Decoder.Memory[] decoders,
                 StepSizeAnnealer.Memory[] annealers, float[] inputDrive, int t) {
        this.batch = batch;
        this.s = s;
        this.q = q;
        this.seen = seen;
        this.input = input;
        this.encoders = encoders;
        this.decoders = decoders;
        this.annealers = annealers;
        this.inputDrive = inputDrive;
        this.t = t;
    }

    /** The steps run so far. */
    public int step() {
        return t;
    }

    public int batchSize() {
        return batch;
    }

    /** The states of relaxing layer k ≥ 1 (0: the clamped input), [batch × width] row-major; live, not a copy. */
    public float[] states(int layer) {
        return s[layer];
    }

    /** The bits layer k sent at the last step, [batch × width] row-major; live, not a copy. */
    public float[] bits(int layer) {
        return q[layer];
    }

    /** An independent copy of every state and memory. */
    public SpikingState copy() {
        int n = s.length;
        float[][] s2 = new float[n][];
        float[][] q2 = new float[n][];
        float[][] seen2 = new float[n][];
        float[][] input2 = new float[n][];
        Encoder.Memory[] e2 = new Encoder.Memory[n];
        Decoder.Memory[] d2 = new Decoder.Memory[n];
        StepSizeAnnealer.Memory[] a2 = new StepSizeAnnealer.Memory[n];
        for (int k = 0; k < n; k++) {
            s2[k] = k == 0 ? s[0] : s[k].clone();
            q2[k] = q[k].clone();
            seen2[k] = seen[k].clone();
            input2[k] = input[k] == null ? null : input[k].clone();
            e2[k] = encoders[k] == null ? null : encoders[k].copy();
            d2[k] = decoders[k] == null ? null : decoders[k].copy();
            a2[k] = annealers[k] == null ? null : annealers[k].copy();
        }
        return new SpikingState(batch, s2, q2, seen2, input2, e2, d2, a2, inputDrive, t);
    }
}
