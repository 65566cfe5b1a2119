package org.eqprop.spiking;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bits sent: spikes per neuron per step, the communication cost that binary EqProp saves (O'Connor et al.
 * 2019 §4). The relaxing layers' neurons and the clamped input neurons are counted apart.
 */
public final class SpikeCounter {

    private final LongAdder spikes = new LongAdder();
    private final LongAdder neuronSteps = new LongAdder();
    private final LongAdder inputSpikes = new LongAdder();
    private final LongAdder inputNeuronSteps = new LongAdder();

    /** Adds the spikes of the relaxing neurons and how many neuron-steps sent them. */
    public void add(long spikeCount, long neuronStepCount) {
        spikes.add(spikeCount);
        neuronSteps.add(neuronStepCount);
    }

    /** Adds the spikes of the clamped input neurons. */
    public void addInput(long spikeCount, long neuronStepCount) {
        inputSpikes.add(spikeCount);
        inputNeuronSteps.add(neuronStepCount);
    }

    /** Spikes per relaxing neuron per step (0 before any step). */
    public double spikesPerNeuronPerStep() {
        long n = neuronSteps.sum();
        return n == 0 ? 0 : (double) spikes.sum() / n;
    }

    /** Spikes per input neuron per step (0 when the input does not spike). */
    public double inputSpikesPerNeuronPerStep() {
        long n = inputNeuronSteps.sum();
        return n == 0 ? 0 : (double) inputSpikes.sum() / n;
    }

    /** Spikes per neuron per step over all neurons, input included. */
    public double allSpikesPerNeuronPerStep() {
        long n = neuronSteps.sum() + inputNeuronSteps.sum();
        return n == 0 ? 0 : (double) (spikes.sum() + inputSpikes.sum()) / n;
    }

    public long neuronSteps() {
        return neuronSteps.sum();
    }

    public void reset() {
        spikes.reset();
        neuronSteps.reset();
        inputSpikes.reset();
        inputNeuronSteps.reset();
    }
}
