package org.eqprop.spiking;

/**
 * The optimal step-size algorithm (OSA) of George &amp; Powell (2006, "Adaptive stepsizes for recursive estimation
 * with applications in approximate dynamic programming", §4), used per neuron as in O'Connor et al. 2019 (§3.5).
 * Each neuron estimates the mean θ̄ of its noisy targets x^t; with the error e = x^t − θ̄^{t−1}:
 * <pre>
 *   ν_t = ν_{t−1} / (1 + ν_{t−1} − ν̄),  ν_0 = 1          (McClain's rule, ν_t → ν̄)
 *   β̄_t = (1 − ν_t) β̄_{t−1} + ν_t e                        (bias: how far the target has moved)
 *   δ̄_t = (1 − ν_t) δ̄_{t−1} + ν_t e²                       (total squared error)
 *   σ̄²_t = (δ̄_t − β̄_t²) / (1 + λ̄_{t−1})                    (noise variance)
 *   ε_t = 1 − σ̄²_t / δ̄_t  (ε_1 = 1),   λ̄_t = (1 − ε_t)² λ̄_{t−1} + ε_t²
 *   θ̄_t = (1 − ε_t) θ̄_{t−1} + ε_t x^t
 * </pre>
 * so ε falls towards 0 (averaging) while the errors look like noise and rises towards 1 when they show a bias. The
 * target rate ν̄ sets how quickly it reacts; a small regulariser keeps 0/0 away.
 */
public final class OptimalStepSize implements StepSizeAnnealer {

    private final double targetRate;
    private final float regulariser;

    /**
     * @param targetRate  ν̄ ∈ (0, 1): the limit of the rate at which the bias and error estimates forget
     * @param regulariser added to σ̄² and δ̄ in ε = 1 − σ̄²/δ̄ (≥ 0)
     */
    public OptimalStepSize(double targetRate, double regulariser) {
        if (!(targetRate > 0 && targetRate < 1)) {
            throw new IllegalArgumentException("OSA target rate nu-bar must be in (0, 1), got " + targetRate);
        }
        if (!(regulariser >= 0) || !Double.isFinite(regulariser)) {
            throw new IllegalArgumentException("OSA regulariser must be finite and >= 0, got " + regulariser);
        }
        this.targetRate = targetRate;
        this.regulariser = (float) regulariser;
    }

    public double targetRate() {
        return targetRate;
    }

    /** ν_t (the same for every neuron: it only depends on t). */
    public float errorRate(int t) {
        double nu = 1;
        for (int i = 1; i <= t; i++) {
            nu = nu / (1 + nu - targetRate);
        }
        return (float) nu;
    }

    @Override
    public Memory start(int neurons) {
        return new Estimates(this, new float[neurons], new float[neurons], new float[neurons], new float[neurons]);
    }

    @Override
    public String toString() {
        return "osa(nu-bar=" + targetRate + ")";
    }

    /** θ̄ (mean), β̄ (bias), δ̄ (squared error) and λ̄ (variance factor) of every neuron. */
    private record Estimates(OptimalStepSize osa, float[] mean, float[] bias, float[] error, float[] variance)
            implements Memory {

        @Override
        public void stepSizes(float[] x, float[] eps, int from, int to, int t) {
            float nu = osa.errorRate(t);
            float keep = 1f - nu;
            float reg = osa.regulariser;
            for (int i = from; i < to; i++) {
                float e = x[i] - mean[i];
                float b = keep * bias[i] + nu * e;
                float d = keep * error[i] + nu * e * e;
                float a;
                if (t <= 1) {
                    a = 1f;
                } else {
                    float sigma2 = (d - b * b) / (1f + variance[i]);
                    a = 1f - (sigma2 + reg) / (d + reg);
                    a = a < 0f ? 0f : (a > 1f ? 1f : a);
                }
                bias[i] = b;
                error[i] = d;
                variance[i] = (1f - a) * (1f - a) * variance[i] + a * a;
                mean[i] += a * (x[i] - mean[i]);
                eps[i] = a;
            }
        }

        @Override
        public Memory copy() {
            return new Estimates(osa, mean.clone(), bias.clone(), error.clone(), variance.clone());
        }
    }
}
