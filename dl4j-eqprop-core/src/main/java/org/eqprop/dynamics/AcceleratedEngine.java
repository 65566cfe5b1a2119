package org.eqprop.dynamics;

import org.eqprop.costs.NudgingForce;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A {@link RelaxationEngine} on an accelerator (the CUDA engine of module dl4j-eqprop-cuda), found through
 * {@link java.util.ServiceLoader} by {@link EngineChoice}: the same relaxation s_{t+1} = rule(s_t, ∂Φ/∂s − β∂C/∂s),
 * run elsewhere.
 */
public interface AcceleratedEngine extends RelaxationEngine {

    /** True when this engine can run the phase (its interactions, force and data type). */
    boolean supports(EnergyChain chain, NudgingForce force, DataType dataType);

    /**
     * Writes scale · (∂Φ/∂θ(a) − ∂Φ/∂θ(b)) into the gradient views, as {@link EnergyChain#writeContrastGradient}
     * (thesis eq. 5.22), on the accelerator; returns false, writing nothing, when it does not handle this chain.
     */
    default boolean writeContrastGradient(EnergyChain chain, org.nd4j.linalg.api.ndarray.INDArray x,
                                          org.nd4j.linalg.api.ndarray.INDArray[] a,
                                          org.nd4j.linalg.api.ndarray.INDArray[] b, double scale,
                                          org.nd4j.linalg.api.ndarray.INDArray[][] views) {
        return false;
    }

    /** Where the engines come from: a provider reports whether its device is usable and, if not, why. */
    interface Provider {

        /** The engine, or null when no usable device is present. */
        AcceleratedEngine engine();

        /** One line: the device in use, or the reason there is none (driver missing, no GPU, ...). */
        String status();
    }
}
