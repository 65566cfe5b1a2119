package org.eqprop.dynamics;

import org.eqprop.layers.StateActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The update rule of a relaxation step, given a layer's state s_t and its drive u = ∂Φ/∂s(s_t). Every rule
 * has the fixed points s* = σ(∂Φ/∂s(s*)); they differ in how they get there.
 */
public interface Dynamics extends org.eqprop.util.RandomState {

    /** Returns s_{t+1}; may overwrite {@code drive} and return it. */
    INDArray step(INDArray state, INDArray drive, StateActivation activation);

    /**
     * The same on {@code drive[0..len)} in place, for the fused CPU kernels: drive := s_{t+1}; returns the residual
     * max |s_{t+1} − s_t| over those values.
     */
    float step(float[] state, float[] drive, int len, StateActivation activation);

    /** The command-line name of the rule. */
    String name();

    /** Parses "fixed-point" or "euler" (with its step size ε). */
    static Dynamics of(String name, double eulerStep) {
        return of(name, eulerStep, 1.0);
    }

    /** Parses "fixed-point", "euler" (with its step size ε) or "over-relaxation" (with its factor ω). */
    static Dynamics of(String name, double eulerStep, double omega) {
        return of(name, eulerStep, omega, 0, 0);
    }

    /**
     * Parses "fixed-point", "euler" (step size ε), "over-relaxation" (factor ω) or "langevin" (step size ε,
     * temperature T, noise seed).
     */
    static Dynamics of(String name, double eulerStep, double omega, double temperature, long seed) {
        if (name.trim().equalsIgnoreCase("langevin")) {
            return new LangevinDynamics(eulerStep, temperature, seed);
        }
        switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "fixed-point":
            case "synchronous":
                return FixedPointDynamics.INSTANCE;
            case "euler":
                return new EulerDynamics(eulerStep);
            case "over-relaxation":
                return new OverRelaxedDynamics(omega);
            default:
                throw new IllegalArgumentException("Unknown dynamics '" + name + "'; expected fixed-point, euler, "
                        + "over-relaxation or langevin");
        }
    }
}
