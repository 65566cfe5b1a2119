package org.eqprop.training;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.eqprop.TestNets;
import org.eqprop.interactions.DenseInteraction;
import org.eqprop.interactions.VectorFieldInteraction;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** C-EP and C-VF (Ernoult et al. 2020) and the vector-field block they train. */
class ContinualEqPropTest {

    static EqPropBlock.Builder block() {
        return new EqPropBlock.Builder().nIn(6).layerSizes(10, 3).freeSteps(40).nudgedSteps(12).beta(0.5)
                .stateActivation("half-hard-sigmoid");
    }

    static MultiLayerNetwork net(DataType dt, EqPropBlock b) {
        MultiLayerNetwork net = new MultiLayerNetwork(TestNets.squaredError(dt, b, 5));
        net.init();
        return net;
    }

    static double loss(MultiLayerNetwork net, DataSet ds) {
        INDArray d = net.output(ds.getFeatures()).sub(ds.getLabels());
        return 0.5 * d.mul(d).sumNumber().doubleValue() / ds.numExamples();
    }

    @Test
    void feedbackWeightsStartAtTheConfiguredAngle() {
        for (double angle : new double[]{0, 45, 90, 135}) {
            MultiLayerNetwork net = net(DataType.DOUBLE, block().vectorField(angle).build());
            EqPropBlockLayer b = (EqPropBlockLayer) net.getLayer(0);
            double[] measured = ContinualEqProp.feedbackAngles(b.chain());
            assertEquals(1, measured.length, "the input has no feedback weights");
            assertEquals(angle, measured[0], 1e-4);
            INDArray w = b.getParam("W2");
            assertEquals(w.norm2Number().doubleValue(), b.getParam("B2").norm2Number().doubleValue(), 1e-9);
        }
        assertThrows(IllegalArgumentException.class, () -> block().vectorField(200).build());
        assertThrows(IllegalArgumentException.class, () -> block().vectorField(10)
                .convLayers(org.eqprop.nn.conf.ConvSpec.maxPooled(2, 3, 1)).build());
    }

    @Test
    void symmetricFeedbackRelaxesExactlyLikeTheSymmetricBlock() {
        MultiLayerNetwork vf = net(DataType.DOUBLE, block().vectorField(0).engine("reference").build());
        MultiLayerNetwork sym = net(DataType.DOUBLE, block().engine("reference").build());
        sym.getLayer(0).setParam("W1", vf.getLayer(0).getParam("W1"));
        sym.getLayer(0).setParam("b1", vf.getLayer(0).getParam("b1"));
        sym.getLayer(0).setParam("W2", vf.getLayer(0).getParam("W2"));
        sym.getLayer(0).setParam("b2", vf.getLayer(0).getParam("b2"));
        DataSet ds = TestNets.data(DataType.DOUBLE, 5, 6, 3, 3);
        assertTrue(vf.output(ds.getFeatures()).equalsWithEps(sym.output(ds.getFeatures()), 1e-12));
        assertEquals(sym.numParams() + 10 * 3, vf.numParams(), "B2 [3, 10] is a parameter");
    }

    @Test
    void vectorFieldRuleAddsUpToTheEqPropContrastForSymmetricWeights() {
        Nd4j.getRandom().setSeed(3);
        INDArray w = Nd4j.rand(DataType.DOUBLE, 4, 5).subi(0.5);
        INDArray bias = Nd4j.rand(DataType.DOUBLE, 1, 5);
        VectorFieldInteraction vf = new VectorFieldInteraction(w, bias, w.transpose().dup());
        DenseInteraction dense = new DenseInteraction(w, bias);
        INDArray lowerB = Nd4j.rand(DataType.DOUBLE, 3, 4);
        INDArray upperB = Nd4j.rand(DataType.DOUBLE, 3, 5);
        double previous = Double.NaN;
        for (double eps : new double[]{1e-2, 1e-3}) {
            INDArray lowerA = lowerB.add(Nd4j.rand(DataType.DOUBLE, 3, 4).muli(eps));
            INDArray upperA = upperB.add(Nd4j.rand(DataType.DOUBLE, 3, 5).muli(eps));
            INDArray[] g = {w.ulike(), bias.ulike(), w.transpose().ulike()};
            vf.writeContrastGradient(lowerA, upperA, lowerB, upperB, 1.0, g);
            INDArray[] d = {w.ulike(), bias.ulike()};
            dense.writeContrastGradient(lowerA, upperA, lowerB, upperB, 1.0, d);
            double gap = g[0].add(g[2].transpose()).sub(d[0]).norm2Number().doubleValue();
            assertTrue(gap < eps * eps * 10, "second order: " + gap + " at " + eps);
            if (!Double.isNaN(previous)) {
                assertTrue(gap < previous / 50, "shrinks as eps^2: " + previous + " -> " + gap);
            }
            previous = gap;
            assertTrue(g[1].equalsWithEps(d[1], 1e-12));
        }
    }

    @Test
    void continualEqPropAndContinualVectorFieldLowerTheLoss() {
        DataSet ds = TestNets.data(DataType.FLOAT, 40, 6, 3, 11);
        for (EqPropBlock b : List.of(block().build(), block().vectorField(60).build())) {
            MultiLayerNetwork net = net(DataType.FLOAT, b);
            double before = loss(net, ds);
            double angleBefore = b.isVectorField() ? ContinualEqProp.feedbackAngles(
                    ((EqPropBlockLayer) net.getLayer(0)).chain())[0] : 0;
            ContinualEqProp trainer = new ContinualEqProp(net, 0.1, 0.05);
            ListDataSetIterator<DataSet> it = new ListDataSetIterator<>(ds.asList(), 10);
            for (int e = 0; e < 40; e++) {
                trainer.fit(it);
            }
            double after = loss(net, ds);
            assertTrue(after < 0.75 * before, (b.isVectorField() ? "C-VF" : "C-EP") + ": " + before + " -> " + after);
            assertEquals(160, net.getIterationCount());
            if (b.isVectorField()) {
                double angle = trainer.feedbackAngles()[0];
                System.out.printf("C-VF: loss %.4f -> %.4f, weight angle %.1f -> %.1f degrees%n", before, after,
                        angleBefore, angle);
                assertTrue(angle < angleBefore, "the feedback weights align: " + angleBefore + " -> " + angle);
            } else {
                System.out.printf("C-EP: loss %.4f -> %.4f%n", before, after);
            }
        }
    }

    @Test
    void noContinualUpdateWhenThePredictionIsAlreadyRight() {
        MultiLayerNetwork net = net(DataType.DOUBLE, block().vectorField(45).freeSteps(400).tolerance(1e-13)
                .engine("reference").build());
        DataSet ds = TestNets.data(DataType.DOUBLE, 4, 6, 3, 2);
        INDArray before = net.params().dup();
        new ContinualEqProp(net, 0.5, 0.5).fit(new DataSet(ds.getFeatures(), net.output(ds.getFeatures())));
        assertEquals(0.0, net.params().sub(before).amaxNumber().doubleValue(), 1e-12);
        new ContinualEqProp(net, 0.5, 0.5).fit(ds);
        assertTrue(net.params().sub(before).amaxNumber().doubleValue() > 1e-4);
    }

    @Test
    void vectorFieldBlocksSerializeAndTrainWithTheDl4jUpdater(@TempDir Path dir) throws IOException {
        EqPropBlock b = block().vectorField(30).build();
        MultiLayerConfiguration conf = TestNets.squaredError(DataType.FLOAT, b, 5);
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
        MultiLayerNetwork net = new EqPropNetwork(conf);
        net.init();
        DataSet ds = TestNets.data(DataType.FLOAT, 40, 6, 3, 11);
        double before = loss(net, ds);
        for (int e = 0; e < 30; e++) {
            net.fit(new ListDataSetIterator<>(ds.asList(), 10));
        }
        assertTrue(loss(net, ds) < 0.8 * before, "EqProp with vector-field dynamics: " + before + " -> "
                + loss(net, ds));
        File f = dir.resolve("vf.zip").toFile();
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f);
        assertTrue(restored.output(ds.getFeatures()).equalsWithEps(net.output(ds.getFeatures()), 1e-6));
    }

    @Test
    void rejectsNetworksItCannotTrain() {
        MultiLayerNetwork readout = new MultiLayerNetwork(TestNets.readout(DataType.FLOAT, block().build(), 3, 1));
        readout.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ContinualEqProp(readout, 0.1, 0.1));
        assertTrue(e.getMessage().contains("parameter-free"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ContinualEqProp(net(DataType.FLOAT, block().build()),
                0.1));
        assertThrows(IllegalArgumentException.class, () -> new ContinualEqProp(net(DataType.FLOAT, block().build()),
                0.1, Double.NaN));
    }
}
