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
            throw new RelaxationException(nonFinite(e.steps(), null));
        }
        return e;
    }

    /** The same check with the chain at hand: the message then says whether the weights themselves are broken. */
    public static Equilibrium checked(Equilibrium e, EnergyChain chain) {
        try {
            return checked(e);
        } catch (RelaxationException x) {
            throw new RelaxationException(nonFinite(e.steps(), chain));
        }
    }

    /**
     * Why states became NaN or infinite: parameters that already hold NaN or ±Inf (a diverged run or a damaged file,
     * named), else weights or β too large for the dynamics.
     */
    public static String nonFinite(int steps, EnergyChain chain) {
        if (chain != null) {
            for (int k = 0; k < chain.depth(); k++) {
                INDArray[] params = chain.interaction(k).parameters();
                for (int i = 0; i < params.length; i++) {
                    if (!allFinite(params[i])) {
                        return "the relaxation produced NaN or infinite states after " + steps + " steps because "
                                + "parameter " + i + " of interaction " + (k + 1) + " already holds NaN or infinite "
                                + "values (a diverged run or a damaged parameter file)";
                    }
                }
            }
        }
        return "the relaxation produced NaN or infinite states after " + steps + " steps: the weights or beta are too "
                + "large for these dynamics (lower the learning rate or beta)";
    }

    /**
     * True when no entry is NaN or infinite. A float32 array whose entries lie one after another (a DL4J input batch,
     * a parameter view) is read in place by one SIMD pass ({@link org.eqprop.kernels.FusedKernels#allFinite}: an
     * mnist-fc1 batch of 128 took 7% of an iteration through ND4J's reduction). Otherwise one reduction in the common
     * case: a finite sum means every entry is finite (a NaN or an infinity makes the sum NaN or infinite); a sum that
     * overflows, as large finite values can make it, is checked entry by entry before anything is called broken.
     */
    public static boolean allFinite(INDArray a) {
        if (org.eqprop.kernels.FusedKernels.readsInPlace(a)) {
            return org.eqprop.kernels.FusedKernels.allFinite(a);
        }
        if (Double.isFinite(a.sumNumber().doubleValue())) {
            return true;
        }
        return !org.nd4j.linalg.indexing.BooleanIndexing.or(a, org.nd4j.linalg.indexing.conditions.Conditions.isNan())
                && !org.nd4j.linalg.indexing.BooleanIndexing.or(a,
                org.nd4j.linalg.indexing.conditions.Conditions.isInfinite());
    }
}
