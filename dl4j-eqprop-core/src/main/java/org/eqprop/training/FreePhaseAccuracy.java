package org.eqprop.training;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.eqprop.nn.layers.ResistiveBlockLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Counts the training examples the free phase classifies correctly (the papers' "train error"): the prediction is
 * argmax of s_N (squared error) or of the readout W_out s_N + b (softmax output layer), read off each training
 * forward pass. A resistive network is its own output layer: its free-phase predictions (the output node voltages)
 * come from its backward pass.
 */
public class FreePhaseAccuracy extends BaseTrainingListener {

    private long correct;
    private long seen;

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        INDArray labels = net.getLabels();
        if (labels == null || activations.isEmpty() || net.getOutputLayer() instanceof ResistiveBlockLayer) {
            return;
        }
        INDArray scores = activations.get(activations.size() - 1);
        if (net.getOutputLayer() instanceof OutputLayer out) {
            scores = scores.mmul(out.getParam("W")).addiRowVector(out.getParam("b"));
        }
        count(scores, labels);
    }

    @Override
    public void onBackwardPass(Model model) {
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        if (net.getOutputLayer() instanceof ResistiveBlockLayer r && net.getLabels() != null
                && r.lastTrainingPredictions() != null) {
            count(r.lastTrainingPredictions(), net.getLabels());
        }
    }

    private void count(INDArray scores, INDArray labels) {
        add(scores.argMax(1).eq(labels.argMax(1)).castTo(DataType.INT).sumNumber().longValue(), labels.size(0));
    }

    /** Adds predictions counted elsewhere (by the workers of a distributed trainer). */
    public void add(long correct, long seen) {
        this.correct += correct;
        this.seen += seen;
    }

    public long correct() {
        return correct;
    }

    public long seen() {
        return seen;
    }

    /** 1 − correct/seen, or NaN before any example. */
    public double error() {
        return seen == 0 ? Double.NaN : 1.0 - (double) correct / seen;
    }

    public void reset() {
        correct = 0;
        seen = 0;
    }
}
