package org.eqprop.spiking;

/**
 * A coefficient annealed as c_t = c_0 / t^η (O'Connor et al. 2019, eq. 8 for the step size ε; §3.6 for the
 * predictive-coding coefficient λ). η = 0 keeps it constant; 0 &lt; η ≤ 1 lets it decay, so that the quantisation
 * noise averages out (η ≤ 1 keeps Σ_t c_t infinite, so the state can still travel anywhere).
 */
public record PowerSchedule(double initial, double exponent) {

    public PowerSchedule {
        if (!(initial > 0 && initial <= 1)) {
            throw new IllegalArgumentException("annealed coefficient c_0 must be in (0, 1], got " + initial);
        }
        if (!(exponent >= 0 && exponent <= 1)) {
            throw new IllegalArgumentException("annealing exponent eta must be in [0, 1], got " + exponent);
        }
    }

    /** The constant coefficient c. */
    public static PowerSchedule constant(double c) {
        return new PowerSchedule(c, 0);
    }

    /** c_t for the step t ≥ 1 (smaller t are treated as t = 1). */
    public float value(int t) {
        return exponent == 0 ? (float) initial : (float) (initial / Math.pow(Math.max(1, t), exponent));
    }
}
