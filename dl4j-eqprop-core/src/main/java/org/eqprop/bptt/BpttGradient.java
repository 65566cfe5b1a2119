package org.eqprop.bptt;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * The result of {@link BackpropThroughTime#backward}: ∂L/∂θ_k for each interaction's parameters (in their order: W_k,
 * b_k, ...) summed over the batch and the backpropagated steps, ∂L/∂x, and, when asked for, per step going backwards
 * from the end: ∂L/∂s at each state (index 0 is the last state s_T) and each step's contribution to the parameter
 * gradients.
 */
public record BpttGradient(INDArray[][] parameterGradients, INDArray inputGradient, List<INDArray[]> stateGradients,
                           List<INDArray[][]> stepParamGradients) {

    /** ∂L/∂W_k for each interaction. */
    public INDArray[] weightGradients() {
        INDArray[] w = new INDArray[parameterGradients.length];
        for (int k = 0; k < w.length; k++) {
            w[k] = parameterGradients[k][0];
        }
        return w;
    }

    /** ∂L/∂b_k for each interaction. */
    public INDArray[] biasGradients() {
        INDArray[] b = new INDArray[parameterGradients.length];
        for (int k = 0; k < b.length; k++) {
            b[k] = parameterGradients[k][1];
        }
        return b;
    }
}
