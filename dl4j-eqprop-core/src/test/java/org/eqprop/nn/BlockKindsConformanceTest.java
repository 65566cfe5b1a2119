package org.eqprop.nn;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.DirectedGraphBlock;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.conf.ResistiveBlock;
import org.eqprop.spiking.SpikingSettings;
import org.eqprop.training.EqPropComputationGraph;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every block kind through what a DL4J user does first: fit in a MultiLayerNetwork and in a ComputationGraph, JSON
 * and YAML round trips of the configuration, ModelSerializer (same outputs), clone (same outputs).
 */
class BlockKindsConformanceTest {

    private static final int IN = 16;
    private static final int OUT = 3;

    /** The block of each kind, and whether it is its own output layer (no loss layer after it). */
    private static Layer block(String kind) {
        switch (kind) {
            case "dense":
                return new EqPropBlock.Builder().layerSizes(6, OUT).freeSteps(15).nudgedSteps(5).build();
            case "conv":
                return new EqPropBlock.Builder().convLayers(new ConvSpec(2, 3, 1, "avg", 2)).layerSizes(OUT)
                        .freeSteps(15).nudgedSteps(5).build();
            case "vector-field":
                return new EqPropBlock.Builder().layerSizes(6, OUT).vectorField(70).stateActivation("sigmoid")
                        .freeSteps(15).nudgedSteps(5).build();
            case "spiking":
                return new EqPropBlock.Builder().layerSizes(6, OUT).beta(0.5).estimator("one-sided").freeSteps(20)
                        .nudgedSteps(10).spiking(SpikingSettings.osa(0.05)).build();
            case "resistive":
                return new ResistiveBlock.Builder().nIn(IN).nOut(OUT).hidden(6).inputGain(3).amplifierGain(2)
                        .biasVoltage(1).diode(-1, 1).initScale(2).build();
            case "directed-graph":
                return new DirectedGraphBlock.Builder().nIn(IN).nOut(OUT).hidden(5).build();
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    private static boolean ownOutput(String kind) {
        return kind.equals("resistive");
    }

    private static InputType input(String kind) {
        return kind.equals("conv") ? InputType.convolutionalFlat(4, 4, 1) : InputType.feedForward(IN);
    }

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).weightInit(WeightInit.UNIFORM)
                .updater(new Sgd(0.05));
    }

    private static MultiLayerConfiguration conf(String kind) {
        NeuralNetConfiguration.ListBuilder b = base().list().layer(block(kind));
        if (!ownOutput(kind)) {
            b.layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build());
        }
        return b.setInputType(input(kind)).build();
    }

    private static MultiLayerNetwork network(String kind) {
        MultiLayerConfiguration c = conf(kind);
        MultiLayerNetwork net = ownOutput(kind) ? new MultiLayerNetwork(c) : new EqPropNetwork(c);
        net.init();
        return net;
    }

    private static DataSet data(String kind) {
        Random r = new Random(9);
        INDArray x = Nd4j.zeros(DataType.FLOAT, 4, IN);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, OUT);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < IN; j++) {
                x.putScalar(i, j, kind.equals("resistive") ? 2 * r.nextDouble() - 1 : r.nextDouble());
            }
            y.putScalar(i, i % OUT, 1.0);
        }
        return new DataSet(x, y);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dense", "conv", "vector-field", "spiking", "resistive", "directed-graph"})
    void everyBlockKindBehavesAsADl4jLayer(String kind, @TempDir Path dir) throws Exception {
        DataSet ds = data(kind);
        MultiLayerNetwork net = network(kind);
        INDArray before = net.params().dup();
        net.fit(ds);
        net.fit(ds);
        assertTrue(net.params().distance2(before) > 0, kind + ": fit trains");
        INDArray out = net.output(ds.getFeatures());
        assertEquals(OUT, out.size(1), kind);
        assertEquals(out, net.output(ds.getFeatures()), kind + ": inference is deterministic");

        MultiLayerConfiguration c = net.getLayerWiseConfigurations();
        assertEquals(c.toJson(), MultiLayerConfiguration.fromJson(c.toJson()).toJson(), kind + ": JSON");
        assertEquals(c.toJson(), MultiLayerConfiguration.fromYaml(c.toYaml()).toJson(), kind + ": YAML");

        File f = dir.resolve(kind + ".zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(out, restored.output(ds.getFeatures()), kind + ": ModelSerializer round trip");
        assertEquals(out, net.clone().output(ds.getFeatures()), kind + ": clone");

        ComputationGraphConfiguration.GraphBuilder g = base().graphBuilder().addInputs("in")
                .addLayer("block", block(kind), "in");
        if (ownOutput(kind)) {
            g.setOutputs("block");
        } else {
            g.addLayer("out", new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build(),
                    "block").setOutputs("out");
        }
        ComputationGraph graph = new EqPropComputationGraph(g.setInputTypes(input(kind)).build());
        graph.init();
        INDArray gBefore = graph.params().dup();
        graph.fit(ds);
        assertTrue(graph.params().distance2(gBefore) > 0, kind + ": a ComputationGraph trains it");
        assertEquals(OUT, graph.outputSingle(ds.getFeatures()).size(1), kind);
    }
}
