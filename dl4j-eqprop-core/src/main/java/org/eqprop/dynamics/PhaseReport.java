package org.eqprop.dynamics;

/**
 * One finished relaxation phase, as reported to {@link RelaxationListener}s: which block and phase
 * ("free", "nudged+", "nudged−", or "nudged-complex" for a phase at a complex β), the steps used, the last
 * residual ‖s_t − s_{t−1}‖∞, and whether it reached the tolerance (always true without one).
 */
public record PhaseReport(int layerIndex, String phase, int steps, double residual, boolean converged,
                          int iteration) {
}
