package org.eqprop.dynamics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/** Checks shared by the engines. */
final class Phases {

    private Phases() {
    }

    /** Rejects an equilibrium with NaN or infinite states: its gradient would silently poison the weights. */
    static Equilibrium checked(Equilibrium e) {
        boolean finite = Double.isFinite(e.residual());
        for (INDArray s : e.states()) {
            finite &= !BooleanIndexing.or(s, Conditions.isNan()) && !BooleanIndexing.or(s, Conditions.isInfinite());
        }
        if (!finite) {
            throw new RelaxationException("the relaxation produced NaN or infinite states after " + e.steps()
                    + " steps: the weights or beta are too large for these dynamics (lower the learning rate or beta)");
        }
        return e;
    }
}
