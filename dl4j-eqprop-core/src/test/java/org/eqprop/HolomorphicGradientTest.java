package org.eqprop;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Locale;

import static org.eqprop.estimators.HolomorphicSettings.holomorphic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Holomorphic EqProp (Laborieux &amp; Zenke 2022) against finite differences of L(θ) = C(s*(θ)), in double precision
 * with converged phases: the contour average over N points of the circle |β| = r is exact up to O(r^N), where the
 * symmetric estimator (N = 2) is off by O(r²).
 */
class HolomorphicGradientTest {

    private static final DataType DT = DataType.DOUBLE;

    /** 6-8-3, before a softmax readout to 3 classes or with the squared error on its output. */
    private static EqPropBlock.Builder block(String activation, boolean readout) {
        return new EqPropBlock.Builder().nIn(6).layerSizes(8, 3).stateActivation(activation)
                .freeSteps(5000)
                .nudgedSteps(5000).tolerance(1e-14).engine("reference");
    }

    private static EqPropBlock.Builder sigmoidBlock() {
        return block("sigmoid", false);
    }

    /** The relative error of the block's gradient against finite differences, with a softmax readout or not. */
    private static double error(EqPropBlock block, DataSet ds, boolean readout) {
        EqPropNetwork net = new EqPropNetwork(readout ? TestNets.readout(DT, block, 3, 12)
                : TestNets.squaredError(DT, block, 11));
        net.init();
        INDArray fd = GradientCheckTest.finiteDifferences(net, ds, 0);
        INDArray g = GradientCheckTest.gradient(net, ds, 0);
        assertEquals(0, ((EqPropBlockLayer) net.getLayer(0)).relaxationStats().nonConverged(), "phases converged");
        return GradientCheckTest.relativeError(g, fd);
    }

    /** The table of relative errors, |β| × N, next to the symmetric estimator; returns [radius][symmetric, N...]. */
    private static double[][] table(String title, String activation, boolean readout, double[] radii, int[] points) {
        DataSet ds = TestNets.data(DT, 5, 6, 3, 1);
        double[][] err = new double[radii.length][points.length + 1];
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%s%n| abs(beta) | symmetric |", title));
        for (int n : points) {
            table.append(" N = ").append(n).append(" |");
        }
        table.append(System.lineSeparator()).append("|---|---|").append("---|".repeat(points.length))
                .append(System.lineSeparator());
        for (int i = 0; i < radii.length; i++) {
            err[i][0] = error(block(activation, readout).beta(radii[i]).estimator("symmetric").build(), ds, readout);
            table.append(String.format(Locale.ROOT, "| %.2f | %.2e |", radii[i], err[i][0]));
            for (int j = 0; j < points.length; j++) {
                err[i][j + 1] = error(block(activation, readout).estimator(holomorphic(points[j], radii[i])).build(), ds,
                        readout);
                table.append(String.format(Locale.ROOT, " %.2e |", err[i][j + 1]));
            }
            table.append(System.lineSeparator());
        }
        System.out.print(table);
        return err;
    }

    /**
     * Must show 1 of the issue: 6-8-3 logistic block, softmax cross-entropy readout to 3 classes (the setting of
     * Laborieux &amp; Zenke), double precision, phases converged to 1e-14.
     */
    @Test
    void contourAverageIsExactAtFiniteBeta() {
        double[] radii = {0.01, 0.1, 0.5, 1.0};
        int[] points = {2, 4, 8};
        double[][] err = table("Holomorphic EqProp vs finite differences (6-8-3 logistic, softmax readout, double)",
                "logistic", true, radii, points);
        for (int i = 0; i < radii.length; i++) {
            // N = 2 is the symmetric estimator
            assertEquals(err[i][0], err[i][1], 1e-9 + 1e-6 * err[i][0], "N = 2 at |beta| = " + radii[i]);
        }
        // the goal: at |β| = 0.5, N = 4 below 1e-5 where the symmetric estimator is above 1e-3
        assertTrue(err[2][2] < 1e-5, "N = 4 at |beta| = 0.5: " + err[2][2]);
        assertTrue(err[2][0] > 1e-3, "symmetric at |beta| = 0.5: " + err[2][0]);
        // more points help at every radius until the finite differences' own error (~1e-7 here) is reached
        for (int i = 1; i < radii.length; i++) {
            assertTrue(err[i][2] < Math.max(err[i][1] / 10, 3e-7), "N = 4 beats N = 2 at |beta| = " + radii[i]);
            assertTrue(err[i][3] < Math.max(err[i][2] / 10, 3e-7), "N = 8 beats N = 4 at |beta| = " + radii[i]);
        }
    }

    /**
     * The error law |β|^N on a stiffer system (the steep sigmoid, slope 1, and the squared error on the output
     * units): the radius of convergence of β ↦ ∂Φ/∂θ(s^β) is below 1 here, so |β| = 0.5 is out of reach, but the
     * error falls by (10)^N for every tenfold smaller radius.
     */
    @Test
    void errorFallsLikeTheRadiusToThePowerN() {
        double[] radii = {0.01, 0.1};
        int[] points = {3, 4};
        double[][] err = table("Holomorphic EqProp vs finite differences (6-8-3 sigmoid, squared error, double)",
                "sigmoid", false, radii, points);
        for (int j = 1; j <= points.length; j++) {
            double order = Math.log10(err[1][j] / err[0][j]);
            int n = j == 0 ? 2 : points[j - 1];
            assertTrue(Math.abs(order - n) < 0.3, "error ~ |beta|^" + n + ": slope " + order);
        }
        double symmetricOrder = Math.log10(err[1][0] / err[0][0]);
        assertTrue(Math.abs(symmetricOrder - 2) < 0.3, "symmetric ~ |beta|^2: slope " + symmetricOrder);
    }

    /**
     * The oscillating nudge: one phase whose β turns around the circle |β| = 0.5, M values per turn, K steps at each,
     * the update integrated over the second turn. With K large the states sit at each s^{β_k} and the estimate is the
     * M-point contour average; with few steps the states lag behind the nudge and the error grows with ω K⁻¹.
     */
    @Test
    void oscillatingNudgeIntegratesTheUpdateAlongOnePhase() {
        DataSet ds = TestNets.data(DT, 5, 6, 3, 1);
        int[] ms = {8, 32};
        int[] ks = {1, 4, 200};
        double[][] err = new double[ms.length][ks.length];
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "Oscillating nudge vs finite differences "
                + "(6-8-3 logistic, softmax readout, |beta| = 0.5, 1 warm-up turn + 1 integrated turn)%n"
                + "| M values per turn | K = 1 | K = 4 | K = 200 |%n|---|---|---|---|%n"));
        for (int i = 0; i < ms.length; i++) {
            table.append("| ").append(ms[i]).append(" |");
            for (int j = 0; j < ks.length; j++) {
                EqPropBlock b = block("logistic", true).nudgedSteps(ks[j])
                        .estimator(org.eqprop.estimators.OscillationSettings.oscillating(ms[i], 0.5)).build();
                err[i][j] = error(b, ds, true);
                table.append(String.format(Locale.ROOT, " %.2e |", err[i][j]));
            }
            table.append(System.lineSeparator());
        }
        System.out.print(table);
        // converged at each β: the contour average with M points (8 points: about 3e-8 in the table above)
        assertTrue(err[0][2] < 1e-6, "M = 8, K = 200: " + err[0][2]);
        assertTrue(err[1][2] < 1e-6, "M = 32, K = 200: " + err[1][2]);
        // following the nudge: more steps per value, and a slower turn, shrink the lag
        assertTrue(err[1][0] < err[0][0] && err[1][1] < err[0][1], "slower turns lag less");
        assertTrue(err[1][1] < err[1][0], "more steps per value lag less");
        assertTrue(err[1][1] < 0.05, "M = 32, K = 4: " + err[1][1]);
    }

    /**
     * A convolutional block (1×6×6 input, 2 maps 3×3 with 2×2 average pooling, then 3 dense units; logistic states,
     * softmax readout): its complex phases run through the convolution's drive and transpose like the dense ones.
     */
    @Test
    void convolutionalBlocksRelaxComplexStatesToo() {
        java.util.function.Function<EqPropBlock.Builder, Double> error = builder -> {
            EqPropBlock b = builder.convLayers(new org.eqprop.nn.conf.ConvSpec(2, 3, 0, "avg", 2)).layerSizes(3)
                    .stateActivation("logistic").freeSteps(5000).nudgedSteps(5000).tolerance(1e-14)
                    .engine("reference").build();
            EqPropNetwork net = new EqPropNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                    .seed(4).dataType(DT).weightInit(org.deeplearning4j.nn.weights.WeightInit.UNIFORM)
                    .updater(new org.nd4j.linalg.learning.config.Sgd(0.1)).list().layer(b)
                    .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                            org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT)
                            .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).nOut(3).build())
                    .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.convolutionalFlat(6, 6, 1)).build());
            net.init();
            DataSet ds = TestNets.data(DT, 3, 36, 3, 9);
            INDArray fd = GradientCheckTest.finiteDifferences(net, ds, 0);
            INDArray g = GradientCheckTest.gradient(net, ds, 0);
            assertEquals(0, ((EqPropBlockLayer) net.getLayer(0)).relaxationStats().nonConverged());
            return GradientCheckTest.relativeError(g, fd);
        };
        double symmetric = error.apply(new EqPropBlock.Builder().beta(0.5).estimator("symmetric"));
        double holo = error.apply(new EqPropBlock.Builder().estimator(holomorphic(6, 0.5)));
        System.out.printf(Locale.ROOT, "conv block (2 maps 3x3, avg pool, logistic), |beta| = 0.5: symmetric %.2e, "
                + "holomorphic N = 6 %.2e%n", symmetric, holo);
        assertTrue(symmetric > 1e-4, "the symmetric estimator is biased at |beta| = 0.5: " + symmetric);
        assertTrue(holo < 1e-5, "the contour average is exact up to O(r^6): " + holo);
        assertTrue(holo < symmetric / 100);
    }

    @Test
    void heldForceAndAnInputGradientForTheLayerBelow() {
        // a DenseLayer below the block: its gradient needs the contour's estimate of ∂L/∂x
        DataSet ds = TestNets.data(DT, 4, 6, 3, 3);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(13).dataType(DT)
                .weightInit(WeightInit.XAVIER).updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build())
                .layer(block("logistic", false).nIn(5).estimator(holomorphic(6, 0.5)).nudgingForce("held").build())
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(6)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        for (int layer = 0; layer < 2; layer++) {
            double err = GradientCheckTest.report("holomorphic N=6, held force, layer " + layer + " (dense below)",
                    GradientCheckTest.relativeError(GradientCheckTest.gradient(net, ds, layer),
                            GradientCheckTest.finiteDifferences(net, ds, layer)));
            assertTrue(err < 1e-5, "layer " + layer + ": " + err);
        }
    }

    @Test
    void settingsItCannotHonourAreRefused() {
        IllegalArgumentException hard = assertThrows(IllegalArgumentException.class, () -> new EqPropBlock.Builder()
                .nIn(6).layerSizes(4).estimator(holomorphic(4, 0.5)).build());
        assertTrue(hard.getMessage().contains("not holomorphic"), hard.getMessage());
        assertThrows(IllegalArgumentException.class, () -> sigmoidBlock().dynamics("euler")
                .estimator(holomorphic(4, 0.5)).build());
        assertThrows(IllegalArgumentException.class, () -> sigmoidBlock().estimator(holomorphic(1, 0.5)));
        assertThrows(IllegalArgumentException.class, () -> sigmoidBlock().estimator(holomorphic(4, 0)));
        assertThrows(IllegalArgumentException.class, () -> sigmoidBlock().estimator("holomorphic")
                .holomorphicPoints(1).build());
        // an output layer whose loss has no holomorphic extension: refused when the gradient is asked for
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).dataType(DT).list()
                .layer(sigmoidBlock().estimator(holomorphic(4, 0.5)).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.XENT).activation(Activation.SIGMOID).build())
                .setInputType(InputType.feedForward(6)).build();
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        DataSet ds = TestNets.data(DT, 2, 6, 3, 4);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> net.fit(ds));
        assertTrue(e.getMessage().contains("no holomorphic extension"), e.getMessage());
    }

    @Test
    void configurationRoundTripsThroughJson() {
        EqPropBlock block = sigmoidBlock().estimator(holomorphic(6, 0.25)).build();
        MultiLayerConfiguration conf = TestNets.squaredError(DT, block, 1);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        EqPropBlock restored = (EqPropBlock) back.getConf(0).getLayer();
        assertEquals(6, restored.estimation().holomorphicPoints());
        assertEquals(0.25, restored.estimation().beta());
        assertEquals(org.eqprop.estimators.GradientEstimator.Kind.HOLOMORPHIC, restored.estimation().estimator());
        assertEquals(block, restored);
    }
}
