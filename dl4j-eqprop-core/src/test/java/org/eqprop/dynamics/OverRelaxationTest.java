package org.eqprop.dynamics;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.TestNets;
import org.eqprop.layers.StateActivation;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.eqprop.dynamics.FasterRelaxationTest.conv;
import static org.eqprop.dynamics.FasterRelaxationTest.dense;
import static org.eqprop.dynamics.FasterRelaxationTest.gradient;
import static org.eqprop.dynamics.FasterRelaxationTest.net;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Projected over-relaxation: the same fixed points and EqProp gradient as the fixed-point iteration, sooner. */
class OverRelaxationTest {

    @Test
    void overRelaxedAlternatingSweepsReachTheSameConvFixedPointInFewerSteps() {
        DataSet maps = TestNets.data(DataType.DOUBLE, 4, 36, 3, 7);
        MultiLayerNetwork plain = net(conv().updateOrder("alternating").build(), DataType.DOUBLE);
        MultiLayerNetwork sor = net(conv().updateOrder("alternating").dynamics("over-relaxation").overRelaxation(1.2)
                .build(), DataType.DOUBLE);
        MultiLayerNetwork sync = net(conv().build(), DataType.DOUBLE);
        // stronger couplings (3x the initial weights) slow the plain iteration down to ~50 steps: the regime where
        // over-relaxation pays (on the initial weights it converges in 12 alternating steps, and ω > 1 overshoots)
        plain.params().muli(3);
        sor.setParams(plain.params());
        sync.setParams(plain.params());
        INDArray expected = sync.output(maps.getFeatures());
        assertTrue(sor.output(maps.getFeatures()).equalsWithEps(expected, 1e-10));
        assertTrue(plain.output(maps.getFeatures()).equalsWithEps(expected, 1e-10));
        Equilibrium p = ((EqPropBlockLayer) plain.getLayer(0)).freeEquilibrium();
        Equilibrium s = ((EqPropBlockLayer) sor.getLayer(0)).freeEquilibrium();
        assertTrue(p.converged() && s.converged());
        System.out.printf("conv free phase to 1e-12: alternating %d steps, over-relaxed (1.2) %d%n", p.steps(),
                s.steps());
        assertTrue(s.steps() < p.steps(), "over-relaxed " + s.steps() + " vs plain " + p.steps() + " steps");
        INDArray g = gradient(sync, maps);
        assertTrue(g.norm2Number().doubleValue() > 1e-4);
        assertTrue(gradient(sor, maps).equalsWithEps(g, 1e-8));
    }

    @Test
    void omegaOneIsTheFixedPointIterationAndLargerOmegaOvershootsTheClip() {
        StateActivation half = StateActivation.of("half-hard-sigmoid", 0);
        INDArray s = Nd4j.createFromArray(0.2, 0.5, 0.9, 0.0);
        INDArray u = Nd4j.createFromArray(1.0, 0.4, 3.0, -1.0);
        INDArray one = new OverRelaxedDynamics(1.0).step(s, u.dup(), half);
        assertTrue(one.equalsWithEps(FixedPointDynamics.INSTANCE.step(s, u.dup(), half), 1e-12));
        // s + 1.5 (u/2 − s): 0.2 + 1.5·0.3 = 0.65, 0.5 + 1.5·(−0.3) = 0.05, clipped 1, clipped 0
        INDArray over = new OverRelaxedDynamics(1.5).step(s, u.dup(), half);
        assertTrue(over.equalsWithEps(Nd4j.createFromArray(0.65, 0.05, 1.0, 0.0), 1e-12), over.toString());
        float[] fs = {0.2f, 0.5f, 0.9f, 0f};
        float[] fu = {1f, 0.4f, 3f, -1f};
        float residual = new OverRelaxedDynamics(1.5).step(fs, fu, 4, half);
        assertEquals(0.65f, fu[0], 1e-6f);
        assertEquals(0.05f, fu[1], 1e-6f);
        assertEquals(0.45f, residual, 1e-6f);
    }

    @Test
    void fusedAndReferenceEnginesAgreeOnOverRelaxation() {
        DataSet ds = TestNets.data(DataType.FLOAT, 33, 6, 3, 5);
        EqPropBlock.Builder b = dense().tolerance(0).freeSteps(9).nudgedSteps(4).updateOrder("alternating")
                .dynamics("over-relaxation").overRelaxation(1.3);
        MultiLayerNetwork fused = net(b.engine("fused").build(), DataType.FLOAT);
        MultiLayerNetwork ref = net(b.engine("reference").build(), DataType.FLOAT);
        ref.setParams(fused.params());
        assertTrue(fused.output(ds.getFeatures()).equalsWithEps(ref.output(ds.getFeatures()), 1e-5));
        assertTrue(gradient(fused, ds).equalsWithEps(gradient(ref, ds), 1e-4));
    }

    @Test
    void badFactorsAndActivationsAreRejectedAndTheFactorSurvivesJson() {
        for (double omega : new double[]{0, 2, -0.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> dense().dynamics("over-relaxation").overRelaxation(omega).build());
            assertTrue(e.getMessage().contains(String.valueOf(omega)), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> dense()
                .stateActivation("sigmoid").dynamics("over-relaxation").overRelaxation(1.5).build());
        assertTrue(e.getMessage().contains("sigmoid"), e.getMessage());
        MultiLayerNetwork n = net(dense().dynamics("over-relaxation").overRelaxation(1.7).build(), DataType.FLOAT);
        EqPropBlock back = (EqPropBlock) MultiLayerConfiguration.fromJson(n.getLayerWiseConfigurations().toJson())
                .getConf(0).getLayer();
        assertEquals(1.7, back.relaxation().overRelaxation(), 1e-12);
        assertTrue(back.dynamicsRule() instanceof OverRelaxedDynamics);
    }
}
