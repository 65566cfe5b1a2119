package org.eqprop.nn.layers;

/**
 * A layer that has no input gradient, so its input must be the network's own input: in a MultiLayerNetwork, layer 0;
 * in a ComputationGraph, a vertex fed only by network inputs, which {@code org.eqprop.training.EqPropComputationGraph}
 * marks with {@link #setFedByNetworkInput} when it is initialised.
 */
public interface NetworkInputLayer {

    /** Tells the layer that its inputs are network inputs (nothing below it needs an input gradient). */
    void setFedByNetworkInput(boolean fed);
}
