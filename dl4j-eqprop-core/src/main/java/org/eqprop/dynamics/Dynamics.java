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

    /** Which rule this is: what the engines and estimators ask before running it. */
    Kind kind();

    /** The step rules, by the names of the command line and the JSON configuration. */
    enum Kind implements org.eqprop.util.Named {
        /** s ← σ(∂Φ/∂s) (Ernoult et al. 2019). */
        FIXED_POINT,
        /** s ← s + ε(σ(∂Φ/∂s) − s), thesis eq. 3.25. */
        EULER,
        /** projected successive over-relaxation with factor ω. */
        OVER_RELAXATION,
        /** Euler steps plus state noise √(2εT) ξ (Scellier thesis ch. 6). */
        LANGEVIN;

        /** The name, or "synchronous" for the fixed-point rule (the spelling of early configurations). */
        public static Kind parse(String name) {
            return name != null && name.trim().equalsIgnoreCase("synchronous") ? FIXED_POINT
                    : org.eqprop.util.Named.parse(Kind.class, name, "dynamics");
        }

        /** A new instance of this rule with its parameters (Langevin noise drawn from {@code seed}). */
        public Dynamics create(double eulerStep, double omega, double temperature, long seed) {
            return switch (this) {
                case FIXED_POINT -> FixedPointDynamics.INSTANCE;
                case EULER -> new EulerDynamics(eulerStep);
                case OVER_RELAXATION -> new OverRelaxedDynamics(omega);
                case LANGEVIN -> new LangevinDynamics(eulerStep, temperature, seed);
            };
        }
    }

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
        return Kind.parse(name).create(eulerStep, omega, temperature, seed);
    }
}
