package org.eqprop.dynamics;

/**
 * How long a phase relaxes: at most {@code maxSteps} steps (T for the free phase, K for a nudged one), stopping
 * early once the residual ‖s_{t+1} − s_t‖∞ is at most {@code tolerance} (0 = always run every step, as the papers do).
 */
public record RelaxationControl(int maxSteps, double tolerance) {

    public RelaxationControl {
        if (maxSteps < 1) {
            throw new IllegalArgumentException("a relaxation needs at least 1 step, got " + maxSteps);
        }
        if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
            throw new IllegalArgumentException("tolerance must be finite and >= 0, got " + tolerance);
        }
    }

    /** True when the phase stops early on its residual. */
    public boolean stopsEarly() {
        return tolerance > 0;
    }
}
