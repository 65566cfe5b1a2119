package org.eqprop.spiking;

/**
 * Sigma-delta modulation (O'Connor et al. 2019, eq. 12): φ' = φ^{t−1} + x^t, q^t = [φ' &gt; ½], φ^t = φ' − q^t.
 * The running sum of the bits tracks the running sum of the inputs: |Σ_τ q^τ − Σ_τ x^τ| = |φ^t| stays below 1
 * for inputs in [0, 1], so a layer reading the bits sees the input's average with an error that shrinks as 1/t.
 */
public final class SigmaDeltaEncoder implements Encoder {

    public static final SigmaDeltaEncoder INSTANCE = new SigmaDeltaEncoder();

    private SigmaDeltaEncoder() {
    }

    @Override
    public Memory start(int neurons) {
        return new Integrator(new float[neurons]);
    }

    @Override
    public String toString() {
        return "sigma-delta";
    }

    /** The integrators φ of the neurons. */
    static final class Integrator implements Memory {
        private final float[] phi;

        Integrator(float[] phi) {
            this.phi = phi;
        }

        @Override
        public int encode(float[] x, float[] q, int from, int to, int t) {
            int spikes = 0;
            for (int i = from; i < to; i++) {
                float p = phi[i] + x[i];
                float bit = p > 0.5f ? 1f : 0f;
                phi[i] = p - bit;
                q[i] = bit;
                spikes += (int) bit;
            }
            return spikes;
        }

        /** φ_i, the accumulated difference between the inputs and the bits sent so far. */
        float residual(int i) {
            return phi[i];
        }

        @Override
        public Memory copy() {
            return new Integrator(phi.clone());
        }
    }
}
