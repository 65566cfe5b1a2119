package org.eqprop.spiking;

/**
 * The receiver's side of predictive coding (O'Connor et al. 2019, eq. 14): v^t = (1 − λ) v^{t−1} + λ u^t, a leaky
 * integration of the weighted bits. With the λ_{t−1} the senders encoded with (their bits arrive one step later) it
 * inverts the {@link PredictiveEncoder}: without quantisation v^t = Σ_i w_ij x_i^{t−1} exactly, and with
 * sigma-delta bits the reconstruction error of a unit weight stays within λ.
 */
public final class PredictiveDecoder implements Decoder {

    private final PowerSchedule lambda;

    public PredictiveDecoder(PowerSchedule lambda) {
        this.lambda = lambda;
    }

    @Override
    public Memory start(int neurons) {
        return new Trace(lambda, new float[neurons]);
    }

    @Override
    public String toString() {
        return "predictive(lambda=" + lambda + ")";
    }

    private record Trace(PowerSchedule lambda, float[] v) implements Memory {

        @Override
        public void decode(float[] u, int from, int to, int t) {
            // the bits in u^t were sent at step t − 1, with λ_{t−1}
            float l = lambda.value(t - 1);
            float keep = 1f - l;
            for (int i = from; i < to; i++) {
                float next = keep * v[i] + l * u[i];
                v[i] = next;
                u[i] = next;
            }
        }

        @Override
        public Memory copy() {
            return new Trace(lambda, v.clone());
        }
    }
}
