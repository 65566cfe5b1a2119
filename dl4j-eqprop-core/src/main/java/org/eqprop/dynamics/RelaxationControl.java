package org.eqprop.dynamics;

/**
 * How a phase relaxes: at most {@code maxSteps} steps (T for the free phase, K for a nudged one), stopping early once
 * the residual ‖s_{t+1} − s_t‖∞ is at most {@code tolerance} (0 = always run every step, as the papers do), and in
 * which order the layers move: all at once from s_t (synchronous, Ernoult et al. 2019), or {@code alternating}: the
 * even layers s_1, s_3, … from the current odd ones, then the odd ones from the new even ones (Scellier et al. 2023,
 * asynchronous updates; for a layered Φ this is block coordinate ascent and needs fewer steps).
 */
public record RelaxationControl(int maxSteps, double tolerance, boolean alternating) {

    public RelaxationControl(int maxSteps, double tolerance) {
        this(maxSteps, tolerance, false);
    }

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
