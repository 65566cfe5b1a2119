package org.eqprop;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.PhaseReport;
import org.eqprop.dynamics.RelaxationException;
import org.eqprop.dynamics.RelaxationListener;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Properties from the papers, relaxation control, and bad input. */
class PropertiesTest {

    static EqPropNetwork net(DataType dt, EqPropBlock b) {
        EqPropNetwork net = new EqPropNetwork(TestNets.squaredError(dt, b, 21));
        net.init();
        return net;
    }

    @Test
    void freeFixedPointSatisfiesTheFixedPointEquation() {
        EqPropNetwork net = net(DataType.DOUBLE, new EqPropBlock.Builder().nIn(6).layerSizes(9, 7, 3)
                .freeSteps(3000).tolerance(1e-13).engine("reference").build());
        DataSet ds = TestNets.data(DataType.DOUBLE, 5, 6, 3, 1);
        net.output(ds.getFeatures());
        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        Equilibrium free = block.freeEquilibrium();
        assertTrue(free.converged());
        // independently: s = σ(∂Φ/∂s(s)) for every layer
        EnergyChain chain = block.chain();
        INDArray[] drives = new INDArray[chain.depth()];
        chain.drives(chain.inputDrive(ds.getFeatures()), free.states(), drives);
        for (int k = 0; k < chain.depth(); k++) {
            INDArray expected = chain.activation().applyInPlace(drives[k]);
            double residual = expected.sub(free.states()[k]).amaxNumber().doubleValue();
            assertTrue(residual < 1e-11, "layer " + k + " residual " + residual);
        }
    }

    @Test
    void noUpdateWhenThePredictionIsAlreadyRight() {
        EqPropNetwork net = net(DataType.DOUBLE, new EqPropBlock.Builder().nIn(6).layerSizes(8, 3)
                .freeSteps(500).nudgedSteps(50).engine("reference").build());
        DataSet ds = TestNets.data(DataType.DOUBLE, 4, 6, 3, 2);
        INDArray prediction = net.output(ds.getFeatures());
        net.setInput(ds.getFeatures());
        net.setLabels(prediction);
        net.computeGradientAndScore();
        INDArray g = net.getLayer(0).getGradientsViewArray();
        assertEquals(0.0, g.amaxNumber().doubleValue(), 1e-12);
        // while a wrong target gives a non-zero update
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        assertTrue(net.getLayer(0).getGradientsViewArray().amaxNumber().doubleValue() > 1e-4);
    }

    @Test
    void nonConvergenceIsReportedToListenersAndCounted() {
        EqPropNetwork net = net(DataType.FLOAT, new EqPropBlock.Builder().nIn(6).layerSizes(8, 3)
                .freeSteps(2).nudgedSteps(2).tolerance(1e-9).build());
        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        List<PhaseReport> missed = new ArrayList<>();
        List<PhaseReport> all = new ArrayList<>();
        block.addRelaxationListener(new RelaxationListener() {
            @Override
            public void onPhase(PhaseReport r) {
                all.add(r);
            }

            @Override
            public void onNonConvergence(PhaseReport r) {
                missed.add(r);
            }
        });
        net.fit(TestNets.data(DataType.FLOAT, 4, 6, 3, 3));
        assertEquals(3, all.size(), "free + two nudged phases");
        assertEquals(3, missed.size());
        assertEquals(3, block.relaxationStats().nonConverged());
        assertTrue(missed.get(0).residual() > 1e-9);
    }

    @Test
    void toleranceStopsEarlyAndPersistentStatesSaveSteps() {
        EqPropBlock b = new EqPropBlock.Builder().nIn(6).layerSizes(12, 3).freeSteps(400).nudgedSteps(100)
                .tolerance(1e-5).persistentStates(true).build();
        EqPropNetwork net = net(DataType.FLOAT, b);
        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        DataSet ds = TestNets.data(DataType.FLOAT, 8, 6, 3, 4);
        // training passes warm-start from the stored fixed points (inference always starts from zero)
        net.feedForward(ds.getFeatures(), true);
        int cold = block.freeEquilibrium().steps();
        assertTrue(cold < 400 && block.freeEquilibrium().converged(), "cold start steps " + cold);
        net.feedForward(ds.getFeatures(), true);
        int warm = block.freeEquilibrium().steps();
        assertTrue(warm < cold, "persistent start " + warm + " vs cold " + cold);
        net.output(ds.getFeatures());
        assertEquals(cold, block.freeEquilibrium().steps(), "inference starts cold");
    }

    @Test
    void badInputGivesClearErrors() {
        EqPropNetwork net = net(DataType.FLOAT, new EqPropBlock.Builder().nIn(6).layerSizes(8, 3).build());
        INDArray wrongWidth = Nd4j.rand(DataType.FLOAT, 4, 5);
        DL4JInvalidInputException e = assertThrows(DL4JInvalidInputException.class, () -> net.output(wrongWidth));
        assertTrue(e.getMessage().contains("nIn = 6"), e.getMessage());
        INDArray nan = Nd4j.rand(DataType.FLOAT, 4, 6);
        nan.putScalar(2, 3, Double.NaN);
        e = assertThrows(DL4JInvalidInputException.class, () -> net.output(nan));
        assertTrue(e.getMessage().contains("NaN"));
        INDArray inf = Nd4j.rand(DataType.FLOAT, 4, 6);
        inf.putScalar(0, 0, Double.POSITIVE_INFINITY);
        assertThrows(DL4JInvalidInputException.class, () -> net.fit(new DataSet(inf, Nd4j.zeros(DataType.FLOAT, 4, 3))));
    }

    @Test
    void invalidHyperparametersAreRejectedAtBuildTime() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().nIn(6).layerSizes(8, 3).beta(0).build());
        assertTrue(e.getMessage().contains("beta"));
        e = assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().nIn(6).layerSizes(8, 3).freeSteps(0).build());
        assertTrue(e.getMessage().contains("freeSteps must be >= 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EqPropBlock.Builder().nIn(6).layerSizes().build());
        assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().nIn(6).layerSizes(8).stateActivation("relu").build());
        assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().nIn(6).layerSizes(8).estimator("two-sided").build());
        assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().nIn(6).layerSizes(8).dynamics("euler").stateActivation("sigmoid")
                        .build());
        assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().nIn(6).layerSizes(8).tolerance(Double.NaN).build());
        assertThrows(IllegalArgumentException.class,
                () -> new EqPropBlock.Builder().nIn(6).layerSizes(8, 3).layerUpdaters(
                        new org.nd4j.linalg.learning.config.Sgd(0.1)).build());
    }

    @Test
    void divergingRelaxationRaisesInsteadOfPoisoningWeights() {
        EqPropNetwork net = net(DataType.FLOAT, new EqPropBlock.Builder().nIn(6).layerSizes(8, 3)
                .stateActivation("sigmoid").leak(1.0).freeSteps(200).build());
        net.getLayer(0).getParam("W2").assign(1e30);
        net.getLayer(0).getParam("W1").assign(1e30);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 6);
        assertThrows(RelaxationException.class, () -> net.output(x));
        LayerWorkspaceMgr.noWorkspaces();
    }
}
