package org.eqprop.dynamics;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The end of a relaxation phase: the states s_1..s_N ([batch, width_k] each), how many steps were used, and the
 * last residual ‖s_t − s_{t−1}‖∞. {@code converged} is false only when a tolerance was set and not reached.
 */
public record Equilibrium(INDArray[] states, int steps, double residual, boolean converged) {

    /** The output layer's state s_N as [batch, units] (a feature map is flattened in NCHW order). */
    public INDArray output() {
        return org.eqprop.layers.States.rows(states[states.length - 1]);
    }
}
