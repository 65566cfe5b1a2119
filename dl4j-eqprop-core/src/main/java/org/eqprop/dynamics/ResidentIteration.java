package org.eqprop.dynamics;

import org.eqprop.costs.NudgingForce;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A block's EqProp iteration held on an accelerator: the parameters, the input drive, the free and nudged states and
 * the gradient live in device buffers made once for this shape, so that per iteration only the minibatch (and the
 * updated parameters) go up and the free output s_N and the gradient come down. The phases are those of a
 * {@link RelaxationEngine} (s_{t+1} = rule(s_t, ∂Φ/∂s − β∂C/∂s)), the gradient the contrast
 * scale · (∂Φ/∂θ(a) − ∂Φ/∂θ(b)) of thesis eq. 5.22.
 *
 * <p>The equilibria it returns are {@link Equilibrium#resident resident}: their states reach the host only when
 * asked for. An accelerator error surfaces as an {@link AcceleratorFailure}; the caller then closes this object and
 * carries on with a CPU engine.
 */
public interface ResidentIteration extends AutoCloseable {

    /**
     * Uploads x ([batch, ...] as the block's input) and the block's flat parameters, and relaxes the free phase
     * from zero states.
     */
    Equilibrium free(INDArray x, INDArray parameters, RelaxationControl control);

    /** True when this force has a resident form (else the caller relaxes the nudged phases on the host). */
    boolean accepts(NudgingForce force);

    /** A nudged phase with this (signed) β from the last free equilibrium. */
    Equilibrium nudged(NudgingForce force, double beta, RelaxationControl control);

    /**
     * Writes scale · (∂Φ/∂θ(a) − ∂Φ/∂θ(b)) into the block's flat gradient array (the parameters' layout), for two
     * equilibria this object returned in the current iteration.
     */
    void writeContrastGradient(Equilibrium a, Equilibrium b, double scale, INDArray flatGradient);

    /** The examples per iteration it holds buffers for. */
    int batch();

    /** What this iteration object has moved and launched so far. */
    Traffic traffic();

    /** The engine's name (for logs and benchmarks). */
    String name();

    /**
     * What relaxes and what computes its products, for reports: e.g. "layered; convolutions: cuDNN 9.19.0 (...);
     * dense products: own kernels (...)".
     */
    default String describe() {
        return name();
    }

    /** The library that computes the convolutions ("cudnn", "own" kernels, or "none" without convolutions). */
    default String convolutionLibrary() {
        return "own";
    }

    /** Releases the device buffers. */
    @Override
    void close();

    /** Bytes to and from the device, device allocations and kernel launches, cumulative. */
    record Traffic(long h2dBytes, long d2hBytes, long allocations, long launches) {

        /** this − earlier. */
        public Traffic minus(Traffic earlier) {
            return new Traffic(h2dBytes - earlier.h2dBytes, d2hBytes - earlier.d2hBytes,
                    allocations - earlier.allocations, launches - earlier.launches);
        }

        /** this + other. */
        public Traffic plus(Traffic other) {
            return new Traffic(h2dBytes + other.h2dBytes, d2hBytes + other.d2hBytes,
                    allocations + other.allocations, launches + other.launches);
        }

        public static final Traffic NONE = new Traffic(0, 0, 0, 0);
    }
}
