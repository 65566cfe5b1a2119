package org.eqprop.spiking;

import org.eqprop.costs.NudgingForce;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.dynamics.RelaxationEngine;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The spiking neurons (O'Connor et al. 2019) as a relaxation engine for one batch: the free phase (no force) starts
 * every neuron at rest with the input clamped to x and runs eq. 6 for the control's step budget; each nudged phase
 * continues from a copy of the free phase's neuron states (encoders, decoders, annealers), as the paper does. The
 * start states and the input drive the engine interface passes are not used: spiking neurons start at rest and
 * compute their own drives from the bits they receive.
 */
public final class SpikingEngine implements RelaxationEngine {

    private final SpikingRelaxation.Network network;
    private final INDArray x;
    private final SpikeCounter counter;
    private final DataType dataType;
    private SpikingState free;

    /**
     * @param settings the encoders, decoders and annealers
     * @param chain    the block's dense chain with its current parameters
     * @param x        the batch [batch, nIn] the input neurons send
     * @param counter  where the bits sent are counted
     * @param dataType the data type of the equilibria returned
     */
    public SpikingEngine(SpikingSettings settings, EnergyChain chain, INDArray x, SpikeCounter counter,
                         DataType dataType) {
        this.network = new SpikingRelaxation(settings).network(chain);
        this.x = x;
        this.counter = counter;
        this.dataType = dataType;
    }

    @Override
    public Equilibrium relax(EnergyChain chain, INDArray inputDrive, INDArray[] start, NudgingForce force, double beta,
                             RelaxationControl control) {
        if (force == null) {
            free = network.start(x);
            return network.relax(free, null, 0, control.maxSteps(), counter, dataType);
        }
        if (free == null) {
            throw new IllegalStateException("a spiking nudged phase continues the free phase: run the free phase "
                    + "first");
        }
        return network.relax(free.copy(), force, beta, control.maxSteps(), counter, dataType);
    }

    /** True once the free phase ran (its neuron states are what the nudged phases continue). */
    public boolean hasFreePhase() {
        return free != null;
    }

    @Override
    public boolean supports(EnergyChain chain, NudgingForce force, DataType dataType) {
        return chain.isDense() && chain.isFlat() && chain.activation().isHardSigmoid()
                && (force == null || force.fused() != null);
    }

    @Override
    public String name() {
        return "spiking";
    }
}
