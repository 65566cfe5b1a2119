package org.eqprop.interactions;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One term Φ_k(s_{k−1}, s_k; θ_k) of a sum-separable primitive function Φ = Σ_k Φ_k, coupling a lower
 * state (or the clamped input) to an upper state. States are [batch, features] row-major matrices, or
 * [batch, channels, height, width] feature maps for convolutional layers.
 *
 * <p>An interaction supplies its share of the relaxation drives ∂Φ/∂s (to the upper and the lower state) and
 * its share of the EqProp weight update ∂Φ/∂θ. A new kind of layer coupling (convolution, ...) is one new
 * implementation of this interface.
 */
public interface Interaction {

    /** Adds ∂Φ_k/∂s_upper (the bottom-up drive, bias included) to {@code upperDrive}. */
    void addUpwardDrive(INDArray lower, INDArray upperDrive);

    /**
     * Adds ∂Φ_k/∂s_lower (the top-down feedback) to {@code lowerDrive}. {@code lower} is the current lower state: a
     * bilinear Φ_k ignores it, a pooled one takes its max-pooling switches from it.
     */
    void addDownwardDrive(INDArray lower, INDArray upper, INDArray lowerDrive);

    /**
     * Both drives of this interaction at once: the upward one into {@code upperDrive} and the feedback into
     * {@code lowerDrive} (an interaction that computes a convolution of the lower state for both shares it).
     */
    default void addDrives(INDArray lower, INDArray upper, INDArray lowerDrive, INDArray upperDrive) {
        addUpwardDrive(lower, upperDrive);
        addDownwardDrive(lower, upper, lowerDrive);
    }

    /**
     * Declares θ_k fixed until the returned handle is closed (one relaxation phase: θ does not move while the states
     * relax, eq. 4 of Scellier and Bengio 2017), so that the interaction may prepare its parameters once (oneDNN's
     * reordered kernels) instead of checking them on every step. Nothing may change the parameters while a handle is
     * open; after it is closed they are checked (or prepared) again on every call. Handles nest.
     */
    default Held holdParameters() {
        return Held.NONE;
    }

    /** An open {@link #holdParameters()} declaration; {@link #close()} ends it (once). */
    interface Held extends AutoCloseable {
        Held NONE = () -> {
        };

        @Override
        void close();
    }

    /**
     * Writes scale · (∂Φ_k/∂θ(a) − ∂Φ_k/∂θ(b)), summed over the batch, into the gradient views
     * (the EqProp contrast of two equilibria a and b).
     */
    void writeContrastGradient(INDArray lowerA, INDArray upperA, INDArray lowerB, INDArray upperB, double scale,
                               INDArray[] gradientViews);

    // ---- vector-Jacobian products, for backpropagation through the relaxation (BPTT, RBP) ------------------

    /** lowerGrad += (∂u_upper/∂s_lower)ᵀ δ_upper: how an error on the upper drive reaches the lower state. */
    void addUpwardVjp(INDArray lower, INDArray deltaUpper, INDArray lowerGrad);

    /** upperGrad += (∂u_lower/∂s_upper)ᵀ δ_lower: how an error on the lower drive reaches the upper state. */
    void addDownwardVjp(INDArray lower, INDArray deltaLower, INDArray upperGrad);

    /**
     * views += scale · ∂/∂θ [δ_upper • u_upper(s_lower) + δ_lower • u_lower(s_lower, s_upper)], the parameter gradient
     * of one unrolled step (δ_lower null for the clamped input, which has no drive).
     */
    void addParameterVjp(INDArray lower, INDArray upper, INDArray deltaLower, INDArray deltaUpper, double scale,
                         INDArray[] views);

    /**
     * True when Φ_k is bilinear in (s_lower, s_upper) plus a term linear in s_upper (dense layers, convolutions with
     * average or no pooling): then its drives are affine in the states, ∂Φ_k/∂θ is B(s_lower, s_upper) plus a linear
     * term, and both extend to complex states as holomorphic EqProp needs. Max pooling (whose switches depend on the
     * state) and vector-field feedback (no Φ) are not.
     */
    default boolean isBilinear() {
        return false;
    }

    /** Φ_k(s_lower, s_upper) summed over the batch. */
    double primitiveFunction(INDArray lower, INDArray upper);

    /** The parameter arrays θ_k, in the order of the gradient views of {@link #writeContrastGradient}. */
    INDArray[] parameters();

    /** The same interaction over copies of its parameters. */
    Interaction copy();

    /** True for a plain dense product s_kᵀ W s_{k−1} + bᵀ s_k (what the fused and CUDA dense kernels run). */
    default boolean isDense() {
        return false;
    }
}
