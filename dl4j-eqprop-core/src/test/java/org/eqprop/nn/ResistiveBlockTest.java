package org.eqprop.nn;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.eqprop.nn.conf.ResistiveBlock;
import org.eqprop.nn.layers.ResistiveBlockLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resistive network as a DL4J output layer: its gradient is d(Σ cost)/dg (finite differences, double), the
 * sign-only update has the true gradient's sign, training through MultiLayerNetwork.fit keeps the device
 * constraints, JSON and ModelSerializer round trips.
 */
class ResistiveBlockTest {

    static ResistiveBlock.Builder block(int inputs, int classes) {
        return new ResistiveBlock.Builder().nIn(inputs).nOut(classes).hidden(6).inputGain(3).amplifierGain(2)
                .biasVoltage(1).diode(-1, 1).initScale(2);
    }

    static MultiLayerNetwork network(ResistiveBlock b, double lr, long seed) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE)
                .updater(new Sgd(lr)).list().layer(b).setInputType(InputType.feedForward(b.getNIn())).build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    /** Random inputs in [−1, 1] (30% zeros) with one-hot labels given by a fixed random linear rule. */
    static DataSet data(int n, int inputs, int classes, long seed) {
        Random r = new Random(seed);
        double[][] w = new double[classes][inputs];
        for (double[] row : w) {
            for (int i = 0; i < inputs; i++) {
                row[i] = r.nextGaussian();
            }
        }
        double[][] x = new double[n][inputs];
        double[][] y = new double[n][classes];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < inputs; i++) {
                x[b][i] = r.nextDouble() < 0.3 ? 0 : 2 * r.nextDouble() - 1;
            }
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                double s = 0;
                for (int i = 0; i < inputs; i++) {
                    s += w[k][i] * x[b][i];
                }
                if (s > bestScore) {
                    bestScore = s;
                    best = k;
                }
            }
            y[b][best] = 1;
        }
        return new DataSet(Nd4j.create(x), Nd4j.create(y));
    }

    /** d(Σ_b C)/dg by central differences of DL4J's score (the mean cost over the batch). */
    static double[] finiteDifferences(MultiLayerNetwork net, DataSet ds, double h) {
        INDArray p = net.params();
        double[] fd = new double[(int) p.length()];
        int batch = ds.numExamples();
        for (int i = 0; i < fd.length; i++) {
            double g = p.getDouble(i);
            p.putScalar(i, g + h);
            double up = net.score(ds) * batch;
            p.putScalar(i, g - h);
            double down = net.score(ds) * batch;
            p.putScalar(i, g);
            fd[i] = (up - down) / (2 * h);
        }
        return fd;
    }

    static INDArray gradient(MultiLayerNetwork net, DataSet ds) {
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        return net.getLayer(0).getGradientsViewArray().dup();
    }

    /** Node noise (Langevin EqProp on the circuit): seeded, averaged over samples, refused where meaningless. */
    @Test
    void nodeNoiseIsSeededAndItsSamplesAverageOut() {
        DataSet ds = data(4, 5, 3, 2);
        INDArray clean = gradient(network(block(5, 3).beta(0.5).build(), 0.1, 1), ds);
        double norm = clean.norm2Number().doubleValue();
        // a noise-free "noisy" configuration is the plain circuit
        assertEquals(clean, gradient(network(block(5, 3).beta(0.5).noise(0, 20, 1).build(), 0.1, 1), ds));
        ResistiveBlock noisy = block(5, 3).beta(0.5).noise(1e-4, 30, 1).noiseSeed(3).build();
        assertEquals(gradient(network(noisy, 0.1, 1), ds), gradient(network(noisy, 0.1, 1), ds), "seeded");
        double[] spread = new double[2];
        int[] samples = {1, 16};
        for (int k = 0; k < 2; k++) {
            INDArray[] g = new INDArray[6];
            INDArray mean = clean.mul(0);
            for (int r = 0; r < g.length; r++) {
                g[r] = gradient(network(block(5, 3).beta(0.5).noise(1e-4, 30, samples[k]).noiseSeed(10 + r).build(),
                        0.1, 1), ds);
                mean.addi(g[r].div(g.length));
            }
            for (INDArray x : g) {
                spread[k] += Math.pow(x.sub(mean).norm2Number().doubleValue() / norm, 2) / g.length;
            }
            spread[k] = Math.sqrt(spread[k]);
        }
        System.out.printf("resistive layer, node noise T=1e-4: relative spread of the update %.3f with 1 sample, "
                + "%.3f with 16%n", spread[0], spread[1]);
        assertTrue(spread[0] > 1e-3, "noise moves the update");
        assertTrue(spread[1] < 0.6 * spread[0], "16 samples average the noise out");
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).noise(0, 20, 4).build());
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).noise(-1, 20, 1).build());
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).noise(1e-3, 0, 1).build());
    }

    @Test
    void gradientMatchesFiniteDifferencesOfTheLoss() {
        MultiLayerNetwork net = network(block(5, 3).beta(1e-5).tolerance(1e-15).maxSweeps(1_000_000).build(), 0.1, 1);
        DataSet ds = data(4, 5, 3, 2);
        double[] est = gradient(net, ds).toDoubleVector();
        double[] fd = finiteDifferences(net, ds, 1e-6);
        double num = 0;
        double den = 0;
        for (int i = 0; i < fd.length; i++) {
            num += (est[i] - fd[i]) * (est[i] - fd[i]);
            den += fd[i] * fd[i];
        }
        double rel = Math.sqrt(num / den);
        System.out.printf("resistive layer: EqProp conductance gradient vs finite differences, relative error %.2e "
                + "over %d conductances%n", rel, fd.length);
        assertTrue(rel < 1e-5, "relative error " + rel);
        assertTrue(((ResistiveBlockLayer) net.getLayer(0)).solverStats().maxKclResidual() < 1e-9);
    }

    @Test
    void signOnlyUpdateHasTheSignOfTheTrueGradient() {
        ResistiveBlock b = new ResistiveBlock.Builder().nIn(12).nOut(4).hidden(10).inputGain(3).amplifierGain(2)
                .diode(-1, 1).initScale(2).beta(0.2).tolerance(1e-14).maxSweeps(1_000_000).signOnly(true).build();
        MultiLayerNetwork net = network(b, 0.1, 3);
        DataSet ds = data(8, 12, 4, 4);
        double[] sign = gradient(net, ds).toDoubleVector();
        double[] fd = finiteDifferences(net, ds, 1e-6);
        int counted = 0;
        int agree = 0;
        for (int i = 0; i < fd.length; i++) {
            if (Math.abs(fd[i]) < 1e-9 && sign[i] == 0) {
                continue;
            }
            counted++;
            assertEquals(ds.numExamples(), Math.abs(sign[i]), 1e-12, "sign-only update is +-batch or 0");
            if (Math.signum(sign[i]) == Math.signum(fd[i])) {
                agree++;
            }
        }
        double fraction = (double) agree / counted;
        System.out.printf("resistive layer: sign-only update agrees in sign with the true gradient on %.1f%% of %d "
                + "conductances (beta 0.2)%n", 100 * fraction, counted);
        assertTrue(counted > fd.length / 2, "too few non-zero gradients: " + counted);
        assertTrue(fraction >= 0.95, "sign agreement " + fraction);
    }

    @Test
    void trainsThroughFitWithinTheDeviceConstraints() {
        ResistiveBlock b = block(8, 3).hidden(12).inputGain(10).beta(0.5).conductanceBounds(0.01, 0.6).quantum(1e-5)
                .build();
        MultiLayerNetwork net = network(b, 0.2, 5);
        DataSet ds = data(64, 8, 3, 6);
        double before = net.score(ds);
        double accBefore = accuracy(net, ds);
        for (int e = 0; e < 100; e++) {
            net.fit(ds);
        }
        double after = net.score(ds);
        double accAfter = accuracy(net, ds);
        System.out.printf("resistive layer, synthetic 8-12-3 task: loss %.4f -> %.4f, accuracy %.2f -> %.2f%n",
                before, after, accBefore, accAfter);
        assertTrue(after < 0.7 * before, "loss " + before + " -> " + after);
        assertTrue(accAfter > accBefore && accAfter >= 0.8, "accuracy " + accAfter);
        for (double g : net.params().toDoubleVector()) {
            assertTrue(g >= 0.01 - 1e-12 && g <= 0.6 + 1e-12, "conductance " + g + " outside the bounds");
            double k = (g - 0.01) / 1e-5;
            assertTrue(Math.abs(k - Math.rint(k)) < 1e-6 || g == 0.6, "conductance " + g + " off the levels");
        }
        ResistiveBlockLayer layer = (ResistiveBlockLayer) net.getLayer(0);
        assertEquals(0, layer.solverStats().nonConverged());
    }

    static double accuracy(MultiLayerNetwork net, DataSet ds) {
        org.nd4j.evaluation.classification.Evaluation e = new org.nd4j.evaluation.classification.Evaluation();
        e.eval(ds.getLabels(), net.output(ds.getFeatures()));
        return e.accuracy();
    }

    @Test
    void jsonAndModelSerializerRoundTrips(@TempDir Path dir) throws IOException {
        MultiLayerNetwork net = network(block(5, 3).signOnly(true).conductanceBounds(0, 2).quantum(0.01)
                .diodeConductance(5).build(), 0.1, 7);
        MultiLayerConfiguration c = net.getLayerWiseConfigurations();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(c.toJson());
        assertEquals(c, back);
        assertEquals(c.getConf(0).getLayer().getConstraints(), back.getConf(0).getLayer().getConstraints());
        DataSet ds = data(6, 5, 3, 8);
        net.fit(ds);
        File f = dir.resolve("resistive.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f);
        assertEquals(net.params(), restored.params());
        assertTrue(restored.output(ds.getFeatures()).equalsWithEps(net.output(ds.getFeatures()), 1e-12));
        restored.fit(ds);
        net.fit(ds);
        assertEquals(net.params(), restored.params());
    }

    @Test
    void badInputsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).beta(0).build());
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).beta(-1).build());
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).hidden(0).build());
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).inputGain(0).build());
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).diode(1, -1).build());
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).tolerance(-1).build());
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).conductanceBounds(-0.1, 1).build());
        assertThrows(IllegalArgumentException.class, () -> block(5, 3).quantum(-1).build());
        MultiLayerNetwork net = network(block(5, 3).build(), 0.1, 1);
        assertThrows(IllegalArgumentException.class, () -> net.output(Nd4j.zeros(DataType.DOUBLE, 2, 4)));
        INDArray nan = Nd4j.zeros(DataType.DOUBLE, 2, 5);
        nan.putScalar(0, 1, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> net.output(nan));
        DataSet wrongLabels = new DataSet(Nd4j.zeros(DataType.DOUBLE, 2, 5), Nd4j.zeros(DataType.DOUBLE, 2, 4));
        assertThrows(IllegalArgumentException.class, () -> net.fit(wrongLabels));
    }
}
