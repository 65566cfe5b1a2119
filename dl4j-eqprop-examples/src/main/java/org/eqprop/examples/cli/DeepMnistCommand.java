package org.eqprop.examples.cli;

import org.eqprop.data.LabeledImages;
import org.eqprop.graph.BatchedDirectedGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * {@code eqprop deep --task mnist}: DirEcted Equilibrium Propagation beyond the paper's logic gates, on MNIST with a
 * random directed graph over 784 clamped pixels, {@code --hidden} hidden neurons and 10 outputs (each connection
 * present with probability {@code --density}), trained by eq. 2 on minibatches ({@link BatchedDirectedGraph}); the
 * prediction is the most active output neuron at the free fixed point.
 */
final class DeepMnistCommand {

    private DeepMnistCommand() {
    }

    static Json run(Args a, PrintStream out) throws IOException {
        int hidden = a.integer("hidden", 300, 1);
        int epochs = a.integer("epochs", 1, 1);
        int batch = a.integer("batch");
        int freeSteps = a.integer("free-steps");
        int nudgedSteps = a.integer("nudged-steps");
        double dt = a.number("dt");
        double beta = a.number("beta");
        double eta = a.positiveDouble("learning-rate", 0.5);
        double initScale = a.nonNegativeDouble("init-scale", 1.0);
        double density = a.number("density");
        int trainLimit = a.integer("train-limit", 60000, 1);
        int testLimit = a.integer("test-limit", 10000, 1);
        long seed = a.longValue("seed");
        Path dataDir = a.path("data-dir");
        a.rejectUnused();
        Datasets.Data data = Datasets.load("mnist", dataDir, trainLimit, testLimit, false, seed);
        int n = 784 + hidden + 10;
        BatchedDirectedGraph g = new BatchedDirectedGraph(n, 784, 10, initScale, density, seed);
        out.printf(Locale.ROOT, "DEEP on MNIST: %d neurons (784 inputs, %d hidden, 10 outputs), %.1f%% of the "
                        + "complete graph's connections, M_0 %d, M_β %d, dt %.2f, β %.2f, η %.3f, batch %d%n", n, hidden,
                100 * (1 - g.sparsity()), freeSteps, nudgedSteps, dt, beta, eta, batch);
        Random r = new Random(seed);
        LabeledImages train = data.train();
        int[] order = new int[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        double testError = Double.NaN;
        double trainError = Double.NaN;
        double seconds = 0;
        for (int e = 1; e <= epochs; e++) {
            for (int i = order.length - 1; i > 0; i--) {
                int k = r.nextInt(i + 1);
                int t = order[i];
                order[i] = order[k];
                order[k] = t;
            }
            long start = System.nanoTime();
            int wrong = 0;
            int batches = (order.length + batch - 1) / batch;
            for (int b = 0; b < batches; b++) {
                DataSet d = train.slice(order, b * batch, Math.min(order.length, (b + 1) * batch), DataType.FLOAT);
                INDArray s = g.freePhase(d.getFeatures(), freeSteps, dt);
                wrong += errors(g.output(s), d.getLabels());
                g.learn(s, d.getLabels(), nudgedSteps, dt, beta, eta);
                if ((b + 1) % Math.max(1, batches / 10) == 0) {
                    out.printf(Locale.ROOT, "  epoch %d: %d/%d batches, running train error %.2f%%%n", e, b + 1,
                            batches, 100.0 * wrong / Math.min(order.length, (b + 1) * batch));
                }
            }
            seconds = (System.nanoTime() - start) / 1e9;
            trainError = (double) wrong / order.length;
            testError = evaluate(g, data.test(), batch, freeSteps, dt);
            out.printf(Locale.ROOT, "epoch %d: train error %.2f%% (during the epoch), test error %.2f%%, %.0f s%n", e,
                    100 * trainError, 100 * testError, seconds);
        }
        return new Json().put("command", "deep").put("task", "mnist").put("hidden", hidden).put("epochs", epochs)
                .put("density", density).put("sparsity", g.sparsity()).put("train_error", trainError)
                .put("test_error", testError).put("seconds_per_epoch", seconds).put("free_steps", freeSteps)
                .put("nudged_steps", nudgedSteps).put("learning_rate", eta);
    }

    private static double evaluate(BatchedDirectedGraph g, LabeledImages test, int batch, int freeSteps, double dt) {
        int wrong = 0;
        for (int from = 0; from < test.size(); from += batch) {
            DataSet d = test.slice(null, from, Math.min(test.size(), from + batch), DataType.FLOAT);
            wrong += errors(g.output(g.freePhase(d.getFeatures(), freeSteps, dt)), d.getLabels());
        }
        return (double) wrong / test.size();
    }

    private static int errors(INDArray output, INDArray labels) {
        INDArray predicted = output.argMax(1);
        INDArray truth = labels.argMax(1);
        int wrong = 0;
        for (int i = 0; i < predicted.length(); i++) {
            wrong += predicted.getLong(i) == truth.getLong(i) ? 0 : 1;
        }
        return wrong;
    }
}
