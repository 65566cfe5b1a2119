package org.eqprop.dynamics;

import org.eqprop.costs.NudgingForce;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A {@link RelaxationEngine} on an accelerator (the CUDA engine of module dl4j-eqprop-cuda), found through
 * {@link java.util.ServiceLoader} by {@link org.eqprop.engines.EngineChoice}: the same relaxation s_{t+1} = rule(s_t, ∂Φ/∂s − β∂C/∂s),
 * run elsewhere.
 */
public interface AcceleratedEngine extends RelaxationEngine {

    /** True when this engine can run the phase (its interactions, force and data type). */
    @Override
    boolean supports(EnergyChain chain, NudgingForce force, DataType dataType);

    /**
     * The whole iteration of a block with this chain and input on the device ({@link ResidentIteration}), or null
     * when this engine cannot hold it there (then the phases run one by one through {@link #relax}).
     *
     * @param chain       the block's relaxing system (its interactions hold the parameter views)
     * @param inputShape  one example's input: {n} or {channels, height, width}
     * @param batch       examples per iteration
     * @param dataType    the block's data type
     * @param alternating the phases' layer order (RelaxationControl#alternating)
     * @throws AcceleratorFailure when the device cannot hold it after all (out of memory, a failed context)
     */
    default ResidentIteration resident(EnergyChain chain, long[] inputShape, int batch, DataType dataType,
                                       boolean alternating) {
        return null;
    }

    /** Where the engines come from: a provider reports whether its device is usable and, if not, why. */
    interface Provider {

        /** The engine, or null when no usable device is present. */
        AcceleratedEngine engine();

        /** One line: the device in use, or the reason there is none (driver missing, no GPU, ...). */
        String status();
    }
}
