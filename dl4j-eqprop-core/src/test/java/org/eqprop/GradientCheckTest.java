package org.eqprop;

import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.activations.Activation;
import org.eqprop.costs.HalfSquaredError;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.eqprop.nn.conf.ConvSpec;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The EqProp estimate against the true gradient of L(θ) = C(s*(θ)) at the fixed point, by central finite
 * differences, in double precision with converged phases (Scellier thesis Theorem 2.1).
 */
class GradientCheckTest {

    private static final DataType DT = DataType.DOUBLE;

    static EqPropBlock.Builder block(double beta, String estimator) {
        return new EqPropBlock.Builder().nIn(6).freeSteps(5000).nudgedSteps(5000).tolerance(1e-13).beta(beta)
                .estimator(estimator).engine("reference");
    }

    /** Parameters checked per layer: a fixed random subset (all of them for small layers). */
    static final int CHECKED = 24;

    static long[] checkedIndices(long n) {
        java.util.List<Long> all = new java.util.ArrayList<>();
        for (long i = 0; i < n; i++) {
            all.add(i);
        }
        java.util.Collections.shuffle(all, new java.util.Random(n));
        return all.stream().limit(CHECKED).mapToLong(Long::longValue).sorted().toArray();
    }

    /** Central differences of the network's mean loss over the checked parameters of a layer. */
    static INDArray finiteDifferences(MultiLayerNetwork net, DataSet ds, int layer) {
        return finiteDifferences(net, ds, layer, checkedIndices(net.getLayer(layer).params().length()));
    }

    /** The same over the given parameter indices. */
    static INDArray finiteDifferences(MultiLayerNetwork net, DataSet ds, int layer, long[] idx) {
        INDArray params = net.getLayer(layer).params();
        INDArray fd = Nd4j.zeros(params.dataType(), idx.length);
        double h = 1e-6;
        for (int j = 0; j < idx.length; j++) {
            long i = idx[j];
            double v = params.getDouble(i);
            params.putScalar(i, v + h);
            double up = net.score(ds);
            params.putScalar(i, v - h);
            double down = net.score(ds);
            params.putScalar(i, v);
            fd.putScalar(j, (up - down) / (2 * h));
        }
        return fd;
    }

    /** The network's gradient of layer {@code layer} at the checked parameters, for the batch-mean loss. */
    static INDArray gradient(MultiLayerNetwork net, DataSet ds, int layer) {
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        INDArray g = net.getLayer(layer).getGradientsViewArray().dup().divi(ds.numExamples());
        long[] idx = checkedIndices(g.length());
        INDArray out = Nd4j.zeros(g.dataType(), idx.length);
        for (int j = 0; j < idx.length; j++) {
            out.putScalar(j, g.getDouble(idx[j]));
        }
        return out;
    }

    static double relativeError(INDArray a, INDArray b) {
        return a.sub(b).norm2Number().doubleValue() / b.norm2Number().doubleValue();
    }

    /** Prints the measured error, so the figures appear in the test log. */
    static double report(String what, double err) {
        System.out.printf(java.util.Locale.ROOT, "GradientCheck %-55s relative error %.3e%n", what, err);
        return err;
    }

    @Test
    void symmetricMatchesFiniteDifferencesForSquaredError() {
        DataSet ds = TestNets.data(DT, 5, 6, 3, 1);
        EqPropNetwork net = new EqPropNetwork(TestNets.squaredError(DT,
                block(1e-3, "symmetric").layerSizes(8, 3).build(), 11));
        net.init();
        INDArray fd = finiteDifferences(net, ds, 0);
        INDArray ep = gradient(net, ds, 0);
        assertTrue(fd.norm2Number().doubleValue() > 1e-3, "gradient should not vanish on this net");
        double err = report("symmetric, squared error, 6-8-3, beta=1e-3", relativeError(ep, fd));
        assertTrue(err < 1e-3, "relative error " + err);
        assertFreePhaseConverged(net);
    }

    @Test
    void symmetricMatchesFiniteDifferencesForCrossEntropyReadout() {
        DataSet ds = TestNets.data(DT, 5, 6, 3, 2);
        EqPropNetwork net = new EqPropNetwork(TestNets.readout(DT,
                block(1e-3, "symmetric").layerSizes(8, 5).build(), 3, 12));
        net.init();
        INDArray fd = finiteDifferences(net, ds, 0);
        INDArray ep = gradient(net, ds, 0);
        double err = report("symmetric, softmax readout, 6-8-5(-3), beta=1e-3", relativeError(ep, fd));
        assertTrue(err < 1e-3, "relative error " + err);
        // the readout's own gradient, computed by DL4J at the free fixed point
        INDArray fdOut = finiteDifferences(net, ds, 1);
        INDArray out = gradient(net, ds, 1);
        assertTrue(relativeError(out, fdOut) < 1e-6, "readout gradient");
    }

    @Test
    void heldForceInAPlainMultiLayerNetworkAlsoGivesTheGradient() {
        DataSet ds = TestNets.data(DT, 4, 6, 3, 3);
        MultiLayerNetwork net = new MultiLayerNetwork(TestNets.readout(DT,
                block(1e-3, "symmetric").layerSizes(7, 4).build(), 3, 13));
        net.init();
        double err = report("held force, plain MultiLayerNetwork, readout", relativeError(gradient(net, ds, 0),
                finiteDifferences(net, ds, 0)));
        assertTrue(err < 1e-3, "relative error " + err);
    }

    @Test
    void twoHiddenLayersWithSigmoidAndLeak() {
        DataSet ds = TestNets.data(DT, 4, 6, 3, 4);
        EqPropNetwork net = new EqPropNetwork(TestNets.squaredError(DT, block(1e-3, "symmetric")
                .layerSizes(7, 5, 3).stateActivation("sigmoid").leak(0.01).build(), 14));
        net.init();
        double err = report("symmetric, 6-7-5-3 sigmoid + leak", relativeError(gradient(net, ds, 0),
                finiteDifferences(net, ds, 0)));
        assertTrue(err < 1e-3, "relative error " + err);
    }

    @Test
    void oneSidedErrorShrinksLinearlyInBeta() {
        DataSet ds = TestNets.data(DT, 5, 6, 3, 5);
        double[] betas = {0.04, 0.02, 0.01};
        double[] errors = new double[betas.length];
        INDArray fd = null;
        for (int i = 0; i < betas.length; i++) {
            EqPropNetwork net = new EqPropNetwork(TestNets.squaredError(DT,
                    block(betas[i], "one-sided").layerSizes(8, 3).build(), 15));
            net.init();
            if (fd == null) {
                fd = finiteDifferences(net, ds, 0);
            }
            errors[i] = report("one-sided, beta=" + betas[i], relativeError(gradient(net, ds, 0), fd));
        }
        for (int i = 1; i < betas.length; i++) {
            double ratio = errors[i - 1] / errors[i];
            assertEquals(2.0, ratio, 0.3, "halving beta should halve the one-sided bias: " + errors[i - 1] + " -> "
                    + errors[i]);
        }
        // and the symmetric estimator at the same beta is far closer (O(β²) bias)
        EqPropNetwork sym = new EqPropNetwork(TestNets.squaredError(DT,
                block(0.01, "symmetric").layerSizes(8, 3).build(), 15));
        sym.init();
        assertTrue(report("symmetric, beta=0.01", relativeError(gradient(sym, ds, 0), fd)) < errors[2] / 10);
    }

    @Test
    void eulerDynamicsReachTheSameGradient() {
        DataSet ds = TestNets.data(DT, 4, 6, 3, 6);
        EqPropNetwork net = new EqPropNetwork(TestNets.squaredError(DT, block(1e-3, "symmetric")
                .layerSizes(8, 3).dynamics("euler").eulerStep(0.5).build(), 16));
        net.init();
        double err = report("symmetric, Euler dynamics eps=0.5", relativeError(gradient(net, ds, 0),
                finiteDifferences(net, ds, 0)));
        assertTrue(err < 1e-3, "relative error " + err);
    }

    /**
     * Issue 4, must show 1: a tiny convolutional net (1×6×6 input, conv 3 maps 3×3 pad 1 + 2×2 max pooling, conv 4
     * maps 2×2 + 2×2 average pooling, dense 3) checked on every parameter. β = 1e-5: on this net a few units sit
     * within 1e-3 of the clip's kink, where β = 1e-3 straddles it (13% error; 1e-7 at β = 1e-5).
     */
    @Test
    void symmetricGradientOfAConvolutionalNetMatchesFiniteDifferences() {
        EqPropBlock.Builder b = block(1e-5, "symmetric").nIn(36).convLayers(ConvSpec.maxPooled(3, 3, 1),
                new ConvSpec(4, 2, 0, "avg", 2)).layerSizes(3);
        double err = convNetAgainstFiniteDifferences(b,
                "symmetric, conv(3,3x3,max)-conv(4,2x2,avg)-3, beta=1e-5, all 97 params");
        assertTrue(err < 1e-3, "relative error " + err);
    }

    /**
     * The EqProp gradient of a 1×6×6-input conv block (seed 4, 4 examples) against finite differences of the loss on
     * every parameter, after checking the free phase converged; returns the relative error.
     */
    private static double convNetAgainstFiniteDifferences(EqPropBlock.Builder block, String what) {
        DataSet ds = TestNets.data(DT, 4, 36, 3, 21);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4).dataType(DT)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(block.build())
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutionalFlat(6, 6, 1)).build());
        net.init();
        assertEquals(30 + 52 + 15, net.getLayer(0).numParams());
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        assertFreePhaseConverged(net);
        INDArray ep = net.getLayer(0).getGradientsViewArray().dup().divi(ds.numExamples());
        INDArray fd = finiteDifferences(net, ds, 0, java.util.stream.LongStream.range(0, ep.length()).toArray());
        return report(what, relativeError(ep, fd));
    }

    /** Issue 4: projected over-relaxation of the alternating sweeps (ω = 1.5) converges to the same gradient. */
    @Test
    void overRelaxedAlternatingConvNetMatchesFiniteDifferences() {
        EqPropBlock.Builder b = block(1e-5, "symmetric").nIn(36).convLayers(ConvSpec.maxPooled(3, 3, 1),
                new ConvSpec(4, 2, 0, "avg", 2)).layerSizes(3).updateOrder("alternating")
                .dynamics("over-relaxation").overRelaxation(1.5);
        double err = convNetAgainstFiniteDifferences(b, "symmetric, conv net, alternating over-relaxation 1.5");
        assertTrue(err < 1e-3, "relative error " + err);
    }

    @Test
    void bpttBlockGivesTheExactGradientOfTheUnrolledNetwork() {
        DataSet ds = TestNets.data(DT, 4, 6, 3, 7);
        // T = 6 steps, far from converged: BPTT is exact for the unrolled network, whatever T
        EqPropBlock b = new EqPropBlock.Builder().nIn(6).layerSizes(8, 3).freeSteps(6).estimator("bptt")
                .engine("reference").build();
        MultiLayerNetwork net = new MultiLayerNetwork(TestNets.squaredError(DT, b, 17));
        net.init();
        double err = report("BPTT (full, T=6) vs finite differences", relativeError(gradient(net, ds, 0),
                finiteDifferences(net, ds, 0)));
        assertTrue(err < 1e-6, "relative error " + err);
        // truncated to the last 2 steps it is a different (biased) gradient
        EqPropBlock truncated = new EqPropBlock.Builder().nIn(6).layerSizes(8, 3).freeSteps(6).estimator("bptt")
                .bpttSteps(2).engine("reference").build();
        MultiLayerNetwork net2 = new MultiLayerNetwork(TestNets.squaredError(DT, truncated, 17));
        net2.init();
        assertTrue(relativeError(gradient(net2, ds, 0), finiteDifferences(net2, ds, 0)) > 1e-3);
    }

    /**
     * BPTT through convolutions with max and average pooling, and through vector-field (B ≠ Wᵀ) layers. The smooth
     * sigmoid keeps finite differences off the hard sigmoid's kinks, which unconverged short runs sit on (a unit whose
     * drive is exactly 0 at t = 0); with it every case agrees to 1e-9.
     */
    @Test
    void bpttIsExactForConvolutionalAndVectorFieldBlocks() {
        DataSet conv = TestNets.data(DT, 3, 36, 3, 23);
        EqPropBlock b = new EqPropBlock.Builder().nIn(36).convLayers(ConvSpec.maxPooled(3, 3, 1),
                new ConvSpec(4, 2, 0, "avg", 2)).layerSizes(3).freeSteps(5).stateActivation("sigmoid").estimator("bptt")
                .engine("reference").build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(DT)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(b)
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.convolutionalFlat(6, 6, 1)).build());
        net.init();
        double err = report("BPTT (T=5), conv max/avg pooling", relativeError(gradient(net, conv, 0),
                finiteDifferences(net, conv, 0)));
        assertTrue(err < 1e-6, "relative error " + err);
        DataSet ds = TestNets.data(DT, 4, 6, 3, 24);
        MultiLayerNetwork vf = new MultiLayerNetwork(TestNets.squaredError(DT, new EqPropBlock.Builder().nIn(6)
                .layerSizes(8, 5, 3).vectorField(70).stateActivation("sigmoid").freeSteps(6).estimator("bptt")
                .engine("reference").build(), 19));
        vf.init();
        double vfErr = report("BPTT (T=6), vector field at 70 degrees", relativeError(gradient(vf, ds, 0),
                finiteDifferences(vf, ds, 0)));
        assertTrue(vfErr < 1e-6, "relative error " + vfErr);
    }

    @Test
    void recurrentBackpropBlockGivesTheFixedPointGradient() {
        DataSet ds = TestNets.data(DT, 4, 6, 3, 8);
        EqPropBlock b = new EqPropBlock.Builder().nIn(6).layerSizes(8, 3).freeSteps(5000).tolerance(1e-13)
                .nudgedSteps(200).estimator("rbp").engine("reference").build();
        MultiLayerNetwork net = new MultiLayerNetwork(TestNets.readout(DT, b, 3, 18));
        net.init();
        double err = report("recurrent backprop (200 iterations), readout", relativeError(gradient(net, ds, 0),
                finiteDifferences(net, ds, 0)));
        assertTrue(err < 1e-5, "relative error " + err);
    }

    private static void assertFreePhaseConverged(MultiLayerNetwork net) {
        Layer l = net.getLayer(0);
        EqPropBlockLayer block = (EqPropBlockLayer) l;
        assertTrue(block.freeEquilibrium().converged());
        assertEquals(0, block.relaxationStats().nonConverged());
    }
}
