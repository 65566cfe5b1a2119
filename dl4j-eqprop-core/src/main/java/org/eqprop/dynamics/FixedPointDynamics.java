package org.eqprop.dynamics;

import org.eqprop.kernels.FusedKernels;
import org.eqprop.layers.StateActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Synchronous fixed-point iteration s_{t+1} = σ(∂Φ/∂s(θ, x, s_t)) for all layers at once (Ernoult et al. 2019,
 * eq. 2; Laborieux et al. 2021): the discrete-time dynamics of the papers.
 */
public final class FixedPointDynamics implements Dynamics {

    public static final FixedPointDynamics INSTANCE = new FixedPointDynamics();

    private FixedPointDynamics() {
    }

    @Override
    public INDArray step(INDArray state, INDArray drive, StateActivation activation) {
        return activation.applyInPlace(drive);
    }

    @Override
    public float step(float[] state, float[] drive, int len, StateActivation activation) {
        if (activation.isClipped()) {
            float slope = activation.kind() == StateActivation.Kind.HARD_SIGMOID ? 1f : 0.5f;
            return FusedKernels.clampStep(state, drive, len, slope, 1f, (float) activation.leak());
        }
        activation.applyInPlace(drive, len);
        return FusedKernels.maxAbsDiff(drive, state, len);
    }

    @Override
    public String name() {
        return "fixed-point";
    }

    @Override
    public Kind kind() {
        return Kind.FIXED_POINT;
    }
}
