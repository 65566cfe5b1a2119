package org.eqprop;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.io.ModelFiles;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.training.CosineAnnealingSchedule;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ScheduleType;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The block as a DL4J citizen: JSON, ModelSerializer, updaters and learning rates per layer, fit. */
class DL4JIntegrationTest {

    static EqPropBlock block(String estimator) {
        return new EqPropBlock.Builder().nIn(12).layerSizes(16, 4).freeSteps(20).nudgedSteps(6).beta(0.2)
                .stateActivation("half-hard-sigmoid").leak(0.01).estimator(estimator).tolerance(1e-6)
                .layerUpdaters(new Sgd(0.1), new Nesterovs(0.05, 0.9)).build();
    }

    static EqPropBlock block() {
        return block("random-sign");
    }

    @Test
    void configurationRoundTripsThroughJson() {
        MultiLayerConfiguration conf = TestNets.squaredError(DataType.FLOAT, block(), 1);
        String json = conf.toJson();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(conf, back);
        EqPropBlock b = (EqPropBlock) back.getConf(0).getLayer();
        assertEquals(org.eqprop.layers.StateActivation.Kind.HALF_HARD_SIGMOID, b.relaxation().activation());
        assertEquals(0.01, b.relaxation().leak());
        assertEquals(new Nesterovs(0.05, 0.9), b.getLayerUpdaters().get(1));
        assertTrue(json.contains("org.eqprop.nn.conf.EqPropBlock"));
    }

    @Test
    void modelSerializerRestoresAPlainNetworkWithTheSamePredictions(@TempDir Path dir) throws IOException {
        DataSet ds = TestNets.data(DataType.FLOAT, 9, 12, 4, 3);
        EqPropNetwork net = new EqPropNetwork(TestNets.squaredError(DataType.FLOAT, block("symmetric"), 2));
        net.init();
        net.fit(ds);
        Path file = dir.resolve("m.zip");
        ModelFiles.save(net, file);
        MultiLayerNetwork restored = ModelFiles.load(file);
        assertEquals(MultiLayerNetwork.class, restored.getClass());
        assertEquals(net.output(ds.getFeatures()), restored.output(ds.getFeatures()));
        // and it can be trained again by the EqProp trainer, updater state included
        EqPropNetwork again = EqPropNetwork.wrap(restored);
        assertEquals(net.params(), again.params());
        assertEquals(net.getUpdater().getStateViewArray(), again.getUpdater().getStateViewArray());
        again.fit(ds);
        net.fit(ds);
        assertTrue(net.params().equalsWithEps(again.params(), 1e-5));
    }

    @Test
    void corruptOrMissingModelFilesGiveClearErrors(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.zip");
        Files.writeString(bad, "not a model");
        IOException e = assertThrows(IOException.class, () -> ModelFiles.load(bad));
        assertTrue(e.getMessage().contains("cannot read model file"), e.getMessage());
        IOException missing = assertThrows(IOException.class, () -> ModelFiles.load(dir.resolve("none.zip")));
        assertTrue(missing.getMessage().contains("not found"));
        // a truncated real model
        EqPropNetwork net = new EqPropNetwork(TestNets.squaredError(DataType.FLOAT, block(), 2));
        net.init();
        Path good = dir.resolve("good.zip");
        ModelFiles.save(net, good);
        byte[] bytes = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.zip");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(IOException.class, () -> ModelFiles.load(cut));
    }

    @Test
    void perLayerLearningRatesAreAppliedExactly() {
        DataSet ds = TestNets.data(DataType.DOUBLE, 6, 12, 4, 4);
        EqPropBlock b = new EqPropBlock.Builder().nIn(12).layerSizes(16, 4).freeSteps(15).nudgedSteps(5).beta(0.3)
                .layerUpdaters(new Sgd(0.1), new Sgd(0.02)).engine("reference").build();
        EqPropNetwork net = new EqPropNetwork(TestNets.squaredError(DataType.DOUBLE, b, 5));
        net.init();
        INDArray before = net.params().dup();
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        INDArray w1 = net.getLayer(0).getParam("W1").dup();
        INDArray w2 = net.getLayer(0).getParam("W2").dup();
        INDArray g1 = net.gradient().getGradientFor("0_W1").dup();
        INDArray g2 = net.gradient().getGradientFor("0_W2").dup();
        net.fit(ds);
        int n = ds.numExamples();
        assertTrue(net.getLayer(0).getParam("W1").equalsWithEps(w1.sub(g1.mul(0.1 / n)), 1e-12));
        assertTrue(net.getLayer(0).getParam("W2").equalsWithEps(w2.sub(g2.mul(0.02 / n)), 1e-12));
        assertNotEquals(before, net.params());
    }

    @Test
    void weightDecayShrinksWeightsButNotBiasesWhenThePredictionIsRight() {
        // Weight decay is set on the layer: DL4J 1.0.0-M2.1 applies a network-wide .weightDecay() twice to every
        // layer (LayerValidation.configureBaseLayer appends it to the copy NeuralNetConfiguration already made).
        EqPropBlock b = (EqPropBlock) new EqPropBlock.Builder().nIn(12).layerSizes(10, 4).freeSteps(5000)
                .nudgedSteps(200).tolerance(1e-14).engine("reference").weightDecay(0.1).build();
        MultiLayerConfiguration conf = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).updater(new Sgd(0.5)).list().layer(b)
                .layer(new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(new org.eqprop.costs.HalfSquaredError())
                        .activation(org.nd4j.linalg.activations.Activation.IDENTITY).build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(12)).build();
        assertEquals(1, ((EqPropBlock) conf.getConf(0).getLayer()).getRegularization().size(),
                ((EqPropBlock) conf.getConf(0).getLayer()).getRegularization().toString());
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        assertEquals(1, ((EqPropBlock) net.getLayer(0).conf().getLayer()).getRegularizationByParam("W1").size());
        net.getLayer(0).getParam("b1").assign(0.05);
        INDArray x = TestNets.data(DataType.DOUBLE, 5, 12, 4, 8).getFeatures();
        INDArray rightAnswer = net.output(x);
        INDArray w1 = net.getLayer(0).getParam("W1").dup();
        INDArray b1 = net.getLayer(0).getParam("b1").dup();
        net.setInput(x);
        net.setLabels(rightAnswer);
        net.computeGradientAndScore();
        assertEquals(0.0, net.gradient().gradient().amaxNumber().doubleValue(), 1e-12, "EqProp gradient");
        net.fit(new DataSet(x, rightAnswer));
        // zero EqProp gradient: only decoupled weight decay acts, W ← W − lr·wd·W, biases untouched
        INDArray w1After = net.getLayer(0).getParam("W1");
        assertTrue(w1After.equalsWithEps(w1.mul(1 - 0.5 * 0.1), 1e-10), "max diff "
                + w1After.sub(w1.mul(1 - 0.5 * 0.1)).amaxNumber() + " change " + w1After.sub(w1).amaxNumber());
        assertTrue(net.getLayer(0).getParam("b1").equalsWithEps(b1, 1e-12), "bias change "
                + net.getLayer(0).getParam("b1").sub(b1).amaxNumber());
    }

    @Test
    void cosineAnnealingFollowsPyTorchsClosedForm() {
        CosineAnnealingSchedule s = new CosineAnnealingSchedule(ScheduleType.EPOCH, 0.25, 1e-5, 100);
        assertEquals(0.25, s.valueAt(0, 0), 1e-15);
        assertEquals(0.5 * (0.25 + 1e-5), s.valueAt(999, 50), 1e-15);
        assertEquals(1e-5, s.valueAt(0, 100), 1e-15);
        assertEquals(s.valueAt(0, 90), s.valueAt(0, 110), 1e-15);
        assertEquals(s, s.clone());
    }

    @Test
    void trainsWithAdamScheduleListenersAndLowersTheLoss() {
        DataSet ds = TestNets.data(DataType.FLOAT, 32, 12, 4, 6);
        EqPropBlock b = new EqPropBlock.Builder().nIn(12).layerSizes(24).freeSteps(20).nudgedSteps(8).beta(0.5).build();
        MultiLayerConfiguration conf = TestNets.readout(DataType.FLOAT, b, 4, 7);
        conf.getConf(0).getLayer();
        ((org.deeplearning4j.nn.conf.layers.BaseLayer) conf.getConf(0).getLayer()).setIUpdater(
                new Adam(new CosineAnnealingSchedule(ScheduleType.ITERATION, 0.01, 1e-4, 100)));
        // the schedule survives the JSON round trip inside the updater
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        net.setListeners(new ScoreIterationListener(1000));
        double start = net.score(ds);
        for (int i = 0; i < 100; i++) {
            net.fit(ds);
        }
        double end = net.score(ds);
        assertTrue(end < 0.8 * start, "loss " + start + " -> " + end);
    }
}
