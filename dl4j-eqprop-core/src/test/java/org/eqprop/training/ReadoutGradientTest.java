package org.eqprop.training;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.TestNets;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.conf.ReadoutGradient;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readout gradient convention of the published code (readoutGradient nudged): the softmax readout's gradient
 * (β_a ∂L(s^a)/∂θ − β_b ∂L(s^b)/∂θ)/(β_a − β_b) over the two contrast equilibria, against a hand computation.
 */
class ReadoutGradientTest {

    private static final DataType DT = DataType.DOUBLE;

    private static EqPropBlock.Builder block(double beta) {
        return new EqPropBlock.Builder().nIn(6).layerSizes(5).stateActivation("logistic").freeSteps(200)
                .nudgedSteps(200).beta(beta).engine("reference");
    }

    private static EqPropNetwork net(EqPropBlock b) {
        EqPropNetwork n = new EqPropNetwork(TestNets.readout(DT, b, 3, 5));
        n.init();
        return n;
    }

    /** ∂L/∂W and ∂L/∂b of the softmax cross-entropy readout at input s, summed over the batch: [W (row major); b]. */
    private static INDArray readoutGradientAt(INDArray s, INDArray w, INDArray b, INDArray y) {
        INDArray z = s.mmul(w).addiRowVector(b);
        INDArray p = Transforms.softmax(z, true);
        INDArray delta = p.sub(y);
        INDArray gw = s.transpose().mmul(delta);
        INDArray gb = delta.sum(0);
        return org.nd4j.linalg.factory.Nd4j.concat(0, gw.reshape('f', new long[]{gw.length()}), gb.reshape(new long[]{gb.length()}));
    }

    private static INDArray readoutGradient(EqPropNetwork n) {
        INDArray view = n.getLayer(1).getGradientsViewArray();
        return view.dup().reshape(view.length());
    }

    @Test
    void theNudgedConventionAveragesTheReadoutGradientOverTheNudgedStates() {
        DataSet d = TestNets.data(DT, 8, 6, 3, 3);
        EqPropNetwork n = net(block(0.5).readoutGradient(ReadoutGradient.NUDGED).build());
        n.setInput(d.getFeatures());
        n.setLabels(d.getLabels());
        n.computeGradientAndScore();
        EqPropBlockLayer blockLayer = (EqPropBlockLayer) n.getLayer(0);
        EqPropBlockLayer.ReadoutPoints p = blockLayer.readoutPoints();
        assertEquals(0.5, p.betaA(), 0);
        assertEquals(-0.5, p.betaB(), 0);
        INDArray w = n.getLayer(1).getParam("W");
        INDArray b = n.getLayer(1).getParam("b");
        INDArray expected = readoutGradientAt(p.a(), w, b, d.getLabels())
                .addi(readoutGradientAt(p.b(), w, b, d.getLabels())).muli(0.5);
        INDArray got = readoutGradient(n);
        assertTrue(got.equalsWithEps(expected, 1e-10), got + " vs " + expected);

        // the default takes it at the free state: a different value, the same one DL4J's backprop gives
        EqPropNetwork f = net(block(0.5).build());
        f.setInput(d.getFeatures());
        f.setLabels(d.getLabels());
        f.computeGradientAndScore();
        INDArray freeGot = readoutGradient(f);
        // the readout's input is the block's free fixed point s^0
        INDArray s0 = ((EqPropBlockLayer) f.getLayer(0)).freeEquilibrium().output();
        assertTrue(freeGot.equalsWithEps(readoutGradientAt(s0, w, b, d.getLabels()), 1e-10));
        assertTrue(!freeGot.equalsWithEps(got, 1e-6), "the two conventions differ at beta 0.5");
    }

    @Test
    void theTwoConventionsAgreeToSecondOrderInBeta() {
        DataSet d = TestNets.data(DT, 8, 6, 3, 4);
        double[] gaps = new double[2];
        double[] betas = {0.1, 0.01};
        for (int i = 0; i < 2; i++) {
            EqPropNetwork nudged = net(block(betas[i]).readoutGradient(ReadoutGradient.NUDGED).build());
            EqPropNetwork free = net(block(betas[i]).build());
            for (MultiLayerNetwork m : new MultiLayerNetwork[]{nudged, free}) {
                m.setInput(d.getFeatures());
                m.setLabels(d.getLabels());
                m.computeGradientAndScore();
            }
            INDArray a = readoutGradient(nudged);
            gaps[i] = a.distance2(readoutGradient(free)) / a.norm2Number().doubleValue();
        }
        // symmetric nudges: the mean of g(s^{+beta}) and g(s^{-beta}) is g(s^0) + O(beta^2)
        assertTrue(gaps[0] / gaps[1] > 50, gaps[0] + " / " + gaps[1]);
    }

    @Test
    void whereTheConventionCannotBeHonouredItIsRefused() {
        DataSet d = TestNets.data(DataType.FLOAT, 4, 6, 3, 5);
        EqPropBlock b = new EqPropBlock.Builder().nIn(6).layerSizes(5).readoutGradient(ReadoutGradient.NUDGED)
                .build();
        MultiLayerNetwork plain = new MultiLayerNetwork(TestNets.readout(DataType.FLOAT, b, 3, 1));
        plain.init();
        Exception e = assertThrows(IllegalStateException.class, () -> plain.fit(d));
        assertTrue(e.getMessage().contains("EqPropNetwork"), e.getMessage());

        EqPropBlock sq = new EqPropBlock.Builder().nIn(6).layerSizes(3).readoutGradient(ReadoutGradient.NUDGED)
                .build();
        EqPropNetwork noReadout = new EqPropNetwork(TestNets.squaredError(DataType.FLOAT, sq, 1));
        noReadout.init();
        Exception loss = assertThrows(IllegalStateException.class, () -> noReadout.fit(d.getFeatures(),
                org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, 4, 3)));
        assertTrue(loss.getMessage().contains("readout layer with parameters"), loss.getMessage());

        Exception holo = assertThrows(IllegalArgumentException.class, () -> new EqPropBlock.Builder().nIn(6)
                .layerSizes(5).stateActivation("logistic").estimator("holomorphic")
                .readoutGradient(ReadoutGradient.NUDGED).build());
        assertTrue(holo.getMessage().contains("two-phase"), holo.getMessage());

        MultiLayerConfiguration conf = TestNets.readout(DataType.FLOAT, b, 3, 1);
        assertTrue(conf.toJson().contains("\"readoutGradient\" : \"nudged\""));
        assertEquals(conf, MultiLayerConfiguration.fromJson(conf.toJson()));
    }
}
