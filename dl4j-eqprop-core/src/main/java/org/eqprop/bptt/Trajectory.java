package org.eqprop.bptt;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A relaxation kept step by step for backpropagation through time: the states s_0 .. s_T (each an array of layers,
 * [batch, width]) and the drives u_0 .. u_{T−1} with s_{t+1} = σ(u_t). Its memory grows linearly with T — the cost
 * EqProp avoids.
 */
public record Trajectory(List<INDArray[]> states, List<INDArray[]> drives) {

    public int steps() {
        return drives.size();
    }

    public INDArray[] last() {
        return states.get(states.size() - 1);
    }
}
