package org.eqprop.cuda;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.costs.HalfSquaredError;
import org.eqprop.engines.EngineChoice;
import org.eqprop.dynamics.ResidentIteration;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.layers.EqPropBlockLayer;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole GPU path of DL4J training, Java → JNI → driver API → kernels, against the CPU stand-in of libcuda.so.1
 * (tag "standin": its own surefire run with {@code eqprop.cuda.driver} pointing at the stand-in). A block's
 * iteration is resident on the "device": the free phase, both nudged phases and the contrast run there, and the
 * gradient equals the CPU engines' for dense and convolutional blocks, squared-error, softmax-readout and held
 * forces, both layer orders and both relaxation modes.
 */
@Tag("standin")
class StandinTrainingTest {

    @BeforeAll
    static void standIn() {
        CudaRuntime.Status s = CudaRuntime.status();
        // without nvcc the jar holds no kernels and nothing can run on a driver (the build said so)
        org.junit.jupiter.api.Assumptions.assumeTrue(CudaRuntime.resource(CudaRuntime.FATBIN) != null,
                "built without nvcc: " + s.reason());
        assertTrue(s.gpuUsable(), "the stand-in driver must be usable: " + s.reason());
        assertTrue(s.reason().contains("stand-in"), s.reason());
    }

    @AfterEach
    void reset() {
        System.clearProperty("eqprop.cuda.session.mode");
        EqpropNative.cuda_use_vendor_libraries(-1);
        EqpropNative.cuda_standin_set("fast", 0);
        EqpropNative.cuda_standin_set("reverse", 0);
        EngineChoice.enable("cuda");
    }

    static MultiLayerConfiguration dense(String engine, boolean readout, String order, double tolerance) {
        EqPropBlock block = new EqPropBlock.Builder().nIn(12).layerSizes(readout ? new int[]{20, 9, 8}
                        : new int[]{20, 5}).freeSteps(25).nudgedSteps(8).beta(0.5).updateOrder(order)
                .tolerance(tolerance).engine(engine).build();
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(block);
        b.layer(readout ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .nOut(5).build() : new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build());
        return b.setInputType(InputType.feedForward(12)).build();
    }

    /** conv (max) → conv (avg or max) → dense top, on 3×8×8 maps; a softmax readout or squared error. */
    static MultiLayerConfiguration conv(String engine, boolean readout, String order, String secondPooling) {
        EqPropBlock block = new EqPropBlock.Builder().convLayers(ConvSpec.maxPooled(4, 3, 1),
                        new ConvSpec(6, 3, 1, secondPooling, 2)).layerSizes(readout ? new int[]{7} : new int[]{5})
                .stateActivation("half-hard-sigmoid").freeSteps(20).nudgedSteps(6).beta(0.5).updateOrder(order)
                .engine(engine).build();
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(block);
        b.layer(readout ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                .nOut(5).build() : new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build());
        return b.setInputType(InputType.convolutionalFlat(8, 8, 3)).build();
    }

    static DataSet data(int n, int inputs, int classes, long seed) {
        Random r = new Random(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, inputs);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < inputs; j++) {
                x.putScalar(i, j, r.nextDouble());
            }
            y.putScalar(i, r.nextInt(classes), 1.0);
        }
        return new DataSet(x, y);
    }

    /** The gradient of one training step (EqPropNetwork: recomputed force; plain network: held force). */
    static INDArray gradient(MultiLayerConfiguration conf, boolean trainer, DataSet ds, Consumer<EqPropBlockLayer> check) {
        MultiLayerNetwork net = trainer ? new EqPropNetwork(conf) : new MultiLayerNetwork(conf);
        net.init();
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        check.accept(block);
        INDArray g = net.gradient().gradient().dup();
        block.closeResident();
        return g;
    }

    static void onDevice(EqPropBlockLayer block) {
        assertEquals("cuda", block.residentEngine(), "the iteration must be resident on the CUDA engine");
        assertNotNull(block.freeEquilibrium().location());
    }

    static void onHost(EqPropBlockLayer block) {
        assertNull(block.residentEngine());
    }

    @Test
    void denseIterationOnTheDeviceGivesTheCpuGradient() {
        DataSet ds = data(11, 12, 5, 9);
        for (int libraries = 0; libraries < 2; libraries++) {
            EqpropNative.cuda_use_vendor_libraries(libraries);
            denseModes(ds, libraries == 1 ? "cuBLAS" : "own kernels");
        }
    }

    private static void denseModes(DataSet ds, String route) {
        for (String mode : new String[]{"1", "2"}) {
            for (String order : new String[]{"synchronous", "alternating"}) {
                for (int force = 0; force < 3; force++) {
                    boolean readout = force == 1;
                    boolean trainer = force < 2;
                    System.clearProperty("eqprop.cuda.session.mode");
                    INDArray cpu = gradient(dense("cpu", readout, order, 0), trainer, ds, StandinTrainingTest::onHost);
                    System.setProperty("eqprop.cuda.session.mode", mode);
                    INDArray gpu = gradient(dense("cuda", readout, order, 0), trainer, ds, StandinTrainingTest::onDevice);
                    double err = TestChains.relativeError(gpu, cpu);
                    String what = route + ", " + (mode.equals("1") ? "persistent" : "layered") + ", " + order + ", "
                            + new String[]{"squared error", "softmax readout", "held force"}[force];
                    assertTrue(err < 2e-5, what + ": relative error " + err);
                    assertTrue(cpu.norm2Number().doubleValue() > 0, what);
                }
            }
        }
    }

    @Test
    void convIterationOnTheDeviceGivesTheReferenceGradient() {
        DataSet ds = data(6, 3 * 8 * 8, 5, 12);
        for (int libraries = 0; libraries < 2; libraries++) {
            EqpropNative.cuda_use_vendor_libraries(libraries);
            String route = libraries == 1 ? "cudnn" : "own";
            for (String order : new String[]{"synchronous", "alternating"}) {
                for (String pooling : new String[]{"avg", "max"}) {
                    for (int force = 0; force < 3; force++) {
                        boolean readout = force == 1;
                        boolean trainer = force < 2;
                        INDArray cpu = gradient(conv("reference", readout, order, pooling), trainer, ds,
                                StandinTrainingTest::onHost);
                        INDArray gpu = gradient(conv("cuda", readout, order, pooling), trainer, ds, block -> {
                            onDevice(block);
                            assertEquals(route, block.residentIteration().convolutionLibrary(),
                                    block.residentIteration().describe());
                        });
                        double err = TestChains.relativeError(gpu, cpu);
                        String what = route + " convolutions, " + order + ", " + pooling + " pooling, "
                                + new String[]{"squared error", "softmax readout", "held force"}[force];
                        assertTrue(err < 1e-4, what + ": relative error " + err);
                        assertTrue(cosine(gpu, cpu) > 0.9999, what + ": cosine " + cosine(gpu, cpu));
                    }
                }
            }
        }
    }

    static double cosine(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue() / (a.norm2Number().doubleValue() * b.norm2Number().doubleValue());
    }

    /** The products' routes as reported: cuDNN and cuBLAS (the stand-ins) when present and wanted, else the kernels. */
    @Test
    void theLibrariesRouteIsReportedAndCanBeSwitchedOff() {
        DataSet ds = data(6, 3 * 8 * 8, 5, 17);
        EqpropNative.cuda_use_vendor_libraries(1);
        gradient(conv("cuda", true, "synchronous", "max"), true, ds, block -> {
            String d = block.residentIteration().describe();
            assertTrue(d.contains("convolutions: cuDNN 9.19.0") && d.contains("dense products: cuBLAS 13.0"), d);
        });
        EqpropNative.cuda_use_vendor_libraries(0);
        gradient(conv("cuda", true, "synchronous", "max"), true, ds, block -> {
            String d = block.residentIteration().describe();
            assertTrue(d.contains("convolutions: own kernels (libraries off)"), d);
            assertEquals("own", block.residentIteration().convolutionLibrary());
        });
    }

    @Test
    void blocksAndThreadsInReverseOrderGiveTheSameGradient() {
        DataSet ds = data(6, 3 * 8 * 8, 5, 13);
        INDArray forward = gradient(conv("cuda", true, "synchronous", "max"), true, ds, StandinTrainingTest::onDevice);
        EqpropNative.cuda_standin_set("reverse", 1);
        INDArray reverse = gradient(conv("cuda", true, "synchronous", "max"), true, ds, StandinTrainingTest::onDevice);
        assertEquals(0.0, TestChains.relativeError(reverse, forward), 1e-6);
    }

    @Test
    void afterTheFirstIterationNothingIsAllocatedAndOnlyTheMinibatchGoesUp() {
        int n = 16;
        DataSet ds = data(n, 3 * 8 * 8, 5, 14);
        EqPropNetwork net = new EqPropNetwork(conv("cuda", true, "synchronous", "max"));
        net.init();
        net.fit(ds);
        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        ResidentIteration.Traffic first = block.deviceTraffic();
        net.fit(ds);
        net.fit(ds);
        ResidentIteration.Traffic two = block.deviceTraffic().minus(first);
        assertEquals(0, two.allocations(), "device allocations after the first iteration");
        long minibatch = 4L * n * (3 * 8 * 8 + 5);
        long parameters = 4L * block.numParams();
        long readout = 4L * net.getLayer(1).numParams();
        assertEquals(2 * (minibatch + parameters + readout), two.h2dBytes(), "bytes up in two iterations");
        long output = 4L * n * 7;
        assertTrue(two.d2hBytes() <= 2 * (output + parameters + 256), "bytes down: " + two.d2hBytes());
        assertTrue(two.launches() > 0);
    }

    @Test
    void aWideDenseBlockRunsLayeredOnTheDevice() {
        EqPropBlock block = new EqPropBlock.Builder().nIn(784).layerSizes(4096, 10).freeSteps(3).nudgedSteps(2)
                .beta(0.5).engine("auto").build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(block)
                .layer(new LossLayer.Builder(new HalfSquaredError()).activation(Activation.IDENTITY).build())
                .setInputType(InputType.feedForward(784)).build();
        EqpropNative.cuda_standin_set("fast", 1);
        DataSet ds = data(4, 784, 10, 15);
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        net.fit(ds);
        EqPropBlockLayer layer = (EqPropBlockLayer) net.getLayer(0);
        assertEquals("cuda", layer.residentEngine());
        assertTrue(Double.isFinite(net.score()));
    }

    @Test
    void aLaunchFailureMidTrainingFallsBackToTheCpuEngine() {
        DataSet ds = data(8, 3 * 8 * 8, 5, 16);
        EqPropNetwork net = new EqPropNetwork(conv("cuda", true, "synchronous", "max"));
        net.init();
        net.fit(ds);
        EqPropBlockLayer block = (EqPropBlockLayer) net.getLayer(0);
        assertEquals("cuda", block.residentEngine());
        // the 40th launch from now fails: inside the next iteration's free phase
        assertEquals(0, EqpropNative.cuda_standin_inject(1, 40));
        net.fit(ds);
        assertNull(block.residentEngine(), "the failed engine must be let go");
        assertNotNull(EngineChoice.disabled("cuda"), "the failed engine must be out of the choice");
        assertTrue(EngineChoice.disabled("cuda").contains("unspecified launch failure"), EngineChoice.disabled("cuda"));
        assertTrue(Double.isFinite(net.score()));
        net.fit(ds);
        assertTrue(net.params().norm2Number().doubleValue() > 0 && Double.isFinite(net.params().sumNumber()
                .doubleValue()));
        // a fresh network with the engine put back works on the reset context
        EngineChoice.enable("cuda");
        EqPropNetwork again = new EqPropNetwork(conv("cuda", true, "synchronous", "max"));
        again.init();
        again.fit(ds);
        assertEquals("cuda", ((EqPropBlockLayer) again.getLayer(0)).residentEngine());
    }
}
