package org.eqprop.estimators;

import org.eqprop.dynamics.ComplexEquilibrium;

/** Runs nudged phases at a complex β = betaRe + i·betaIm. */
public interface ComplexPhase {

    /** A nudged phase from the free equilibrium s^0, for the nudged phases' step budget and tolerance. */
    ComplexEquilibrium relax(double betaRe, double betaIm);

    /** {@code steps} more steps from the states {@code from} with the force at the given β (a moving nudge). */
    ComplexEquilibrium advance(ComplexEquilibrium from, double betaRe, double betaIm, int steps);
}
