package org.eqprop.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Shape helpers for state layers: vectors [batch, units] and feature maps [batch, channels, height, width]. */
public final class States {

    private States() {
    }

    /**
     * A state or drive as a [batch, units] matrix: itself, or the row-major (NCHW-flattened) view of a contiguous
     * feature map, so that in-place updates of the view reach the map.
     */
    public static INDArray rows(INDArray a) {
        return a.rank() == 2 ? a : a.reshape('c', a.size(0), a.length() / a.size(0));
    }
}
