package org.eqprop.spiking;

/**
 * Predictive coding on the sender's side (O'Connor et al. 2019, eq. 13): instead of x^t the neuron quantises the
 * scaled prediction error a^t = (x^t − (1 − λ_t) x^{t−1}) / λ_t with an inner {@link Encoder}; the receiver's
 * {@link PredictiveDecoder} with the same λ_t undoes it, v^{t+1} = (1 − λ_t) v^t + λ_t q^t. The bits then carry
 * the changes of x quickly while a constant x is still sent at its own rate (a = x when x stays put).
 */
public final class PredictiveEncoder implements Encoder {

    private final PowerSchedule lambda;
    private final Encoder quantizer;

    public PredictiveEncoder(PowerSchedule lambda, Encoder quantizer) {
        this.lambda = lambda;
        this.quantizer = quantizer;
    }

    public PowerSchedule lambda() {
        return lambda;
    }

    @Override
    public Memory start(int neurons) {
        return new Prediction(lambda, new float[neurons], new float[neurons], quantizer.start(neurons));
    }

    @Override
    public String toString() {
        return "predictive(" + quantizer + ", lambda=" + lambda + ")";
    }

    /** The last value x^{t−1} of each neuron, a scratch for a^t and the quantiser's own memory. */
    private record Prediction(PowerSchedule lambda, float[] last, float[] code, Memory quantizer) implements Memory {

        @Override
        public int encode(float[] x, float[] q, int from, int to, int t) {
            float l = lambda.value(t);
            float keep = 1f - l;
            float inv = 1f / l;
            for (int i = from; i < to; i++) {
                code[i] = (x[i] - keep * last[i]) * inv;
                last[i] = x[i];
            }
            return quantizer.encode(code, q, from, to, t);
        }

        @Override
        public Memory copy() {
            return new Prediction(lambda, last.clone(), code.clone(), quantizer.copy());
        }
    }
}
