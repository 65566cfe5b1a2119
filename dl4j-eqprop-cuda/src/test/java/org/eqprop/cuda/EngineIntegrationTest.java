package org.eqprop.cuda;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole DL4J training step through the CUDA engine (its kernels' host build, selected with
 * {@code eqprop.cuda.host=true}): EqPropNetwork's free phase, nudged phases and the contrast gradient all run on the
 * kernels, and the gradient equals the fused CPU engine's (squared error and softmax readout).
 */
class EngineIntegrationTest {

    @AfterEach
    void clear() {
        System.clearProperty(CudaEngineProvider.HOST_PROPERTY);
        System.clearProperty(CudaEngineProvider.PRECISION_PROPERTY);
    }

    private static MultiLayerConfiguration conf(String engine, boolean readout) {
        EqPropBlock block = new EqPropBlock.Builder().nIn(12).layerSizes(readout ? new int[]{20, 8}
                        : new int[]{20, 5}).freeSteps(20).nudgedSteps(8).beta(0.5).engine(engine).build();
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(block);
        b.layer(readout ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .nOut(5).build() : new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build());
        return b.setInputType(InputType.feedForward(12)).build();
    }

    private static INDArray gradient(String engine, boolean readout, String expectEngine) {
        EqPropNetwork net = new EqPropNetwork(conf(engine, readout));
        net.init();
        Random r = new Random(9);
        int n = 11;
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, 12);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 5);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 12; j++) {
                x.putScalar(i, j, r.nextDouble());
            }
            y.putScalar(i, r.nextInt(5), 1.0);
        }
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        assertEquals(expectEngine, block.engineFor(block.chain(), null).name());
        return net.gradient().gradient().dup();
    }

    @Test
    void trainingStepOnTheCudaEngineGivesTheCpuGradient() {
        TestChains.host();
        for (boolean readout : new boolean[]{false, true}) {
            INDArray cpu = gradient("fused", readout, "fused-cpu");
            System.setProperty(CudaEngineProvider.HOST_PROPERTY, "true");
            INDArray cuda = gradient("cuda", readout, "cuda-host-build");
            System.clearProperty(CudaEngineProvider.HOST_PROPERTY);
            double err = TestChains.relativeError(cuda, cpu);
            assertTrue(err < 1e-5, (readout ? "softmax readout" : "squared error") + ": relative error " + err);
            assertTrue(cpu.norm2Number().doubleValue() > 0);
        }
    }

    /** eqprop.cuda.precision selects the engine's operand precision: bf16 gives a nearby, not identical, gradient. */
    @Test
    void precisionPropertySelectsTheReducedPrecisionKernels() {
        TestChains.host();
        System.setProperty(CudaEngineProvider.HOST_PROPERTY, "true");
        INDArray fp32 = gradient("cuda", true, "cuda-host-build");
        System.setProperty(CudaEngineProvider.PRECISION_PROPERTY, "bf16");
        INDArray bf16 = gradient("cuda", true, "cuda-host-build-bf16");
        double err = TestChains.relativeError(bf16, fp32);
        assertTrue(err > 1e-6 && err < 0.05, "bf16 vs fp32 gradient: relative error " + err);
        double cosine = bf16.mul(fp32).sumNumber().doubleValue()
                / (bf16.norm2Number().doubleValue() * fp32.norm2Number().doubleValue());
        assertTrue(cosine > 0.999, "bf16 vs fp32 gradient: cosine " + cosine);
        System.setProperty(CudaEngineProvider.PRECISION_PROPERTY, "fp16");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> gradient("cuda", true, "cuda-host-build"));
        assertTrue(e.getMessage().contains("fp16"), e.getMessage());
    }
}
