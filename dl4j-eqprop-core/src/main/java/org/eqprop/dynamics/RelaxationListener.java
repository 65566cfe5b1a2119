package org.eqprop.dynamics;

/** Receives every relaxation phase of an EqProp block; {@link #onNonConvergence} when a tolerance was not reached. */
public interface RelaxationListener {

    default void onPhase(PhaseReport report) {
    }

    default void onNonConvergence(PhaseReport report) {
    }
}
