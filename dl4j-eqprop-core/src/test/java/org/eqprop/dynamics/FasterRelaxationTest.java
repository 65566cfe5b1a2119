package org.eqprop.dynamics;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.TestNets;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.dynamics.fused.FusedDenseRelaxation;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 4's faster relaxations: alternating (even/odd) updates and the ±β phases as one doubled batch. */
class FasterRelaxationTest {

    static EqPropBlock.Builder dense() {
        return new EqPropBlock.Builder().nIn(6).layerSizes(9, 7, 5, 3).stateActivation("half-hard-sigmoid")
                .freeSteps(4000).nudgedSteps(4000).tolerance(1e-12).beta(0.01);
    }

    static EqPropBlock.Builder conv() {
        return new EqPropBlock.Builder().nIn(36).convLayers(ConvSpec.maxPooled(3, 3, 1), new ConvSpec(4, 2, 0,
                        "avg", 2)).layerSizes(3).stateActivation("half-hard-sigmoid").freeSteps(4000).nudgedSteps(4000)
                .tolerance(1e-12).beta(0.01).engine("reference");
    }

    static MultiLayerNetwork net(EqPropBlock b, DataType dt) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(8).dataType(dt)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(b)
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build());
        MultiLayerNetwork net = new EqPropNetwork(list.setInputType(b.getConvLayers() == null
                ? InputType.feedForward(b.getNIn()) : InputType.convolutionalFlat(6, 6, 1)).build());
        net.init();
        return net;
    }

    static INDArray gradient(MultiLayerNetwork net, DataSet ds) {
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        return net.getLayer(0).getGradientsViewArray().dup();
    }

    @Test
    void alternatingUpdatesReachTheSameFixedPointInFewerSteps() {
        DataSet ds = TestNets.data(DataType.DOUBLE, 5, 6, 3, 4);
        MultiLayerNetwork sync = net(dense().engine("reference").build(), DataType.DOUBLE);
        MultiLayerNetwork alt = net(dense().engine("reference").updateOrder("alternating").build(), DataType.DOUBLE);
        alt.setParams(sync.params());
        assertTrue(alt.output(ds.getFeatures()).equalsWithEps(sync.output(ds.getFeatures()), 1e-10));
        Equilibrium s = ((EqPropBlockLayer) sync.getLayer(0)).freeEquilibrium();
        Equilibrium a = ((EqPropBlockLayer) alt.getLayer(0)).freeEquilibrium();
        assertTrue(s.converged() && a.converged());
        assertTrue(a.steps() < s.steps(), "alternating " + a.steps() + " vs synchronous " + s.steps() + " steps");
        System.out.printf("free phase to 1e-12: synchronous %d steps, alternating %d%n", s.steps(), a.steps());
        // and the EqProp gradients agree
        assertTrue(gradient(alt, ds).equalsWithEps(gradient(sync, ds), 1e-8));
        // on a conv chain with max pooling too (the feedback reuses the switches of the unchanged lower state)
        DataSet maps = TestNets.data(DataType.DOUBLE, 4, 36, 3, 7);
        MultiLayerNetwork convSync = net(conv().build(), DataType.DOUBLE);
        MultiLayerNetwork convAlt = net(conv().updateOrder("alternating").build(), DataType.DOUBLE);
        convAlt.setParams(convSync.params());
        assertTrue(convAlt.output(maps.getFeatures()).equalsWithEps(convSync.output(maps.getFeatures()), 1e-10));
        assertTrue(gradient(convAlt, maps).equalsWithEps(gradient(convSync, maps), 1e-8));
    }

    @Test
    void fusedAndReferenceEnginesAgreeOnAlternatingUpdates() {
        DataSet ds = TestNets.data(DataType.FLOAT, 33, 6, 3, 5);
        EqPropBlock.Builder b = dense().tolerance(0).freeSteps(7).nudgedSteps(3).updateOrder("alternating");
        MultiLayerNetwork fused = net(b.engine("fused").build(), DataType.FLOAT);
        MultiLayerNetwork ref = net(b.engine("reference").build(), DataType.FLOAT);
        ref.setParams(fused.params());
        assertTrue(fused.output(ds.getFeatures()).equalsWithEps(ref.output(ds.getFeatures()), 1e-5));
        assertTrue(gradient(fused, ds).equalsWithEps(gradient(ref, ds), 1e-4));
        assertTrue(FusedDenseRelaxation.INSTANCE.supports(((EqPropBlockLayer) fused.getLayer(0)).chain(), null,
                DataType.FLOAT));
    }

    @Test
    void doubledBatchGivesTheSameSymmetricGradient() {
        for (EqPropBlock.Builder b : new EqPropBlock.Builder[]{dense().engine("reference"), conv()}) {
            DataSet ds = b.build().getConvLayers() == null ? TestNets.data(DataType.DOUBLE, 5, 6, 3, 6)
                    : TestNets.data(DataType.DOUBLE, 5, 36, 3, 6);
            MultiLayerNetwork one = net(b.doubledBatch(false).build(), DataType.DOUBLE);
            MultiLayerNetwork two = net(b.doubledBatch(true).build(), DataType.DOUBLE);
            two.setParams(one.params());
            INDArray g1 = gradient(one, ds);
            INDArray g2 = gradient(two, ds);
            assertTrue(g1.norm2Number().doubleValue() > 1e-4);
            assertTrue(g2.equalsWithEps(g1, 1e-10), "doubled " + g2 + " vs " + g1);
        }
    }

    /**
     * The mirrored start of the −β phase (2 s^0 − s^{+β}) reaches the same fixed point, hence the same gradient, in
     * fewer steps; with a fixed budget K it lands nearer to it than the start from s^0.
     */
    @Test
    void mirroredStartReachesTheSameFixedPointInFewerSteps() {
        for (EqPropBlock.Builder b : new EqPropBlock.Builder[]{dense().engine("reference"),
                conv()}) {
            DataSet ds = b.build().getConvLayers() == null ? TestNets.data(DataType.DOUBLE, 5, 6, 3, 6)
                    : TestNets.data(DataType.DOUBLE, 5, 36, 3, 6);
            MultiLayerNetwork plain = net(b.mirroredStart(false).tolerance(1e-10).build(), DataType.DOUBLE);
            MultiLayerNetwork mirrored = net(b.mirroredStart(true).tolerance(1e-10).build(), DataType.DOUBLE);
            mirrored.setParams(plain.params());
            List<Integer> plainSteps = new ArrayList<>();
            List<Integer> mirroredSteps = new ArrayList<>();
            ((EqPropBlockLayer) plain.getLayer(0)).addRelaxationListener(new RelaxationListener() {
                @Override
                public void onPhase(PhaseReport r) {
                    plainSteps.add(r.steps());
                }
            });
            ((EqPropBlockLayer) mirrored.getLayer(0)).addRelaxationListener(new RelaxationListener() {
                @Override
                public void onPhase(PhaseReport r) {
                    mirroredSteps.add(r.steps());
                }
            });
            INDArray g = gradient(plain, ds);
            INDArray gm = gradient(mirrored, ds);
            assertTrue(g.norm2Number().doubleValue() > 1e-4);
            assertTrue(gm.equalsWithEps(g, 1e-7), "mirrored " + gm + " vs " + g);
            // free, +beta, -beta: the same free and +beta phases, a shorter -beta phase
            assertEquals(plainSteps.subList(0, 2), mirroredSteps.subList(0, 2));
            assertTrue(mirroredSteps.get(2) < plainSteps.get(2), "mirrored " + mirroredSteps + " vs " + plainSteps);
            System.out.printf("-beta phase to 1e-10: %d steps from s^0, %d from 2 s^0 - s^{+beta}%n",
                    plainSteps.get(2), mirroredSteps.get(2));
            // a short fixed budget K: the mirrored gradient is the nearer to the converged one
            int k = Math.max(2, mirroredSteps.get(2) / 3);
            MultiLayerNetwork shortPlain = net(b.mirroredStart(false).tolerance(1e-10).nudgedSteps(k).build(),
                    DataType.DOUBLE);
            MultiLayerNetwork shortMirrored = net(b.mirroredStart(true).tolerance(1e-10).nudgedSteps(k).build(),
                    DataType.DOUBLE);
            shortPlain.setParams(plain.params());
            shortMirrored.setParams(plain.params());
            double errPlain = gradient(shortPlain, ds).sub(g).norm2Number().doubleValue();
            double errMirrored = gradient(shortMirrored, ds).sub(g).norm2Number().doubleValue();
            assertTrue(errMirrored < errPlain, "K=" + k + ": mirrored error " + errMirrored + " vs " + errPlain);
            b.mirroredStart(false).nudgedSteps(4000);
        }
    }

    /** The float32 conv path (native work arrays, float max pooling) computes what the float64 one does. */
    @Test
    void floatAndDoubleConvNetsAgree() {
        for (String order : new String[]{"synchronous", "alternating"}) {
            EqPropBlock.Builder b = conv().tolerance(0).freeSteps(25).nudgedSteps(8).beta(0.5).updateOrder(order);
            MultiLayerNetwork dbl = net(b.build(), DataType.DOUBLE);
            MultiLayerNetwork flt = net(b.build(), DataType.FLOAT);
            flt.setParams(dbl.params().castTo(DataType.FLOAT));
            DataSet ds = TestNets.data(DataType.DOUBLE, 6, 36, 3, 9);
            DataSet fs = new DataSet(ds.getFeatures().castTo(DataType.FLOAT), ds.getLabels().castTo(DataType.FLOAT));
            assertTrue(flt.output(fs.getFeatures()).castTo(DataType.DOUBLE).equalsWithEps(
                    dbl.output(ds.getFeatures()), 1e-5), order);
            INDArray gd = gradient(dbl, ds);
            INDArray gf = gradient(flt, fs).castTo(DataType.DOUBLE);
            double rel = gf.sub(gd).norm2Number().doubleValue() / gd.norm2Number().doubleValue();
            assertTrue(rel < 1e-4, order + ": relative difference " + rel);
        }
    }

    /** Winograd and im2col convolutions give the same float32 EqProp gradient; the choice survives JSON. */
    @Test
    void winogradAndIm2colConvNetsAgree() {
        java.util.function.Function<String, EqPropBlock> block = alg -> new EqPropBlock.Builder().nIn(36)
                .convLayers(ConvSpec.maxPooled(8, 3, 1).algorithm(alg), new ConvSpec(8, 3, 1, "none", 1)
                        .algorithm(alg)).layerSizes(3).stateActivation("half-hard-sigmoid").freeSteps(40)
                .nudgedSteps(15).beta(0.5).engine("reference").build();
        MultiLayerNetwork direct = net(block.apply("im2col"), DataType.FLOAT);
        MultiLayerNetwork wino = net(block.apply("winograd"), DataType.FLOAT);
        wino.setParams(direct.params());
        DataSet ds = TestNets.data(DataType.FLOAT, 6, 36, 3, 11);
        INDArray gd = gradient(direct, ds);
        INDArray gw = gradient(wino, ds);
        double cosine = gd.mul(gw).sumNumber().doubleValue()
                / (gd.norm2Number().doubleValue() * gw.norm2Number().doubleValue());
        assertTrue(cosine > 0.9999, "cosine " + cosine);
        assertTrue(gd.norm2Number().doubleValue() > 1e-4);
        String json = wino.getLayerWiseConfigurations().toJson();
        EqPropBlock back = (EqPropBlock) org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(json)
                .getConf(0).getLayer();
        assertEquals("winograd", back.getConvLayers().get(0).getAlgorithm());
        assertThrows(IllegalArgumentException.class, () -> ConvSpec.maxPooled(8, 3, 1).algorithm("fft"));
        assertThrows(IllegalArgumentException.class, () -> new EqPropBlock.Builder().nIn(36)
                .convLayers(ConvSpec.maxPooled(8, 5, 1).algorithm("winograd")).layerSizes(3).build());
    }

    @Test
    void invalidCombinationsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> dense().updateOrder("random").build());
        assertThrows(IllegalArgumentException.class, () -> dense().updateOrder("alternating").estimator("bptt")
                .build());
        assertThrows(IllegalArgumentException.class, () -> dense().doubledBatch(true).estimator("one-sided")
                .build());
        assertThrows(IllegalArgumentException.class, () -> dense().mirroredStart(true).estimator("one-sided")
                .build());
        assertThrows(IllegalArgumentException.class, () -> dense().mirroredStart(true).doubledBatch(true).build());
        assertThrows(IllegalArgumentException.class, () -> dense().mirroredStart(true).estimator("bptt").build());
        // BPTT unrolls exactly T steps: a tolerance would not be honoured, so it is refused; RBP's free phase
        // converges to its tolerance
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> dense().estimator("bptt").build());
        org.junit.jupiter.api.Assertions.assertTrue(early.getMessage().contains("tolerance"), early.getMessage());
        dense().tolerance(0).estimator("bptt").build();
        dense().estimator("rbp").build();
    }
}
