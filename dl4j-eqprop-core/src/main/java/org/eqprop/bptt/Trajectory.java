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

    /**
     * The bytes a trajectory of {@code keptSteps} steps will hold: a state and a drive per layer and step,
     * {@code 2 · keptSteps · batch · Σ_k n_k · width}, for checking it against the heap before the phase runs.
     */
    public static long estimateBytes(int keptSteps, long batch, long stateValuesPerExample, int bytesPerValue) {
        return 2L * keptSteps * batch * stateValuesPerExample * bytesPerValue;
    }

    /**
     * Refuses a trajectory that would not fit in half the heap, with the estimate in the message (instead of an
     * out-of-memory error deep in the relaxation, or a process that swaps).
     */
    public static void requireFits(int keptSteps, long batch, long stateValuesPerExample, int bytesPerValue,
                                   String owner) {
        long need = estimateBytes(keptSteps, batch, stateValuesPerExample, bytesPerValue);
        long heap = Runtime.getRuntime().maxMemory();
        if (need > heap / 2) {
            throw new IllegalStateException(String.format(java.util.Locale.ROOT, "%s: BPTT would keep %d steps of "
                            + "states and drives for a batch of %d: about %.1f MB, more than half the heap (%.1f MB); "
                            + "truncate it (bpttTruncation / --bptt-steps), lower the batch or the steps, or raise -Xmx",
                    owner, keptSteps, batch, need / 1e6, heap / 1e6));
        }
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
