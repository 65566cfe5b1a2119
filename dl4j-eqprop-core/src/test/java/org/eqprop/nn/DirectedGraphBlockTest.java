package org.eqprop.nn;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.graph.DeepTrainer;
import org.eqprop.graph.DirectedGraph;
import org.eqprop.nn.conf.DirectedGraphBlock;
import org.eqprop.nn.layers.DirectedGraphLayer;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DEEP graph as a DL4J layer: the rule's update as DL4J's gradient, training, serialisation. */
class DirectedGraphBlockTest {

    static MultiLayerConfiguration conf(double lr) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE).updater(new Sgd(lr)).list()
                .layer(new DirectedGraphBlock.Builder().nIn(2).nOut(1).hidden(5).build())
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(2)).build();
    }

    static DataSet and() {
        return new DataSet(Nd4j.create(new double[][]{{0, 0}, {1, 0}, {0, 1}, {1, 1}}),
                Nd4j.create(new double[][]{{0}, {0}, {0}, {1}}));
    }

    @Test
    void gradientIsMinusTheLearningRuleWithTheHeldForce() {
        MultiLayerNetwork net = new MultiLayerNetwork(conf(0.1));
        net.init();
        DataSet one = new DataSet(Nd4j.create(new double[][]{{1, 0}}), Nd4j.create(new double[][]{{1}}));
        net.setInput(one.getFeatures());
        net.setLabels(one.getLabels());
        net.computeGradientAndScore();
        DirectedGraphLayer layer = (DirectedGraphLayer) net.getLayer(0);
        DirectedGraph g = layer.graph();
        DeepTrainer.Settings s = ((DirectedGraphBlock) layer.conf().getLayer()).settings();
        double[] state = g.initialState(new double[]{1, 0});
        for (int m = 0; m < s.freeSteps(); m++) {
            g.step(state, s.dt());
        }
        double[] held = {g.output(state)[0] - 1};
        DeepTrainer.Update u = DeepTrainer.update(g, s, state, out -> held);
        INDArray gw = net.getLayer(0).getGradientsViewArray();
        int n = g.neurons();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(-u.weights()[i][j], gw.getDouble(i * n + j), 1e-12);
            }
        }
        assertEquals(0.0, gw.getDouble(3 * n + 3), 0, "no self-loop");
    }

    @Test
    void trainsAndGateThroughDl4jAndRoundTrips(@TempDir Path dir) throws IOException {
        MultiLayerConfiguration c = conf(0.8);
        assertEquals(c, MultiLayerConfiguration.fromJson(c.toJson()));
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        DataSet ds = and();
        double before = net.score(ds);
        for (int e = 0; e < 1500; e++) {
            net.fit(ds);
        }
        double after = net.score(ds);
        System.out.printf("DEEP layer in DL4J, AND: loss %.4f -> %.6f%n", before, after);
        assertTrue(after < 0.005, "AND loss " + after);
        File f = dir.resolve("deep.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        assertTrue(ModelSerializer.restoreMultiLayerNetwork(f).output(ds.getFeatures())
                .equalsWithEps(net.output(ds.getFeatures()), 1e-12));
        assertThrows(Exception.class, () -> net.output(Nd4j.zeros(DataType.DOUBLE, 4, 3)));
        assertThrows(IllegalArgumentException.class, () -> new DirectedGraphBlock.Builder().nIn(2).nOut(1)
                .rule("hebb").build());
    }
}
