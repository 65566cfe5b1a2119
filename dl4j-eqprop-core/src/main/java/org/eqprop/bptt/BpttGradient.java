package org.eqprop.bptt;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * The result of {@link BackpropThroughTime#backward}: ∂L/∂W_k and ∂L/∂b_k summed over the batch and the backpropagated
 * steps, ∂L/∂x, and, when asked for, per step going backwards from the end: ∂L/∂s at each state (index 0 is the last
 * state s_T) and each step's contribution to the parameter gradients ({W_k, b_k} per interaction).
 */
public record BpttGradient(INDArray[] weightGradients, INDArray[] biasGradients, INDArray inputGradient,
                           List<INDArray[]> stateGradients, List<INDArray[][]> stepParamGradients) {
}
