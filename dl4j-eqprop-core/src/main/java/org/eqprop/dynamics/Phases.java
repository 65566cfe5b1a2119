package org.eqprop.dynamics;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Checks shared by the engines and layers. */
public final class Phases {

    private Phases() {
    }

    /** Rejects an equilibrium with NaN or infinite states: its gradient would silently poison the weights. */
    public static Equilibrium checked(Equilibrium e) {
        boolean finite = Double.isFinite(e.residual());
        for (INDArray s : e.states()) {
            finite &= allFinite(s);
        }
        if (!finite) {
            throw new RelaxationException("the relaxation produced NaN or infinite states after " + e.steps()
                    + " steps: the weights or beta are too large for these dynamics (lower the learning rate or beta)");
        }
        return e;
    }

    /** True when no entry is NaN or infinite (one reduction: the sum of finite values of sane size is finite). */
    public static boolean allFinite(INDArray a) {
        return Double.isFinite(a.sumNumber().doubleValue());
    }
}
