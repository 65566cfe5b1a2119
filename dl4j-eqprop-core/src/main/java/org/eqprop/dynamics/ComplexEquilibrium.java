package org.eqprop.dynamics;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Objects;

/**
 * The end of a relaxation of complex states s = a + ib (holomorphic EqProp): the real parts a_1..a_N, the imaginary
 * parts b_1..b_N (null for a phase at a real β, whose states stay real), the steps used and the last residual
 * max(‖Δa‖∞, ‖Δb‖∞).
 */
public record ComplexEquilibrium(INDArray[] re, INDArray[] im, int steps, double residual, boolean converged) {

    public ComplexEquilibrium {
        Objects.requireNonNull(re, "re");
        if (im != null && im.length != re.length) {
            throw new IllegalArgumentException("need as many imaginary parts as real parts, got " + im.length
                    + " and " + re.length);
        }
    }

    /** A real equilibrium seen as a complex one with zero imaginary parts. */
    public static ComplexEquilibrium real(Equilibrium e) {
        return new ComplexEquilibrium(e.states(), null, e.steps(), e.residual(), e.converged());
    }

    /** True when the states have no imaginary parts. */
    public boolean isReal() {
        return im == null;
    }

    /** The real parts as an {@link Equilibrium} (for reports and listeners). */
    public Equilibrium realPart() {
        return new Equilibrium(re, steps, residual, converged);
    }
}
