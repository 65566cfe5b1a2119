package org.eqprop.nn.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;

/**
 * A layer that has no input gradient, so nothing below it may need one: its input must be the network's own input or
 * come from frozen layers ({@code FrozenLayer}, which DL4J never backpropagates into). In a MultiLayerNetwork that is
 * layer 0, or a layer above frozen layers only; in a ComputationGraph, a vertex fed only by network inputs and frozen
 * layers. {@code org.eqprop.training.EqPropNetwork} and {@code EqPropComputationGraph} mark such layers with
 * {@link #setFedByNetworkInput} when they are initialised.
 */
public interface NetworkInputLayer {

    /** Tells the layer that nothing below it needs an input gradient (network inputs or frozen layers feed it). */
    void setFedByNetworkInput(boolean fed);

    /** The layer, or the one a wrapper ({@code FrozenLayerWithBackprop}, ...) holds, if it is one; else null. */
    static NetworkInputLayer of(Layer layer) {
        Layer l = layer;
        while (l instanceof BaseWrapperLayer w && !(l instanceof NetworkInputLayer)) {
            l = w.getUnderlying();
        }
        return l instanceof NetworkInputLayer n ? n : null;
    }

    /** True for a layer DL4J never backpropagates into: a {@code FrozenLayer} (not one with backprop). */
    static boolean frozen(Layer layer) {
        return layer instanceof FrozenLayer;
    }
}
