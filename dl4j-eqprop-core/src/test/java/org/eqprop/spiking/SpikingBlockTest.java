package org.eqprop.spiking;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
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

/** The spiking block as a DL4J layer: the EqProp update of eq. 4 from spiking phases, serialisation, validation. */
class SpikingBlockTest {

    static MultiLayerConfiguration net(EqPropBlock block, double lr) {
        return new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER_UNIFORM).updater(new Sgd(lr)).list().layer(block)
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(block.getNIn())).build();
    }

    static EqPropBlock.Builder builder(int nIn, int hidden, int out) {
        return new EqPropBlock.Builder().nIn(nIn).layerSizes(hidden, out).beta(0.5).estimator("one-sided");
    }

    /** Inputs in [0, 1]; the class is the input block (of nIn / classes features) with the largest mean. */
    static DataSet blocks(int n, int nIn, int classes, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, nIn);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        int per = nIn / classes;
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(classes);
            for (int j = 0; j < nIn; j++) {
                x.putScalar(i, j, 0.5 * r.nextDouble() + (j / per == c ? 0.5 : 0));
            }
            y.putScalar(i, c, 1.0);
        }
        return new DataSet(x, y);
    }

    static INDArray gradient(MultiLayerConfiguration conf, INDArray params, DataSet ds) {
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init(params.dup(), true);
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        return net.gradient().gradient().dup();
    }

    @Test
    void spikingPhasesGiveTheContinuousEqPropUpdate() {
        DataSet ds = blocks(16, 30, 5, 1);
        MultiLayerConfiguration continuous = net(builder(30, 40, 5).dynamics("euler").eulerStep(0.5).freeSteps(800)
                .nudgedSteps(800).build(), 0.1);
        MultiLayerConfiguration spiking = net(builder(30, 40, 5).freeSteps(400).nudgedSteps(400)
                .spiking(SpikingSettings.osa(0.0411).predictive(0.206, 0)).build(), 0.1);
        EqPropNetwork init = new EqPropNetwork(continuous);
        init.init();
        INDArray params = init.params().dup();
        INDArray g0 = gradient(continuous, params, ds);
        INDArray g1 = gradient(spiking, params, ds);
        double cosine = g0.mul(g1).sumNumber().doubleValue() / (g0.norm2Number().doubleValue()
                * g1.norm2Number().doubleValue());
        double relative = g1.sub(g0).norm2Number().doubleValue() / g0.norm2Number().doubleValue();
        System.out.printf("spiking vs continuous EqProp update: cosine %.4f, relative difference %.4f%n", cosine,
                relative);
        assertTrue(cosine > 0.95, "cosine " + cosine);
        assertTrue(relative < 0.35, "relative difference " + relative);
    }

    @Test
    void trainsThroughFitAndRoundTripsThroughJsonAndModelSerializer(@TempDir Path dir) throws IOException {
        EqPropBlock block = builder(20, 30, 4).estimator("random-sign").beta(1.0).freeSteps(60).nudgedSteps(30)
                .spiking(SpikingSettings.osa(0.0346).predictive(0.275, 0)).build();
        MultiLayerConfiguration conf = net(block, 0.1);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        assertEquals(block.getSpiking(), ((EqPropBlock) back.getConf(0).getLayer()).getSpiking());

        DataSet train = blocks(400, 20, 4, 2);
        DataSet test = blocks(200, 20, 4, 3);
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        double before = net.evaluate(new org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator(test)).accuracy();
        for (int epoch = 0; epoch < 3; epoch++) {
            for (DataSet batch : train.batchBy(20)) {
                net.fit(batch);
            }
        }
        double after = net.evaluate(new org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator(test)).accuracy();
        System.out.printf("spiking block: test accuracy %.3f before, %.3f after 3 epochs%n", before, after);
        assertTrue(after > 0.9 && after > before + 0.2, "accuracy " + before + " -> " + after);
        SpikeCounter spikes = ((EqPropBlockLayer) net.getLayer(0)).spikeCounter();
        assertTrue(spikes.spikesPerNeuronPerStep() > 0 && spikes.spikesPerNeuronPerStep() < 1);
        assertTrue(spikes.inputSpikesPerNeuronPerStep() > 0.2, "input spike rate: the inputs average 0.375");

        File f = dir.resolve("spiking.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f);
        assertEquals(conf, restored.getLayerWiseConfigurations());
        // the same deterministic spiking inference (sigma-delta bits, OSA) on the same weights
        assertEquals(net.output(test.getFeatures()), restored.output(test.getFeatures()));
    }

    @Test
    void rejectsSettingsTheSpikingNeuronsDoNotHave() {
        SpikingSettings s = SpikingSettings.osa(0.05);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder(4, 3, 2).updateOrder("alternating").spiking(s).build());
        assertTrue(e.getMessage().contains("alternating"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> builder(4, 3, 2).stateActivation("sigmoid").spiking(s).build());
        assertTrue(e.getMessage().contains("sigmoid"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> builder(4, 3, 2).spiking(SpikingSettings.osa(0.05).withEncoder("morse")).build());
        assertTrue(e.getMessage().contains("morse"), e.getMessage());
    }
}
