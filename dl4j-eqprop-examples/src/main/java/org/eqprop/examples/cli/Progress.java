package org.eqprop.examples.cli;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.PrintStream;
import java.util.List;
import org.eqprop.nn.layers.ResistiveBlockLayer;
import java.util.Locale;

/**
 * A DL4J listener that draws a progress bar on stderr with the running training accuracy, read off the free phase
 * of each training batch (the papers' "train error"), and the time per iteration.
 */
final class Progress extends BaseTrainingListener {

    private final PrintStream err;
    private final int batchesPerEpoch;
    private final boolean terminal = System.console() != null;
    private int epoch;
    private int epochs;
    private int batches;
    private long correct;
    private long seen;
    private long epochStart;
    private long lastPrint;

    Progress(PrintStream err, int batchesPerEpoch) {
        this.err = err;
        this.batchesPerEpoch = batchesPerEpoch;
    }

    void startEpoch(int epoch, int epochs) {
        this.epoch = epoch;
        this.epochs = epochs;
        batches = 0;
        correct = 0;
        seen = 0;
        epochStart = System.nanoTime();
        lastPrint = 0;
    }

    /** Training error of the epoch so far (free-phase predictions on the training batches). */
    double trainError() {
        return seen == 0 ? Double.NaN : 1.0 - (double) correct / seen;
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        INDArray labels = net.getLabels();
        if (labels == null || activations.isEmpty() || net.getOutputLayer() instanceof ResistiveBlockLayer) {
            return;
        }
        count(net, activations.get(activations.size() - 1), labels);
    }

    /** A resistive network is its own output layer: its free-phase predictions come from its backward pass. */
    @Override
    public void onBackwardPass(Model model) {
        MultiLayerNetwork net = (MultiLayerNetwork) model;
        if (net.getOutputLayer() instanceof ResistiveBlockLayer r && net.getLabels() != null
                && r.lastTrainingPredictions() != null) {
            count(net, r.lastTrainingPredictions(), net.getLabels());
        }
    }

    private void count(MultiLayerNetwork net, INDArray last, INDArray labels) {
        INDArray scores = last;
        if (net.getOutputLayer() instanceof OutputLayer out) {
            scores = last.mmul(out.getParam("W")).addiRowVector(out.getParam("b"));
        }
        INDArray pred = scores.argMax(1);
        INDArray truth = labels.argMax(1);
        correct += pred.eq(truth).castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
        seen += labels.size(0);
    }

    @Override
    public void iterationDone(Model model, int iteration, int ep) {
        batches++;
        long now = System.nanoTime();
        boolean due = terminal ? now - lastPrint > 200_000_000L
                : batches % Math.max(1, batchesPerEpoch / 10) == 0;
        if (due || batches == batchesPerEpoch) {
            lastPrint = now;
            int width = 30;
            int filled = (int) ((long) width * batches / Math.max(1, batchesPerEpoch));
            String bar = "=".repeat(Math.min(width, filled)) + (filled < width ? ">" : "")
                    + " ".repeat(Math.max(0, width - filled - 1));
            double ms = (now - epochStart) / 1e6 / batches;
            String line = String.format(Locale.ROOT, "epoch %d/%d [%s] %d/%d  train acc %.2f%%  %.1f ms/it",
                    epoch, epochs, bar, batches, batchesPerEpoch, 100 * (1 - trainError()), ms);
            err.print(terminal ? "\r" + line : line + "\n");
            if (terminal && batches == batchesPerEpoch) {
                err.println();
            }
            err.flush();
        }
    }
}
