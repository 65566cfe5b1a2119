package org.eqprop;

import org.eqprop.dynamics.LangevinDynamics;
import org.eqprop.layers.StateActivation;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Langevin EqProp: noisy phases sample p_β ∝ e^{−(E + βC)/T} and the update is averaged over samples; measured against
 * the noise-free gradient (bias of the mean over repetitions, spread of one estimate).
 */
class LangevinEqPropTest {

    private static final DataType DT = DataType.DOUBLE;
    private static final DataSet DATA = TestNets.data(DT, 5, 6, 3, 1);

    private static EqPropBlock.Builder block() {
        return new EqPropBlock.Builder().nIn(6).layerSizes(8, 3).dynamics("euler").eulerStep(0.5).engine("reference");
    }

    private static INDArray gradient(EqPropBlock block) {
        EqPropNetwork net = new EqPropNetwork(TestNets.squaredError(DT, block, 11));
        net.init();
        net.setInput(DATA.getFeatures());
        net.setLabels(DATA.getLabels());
        net.computeGradientAndScore();
        return net.getLayer(0).getGradientsViewArray().dup();
    }

    private static INDArray noiseFree() {
        return gradient(block().freeSteps(4000).nudgedSteps(4000).tolerance(1e-13).beta(1e-4).build());
    }

    /** {bias of the mean, root-mean-square spread of one estimate}, relative to the noise-free gradient. */
    private static double[] biasAndSpread(double temperature, double beta, int samples, int repetitions,
                                          INDArray truth) {
        INDArray[] g = new INDArray[repetitions];
        INDArray mean = Nd4j.zeros(DT, truth.shape());
        for (int r = 0; r < repetitions; r++) {
            g[r] = gradient(block().dynamics("langevin").temperature(temperature).freeSteps(100).nudgedSteps(60)
                    .beta(beta).estimator("langevin").samples(samples).seed(100 + r).build());
            mean.addi(g[r].div(repetitions));
        }
        double spread = 0;
        for (INDArray x : g) {
            spread += Math.pow(x.sub(mean).norm2Number().doubleValue(), 2) / repetitions;
        }
        double norm = truth.norm2Number().doubleValue();
        return new double[]{mean.sub(truth).norm2Number().doubleValue() / norm, Math.sqrt(spread) / norm};
    }

    @Test
    void withoutNoiseItIsTheSymmetricEstimator() {
        INDArray symmetric = gradient(block().freeSteps(200).nudgedSteps(100).beta(0.2).build());
        INDArray langevin = gradient(block().dynamics("langevin").freeSteps(200).nudgedSteps(100).beta(0.2)
                .estimator("langevin").samples(5).build());
        assertTrue(langevin.sub(symmetric).amaxNumber().doubleValue() < 1e-9 * symmetric.amaxNumber().doubleValue()
                + 1e-12, "T = 0: five samples of the same fixed point");
    }

    @Test
    void biasAndSpreadAgainstTheNoiseFreeGradient() {
        INDArray truth = noiseFree();
        double[] cold = biasAndSpread(1e-4, 0.5, 20, 6, truth);
        double[] hot = biasAndSpread(1e-2, 0.5, 20, 6, truth);
        double[] hotMoreSamples = biasAndSpread(1e-2, 0.5, 80, 6, truth);
        double[] hotSmallBeta = biasAndSpread(1e-2, 0.1, 20, 6, truth);
        System.out.printf(java.util.Locale.ROOT, "Langevin EqProp (bias, spread) T=1e-4 b=0.5 S=20: %.3e %.3e; "
                        + "T=1e-2 b=0.5 S=20: %.3e %.3e; S=80: %.3e %.3e; T=1e-2 b=0.1 S=20: %.3e %.3e%n", cold[0],
                cold[1], hot[0], hot[1], hotMoreSamples[0], hotMoreSamples[1], hotSmallBeta[0], hotSmallBeta[1]);
        assertTrue(hot[1] > 3 * cold[1], "the spread grows with the temperature");
        assertTrue(hotMoreSamples[1] < 0.75 * hot[1], "more samples shrink the spread");
        assertTrue(hotSmallBeta[1] > 2 * hot[1], "a smaller nudge amplifies the noise (spread ~ sqrt(T)/beta)");
        // near zero temperature the mean is the noise-free symmetric estimate at the same β (its O(β²) bias is large
        // at β = 0.5 on this stiff hard-sigmoid net)
        INDArray symmetric = gradient(block().freeSteps(4000).nudgedSteps(4000).tolerance(1e-13).beta(0.5).build());
        double[] symmetricCold = biasAndSpread(1e-4, 0.5, 20, 6, symmetric);
        assertTrue(symmetricCold[0] < 0.05, "T = 1e-4: the mean is the noise-free estimate at beta 0.5: "
                + symmetricCold[0]);
    }

    @Test
    void noiseIsSeededAndReproducibleOnTheReferenceEngine() {
        EqPropBlock b = block().dynamics("langevin").temperature(1e-2).freeSteps(50).nudgedSteps(20).beta(0.5)
                .estimator("langevin").samples(5).seed(3).build();
        assertEquals(gradient(b), gradient(b));
        EqPropBlock other = block().dynamics("langevin").temperature(1e-2).freeSteps(50).nudgedSteps(20).beta(0.5)
                .estimator("langevin").samples(5).seed(4).build();
        assertTrue(gradient(b).sub(gradient(other)).amaxNumber().doubleValue() > 0);
    }

    @Test
    void settingsItCannotHonourAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> block().temperature(0.1).build(),
                "a temperature without Langevin dynamics");
        assertThrows(IllegalArgumentException.class, () -> block().samples(10).build(),
                "samples without the Langevin estimator");
        assertThrows(IllegalArgumentException.class, () -> block().dynamics("langevin").stateActivation("sigmoid")
                .build());
        assertThrows(IllegalArgumentException.class, () -> block().dynamics("langevin").temperature(-1).build());
        assertThrows(IllegalArgumentException.class, () -> block().estimator("langevin").samples(0).build());
        assertThrows(IllegalArgumentException.class, () -> new LangevinDynamics(0.5, 1, 1).step(new float[1],
                new float[1], 1, StateActivation.of("sigmoid", 0)));
    }
}
