package org.eqprop.dynamics;

import org.eqprop.kernels.FusedKernels;
import org.eqprop.layers.StateActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Continuous-time Hopfield dynamics integrated by Euler steps (Scellier thesis eq. 3.25):
 * s_{t+1} = clip(s_t − ε ∂E/∂s(s_t), 0, 1) with the energy E(s) = ½‖s‖² − Φ(s), i.e.
 * s_{t+1} = clip(s_t + ε (∂Φ/∂s − s_t), 0, 1). Its fixed points are those of the hard sigmoid, s = clip(∂Φ/∂s, 0, 1),
 * so it is defined for the hard-sigmoid activation only; ε = 1 gives back the fixed-point iteration.
 */
public final class EulerDynamics implements Dynamics {

    private final float epsilon;

    public EulerDynamics(double epsilon) {
        if (!(epsilon > 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("Euler step size epsilon must be in (0, 1], got " + epsilon);
        }
        this.epsilon = (float) epsilon;
    }

    public double epsilon() {
        return epsilon;
    }

    private static void requireHardSigmoid(StateActivation activation) {
        if (!activation.isHardSigmoid()) {
            throw new IllegalArgumentException("Euler dynamics (thesis eq. 3.25) integrate the hard-sigmoid energy "
                    + "½‖s‖² − Φ on [0,1]; activation " + activation + " is not supported with it");
        }
    }

    @Override
    public INDArray step(INDArray state, INDArray drive, StateActivation activation) {
        requireHardSigmoid(activation);
        INDArray next = drive.subi(state).muli(epsilon).addi(state);
        return Transforms.min(Transforms.max(next, 0.0, false), 1.0, false);
    }

    @Override
    public float step(float[] state, float[] drive, int len, StateActivation activation) {
        requireHardSigmoid(activation);
        return FusedKernels.clampStep(state, drive, len, 1f, epsilon, 0f);
    }

    @Override
    public String name() {
        return "euler";
    }

    @Override
    public Kind kind() {
        return Kind.EULER;
    }
}
