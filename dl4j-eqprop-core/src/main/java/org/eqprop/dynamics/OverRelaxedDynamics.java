package org.eqprop.dynamics;

import org.eqprop.layers.StateActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Projected over-relaxation (projected SOR) of the fixed-point iteration for the clipped activations
 * σ(u) = clip(a·u, 0, 1) (a = 1: hard sigmoid, a = ½: Laborieux et al.'s clip(u/2, 0, 1)):
 * <pre>
 *   s_{t+1} = clip(s_t + ω (a ∂Φ/∂s(s_t) − s_t), 0, 1),   0 &lt; ω &lt; 2.
 * </pre>
 * ω = 1 is the fixed-point iteration s ← σ(∂Φ/∂s). Every ω has the same fixed points s* = σ(∂Φ/∂s(s*)): inside
 * (0, 1) the step vanishes iff s = a u, at 0 (1) it stays iff a u ≤ 0 (≥ 1). With the alternating (even/odd) order,
 * which for a layered Φ is a red-black ordering, this is the projected successive over-relaxation of Cryer (1971);
 * for a quadratic Φ with consistently ordered layers Young's theory gives the best ω = 2 / (1 + √(1 − ρ²)), ρ the
 * spectral radius of the synchronous (Jacobi) iteration, and a convergence rate of ω − 1 instead of ρ².
 */
public final class OverRelaxedDynamics implements Dynamics {

    private final float omega;

    public OverRelaxedDynamics(double omega) {
        if (!(omega > 0 && omega < 2)) {
            throw new IllegalArgumentException("over-relaxation factor omega must be in (0, 2), got " + omega);
        }
        this.omega = (float) omega;
    }

    /** The relaxation factor ω. */
    public double omega() {
        return omega;
    }

    /** The slope a of σ(u) = clip(a u, 0, 1); rejects the activations it is not defined for. */
    static float slope(StateActivation activation) {
        if (activation.leak() != 0 || !activation.isClipped()) {
            throw new IllegalArgumentException("over-relaxation needs a clipped activation clip(a u, 0, 1) without "
                    + "leak (hard-sigmoid or half-hard-sigmoid), got " + activation);
        }
        return activation.kind() == StateActivation.Kind.HARD_SIGMOID ? 1f : 0.5f;
    }

    @Override
    public INDArray step(INDArray state, INDArray drive, StateActivation activation) {
        float a = slope(activation);
        INDArray next = drive.muli(omega * a).addi(state.mul(1 - omega));
        return Transforms.min(Transforms.max(next, 0.0, false), 1.0, false);
    }

    @Override
    public float step(float[] state, float[] drive, int len, StateActivation activation) {
        return org.eqprop.kernels.FusedKernels.clampStep(state, drive, len, slope(activation), omega, 0f);
    }

    @Override
    public String name() {
        return "over-relaxation";
    }

    @Override
    public Kind kind() {
        return Kind.OVER_RELAXATION;
    }
}
