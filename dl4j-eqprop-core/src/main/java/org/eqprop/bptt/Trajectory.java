package org.eqprop.bptt;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * A relaxation kept step by step for backpropagation through time: the states s_{T−K} .. s_T (each an array of
 * layers, [batch, width]) and the drives u_{T−K} .. u_{T−1} with s_{t+1} = σ(u_t), for the K kept steps (K = T for
 * full BPTT). Its memory grows linearly with K — the cost EqProp avoids.
 */
public record Trajectory(List<INDArray[]> states, List<INDArray[]> drives) {

    public int steps() {
        return drives.size();
    }

    /** Bytes held by the kept states and drives. */
    public long bytes() {
        long b = 0;
        for (List<INDArray[]> l : List.of(states, drives)) {
            for (INDArray[] layers : l) {
                for (INDArray a : layers) {
                    b += a.length() * a.dataType().width();
                }
            }
        }
        return b;
    }

    /** Frees the native memory of every kept state and drive except the last states (the free equilibrium). */
    public void release() {
        for (int t = 0; t < states.size() - 1; t++) {
            release(states.get(t));
        }
        for (INDArray[] u : drives) {
            release(u);
        }
    }

    /** Frees the native memory of arrays no longer used (views and workspace arrays are left alone). */
    static void release(INDArray[] arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }

    public INDArray[] last() {
        return states.get(states.size() - 1);
    }
}
