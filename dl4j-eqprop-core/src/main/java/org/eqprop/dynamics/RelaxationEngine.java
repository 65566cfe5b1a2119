package org.eqprop.dynamics;

import org.eqprop.costs.NudgingForce;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The minimizer: runs one phase of the relaxation s_{t+1} = rule(s_t, ∂Φ/∂s(s_t) − β ∂C/∂s(s_t)) from a start state
 * until the step budget or the tolerance ends it.
 */
public interface RelaxationEngine {

    /**
     * @param chain       the relaxing system
     * @param inputDrive  ∂Φ_1/∂s_1(x), from {@link EnergyChain#inputDrive}
     * @param start       initial states (not modified)
     * @param force       the nudging force −∂C/∂s_N (null for the free phase)
     * @param beta        the nudging strength β (ignored when force is null)
     * @param control     step budget and tolerance
     */
    Equilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force, double beta,
                      RelaxationControl control);

    /** A short name for logs and benchmarks. */
    String name();
}
