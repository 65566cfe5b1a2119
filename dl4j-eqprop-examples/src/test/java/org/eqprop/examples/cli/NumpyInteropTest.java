package org.eqprop.examples.cli;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.data.SyntheticImages;
import org.eqprop.io.ModelFiles;
import org.eqprop.io.Npz;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.params.EqPropBlockParamInitializer;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** export, --init-params and gradient on conv nets, in PyTorch's layout. */
class NumpyInteropTest {

    /** cifar10-small's recipe at 2, 3 and 4 channels on 3×16×16 images: maps 8×8, 4×4, 2×2, a readout of 16. */
    static Map<String, INDArray> smallCifarParams() {
        Nd4j.getRandom().setSeed(7);
        Map<String, INDArray> p = new LinkedHashMap<>();
        long[][] shapes = {{2, 3, 3, 3}, {3, 2, 3, 3}, {4, 3, 3, 3}, {10, 16}};
        for (int k = 0; k < shapes.length; k++) {
            p.put("W" + (k + 1), Nd4j.rand(DataType.DOUBLE, shapes[k]).subi(0.5).muli(k < 3 ? 1.2 : 0.8));
            p.put("b" + (k + 1), Nd4j.rand(DataType.DOUBLE, shapes[k][0]).muli(0.1));
        }
        return p;
    }

    static Result gradient(Path dir, Map<String, INDArray> params, Map<String, INDArray> batch, String out)
            throws IOException {
        Npz.write(dir.resolve("p.npz"), params);
        Npz.write(dir.resolve("b.npz"), batch);
        return run("gradient", "--preset", "cifar10-small", "--params", dir.resolve("p.npz").toString(), "--batch",
                dir.resolve("b.npz").toString(), "--out", dir.resolve(out).toString());
    }

    private record Result(int code, String lastLine) {
    }

    private static Result run(String... args) {
        CliTest.Result r = CliTest.run(args);
        return new Result(r.code(), r.lastLine() + (r.code() == 0 ? "" : "\n" + r.err()));
    }

    @Test
    void gradientOfAConvNetEqualsTheJavaApisAndTheReadoutsClosedForm(@TempDir Path dir) throws IOException {
        Map<String, INDArray> params = smallCifarParams();
        int n = 4;
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, 3, 16, 16);
        long[] labels = {3, 0, 9, 3};
        Map<String, INDArray> batch = new LinkedHashMap<>();
        batch.put("x", x);
        batch.put("y", Nd4j.createFromArray(labels));
        Result r = gradient(dir, params, batch, "g.npz");
        assertEquals(0, r.code, r.lastLine);
        assertTrue(r.lastLine.contains("\"architecture\": \"3x16x16-conv"), r.lastLine);
        Map<String, INDArray> g = Npz.read(dir.resolve("g.npz"));
        assertEquals(List.of("dW1", "db1", "dW2", "db2", "dW3", "db3", "dW4", "db4", "s1", "s2", "s3"),
                List.copyOf(g.keySet()));
        for (int k = 1; k <= 4; k++) {
            assertArrayEquals(params.get("W" + k).shape(), g.get("dW" + k).shape(), "dW" + k);
            assertArrayEquals(params.get("b" + k).shape(), g.get("db" + k).shape(), "db" + k);
        }
        assertArrayEquals(new long[]{n, 2, 8, 8}, g.get("s1").shape());
        assertArrayEquals(new long[]{n, 4, 2, 2}, g.get("s3").shape());

        // the same network through the Java API, its parameters set directly in DL4J's layout
        EqPropBlock block = new EqPropBlock.Builder().convLayers(ConvSpec.maxPooled(2, 3, 1),
                        ConvSpec.maxPooled(3, 3, 1), ConvSpec.maxPooled(4, 3, 1)).stateActivation("half-hard-sigmoid")
                .updateOrder("alternating").freeSteps(20).nudgedSteps(6).beta(0.5).estimator("symmetric")
                .engine("reference").build();
        EqPropNetwork net = new EqPropNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(block)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(10).build())
                .setInputType(InputType.convolutionalFlat(16, 16, 3)).build());
        net.init();
        for (int k = 0; k < 3; k++) {
            net.getLayer(0).getParam(EqPropBlockParamInitializer.weightKey(k)).assign(params.get("W" + (k + 1)));
            net.getLayer(0).getParam(EqPropBlockParamInitializer.biasKey(k)).assign(params.get("b" + (k + 1))
                    .reshape(1, -1));
        }
        net.getLayer(1).getParam("W").assign(params.get("W4").transpose());
        net.getLayer(1).getParam("b").assign(params.get("b4").reshape(1, -1));
        INDArray oneHot = Nd4j.zeros(DataType.DOUBLE, n, 10);
        for (int i = 0; i < n; i++) {
            oneHot.putScalar(i, labels[i], 1.0);
        }
        net.setInput(x.reshape('c', n, 3 * 16 * 16));
        net.setLabels(oneHot);
        net.computeGradientAndScore();
        for (int k = 0; k < 3; k++) {
            INDArray expected = net.gradient().getGradientFor("0_" + EqPropBlockParamInitializer.weightKey(k)).div(n);
            assertTrue(expected.equalsWithEps(g.get("dW" + (k + 1)), 1e-12), "dW" + (k + 1));
            assertTrue(net.gradient().getGradientFor("0_" + EqPropBlockParamInitializer.biasKey(k)).div(n)
                    .reshape(-1).equalsWithEps(g.get("db" + (k + 1)), 1e-12), "db" + (k + 1));
        }
        assertTrue(net.gradient().getGradientFor("1_W").transpose().div(n).equalsWithEps(g.get("dW4"), 1e-12));
        assertTrue(g.get("dW1").norm2Number().doubleValue() > 0);

        // the readout in PyTorch's terms: o = softmax(flatten(s3) W4ᵀ + b4), dW4 = mean of (o − y) flatten(s3)ᵀ
        INDArray s3 = g.get("s3").reshape('c', n, 16);
        INDArray o = Transforms.softmax(s3.mmul(params.get("W4").transpose()).addiRowVector(params.get("b4")), false);
        INDArray expected = o.sub(oneHot).transpose().mmul(s3).divi(n);
        assertTrue(expected.equalsWithEps(g.get("dW4"), 1e-12), expected + " vs " + g.get("dW4"));

        // x flattened to [n, c·h·w] and y one-hot give the same file
        batch.put("x", x.reshape('c', n, 768));
        batch.put("y", oneHot);
        Result flat = gradient(dir, params, batch, "g2.npz");
        assertEquals(0, flat.code, flat.lastLine);
        Map<String, INDArray> g2 = Npz.read(dir.resolve("g2.npz"));
        for (String key : g.keySet()) {
            assertEquals(g.get(key), g2.get(key), key);
        }
    }

    @Test
    void wrongShapesAreRefusedNamingTheKeyTheExpectedAndTheActualShape(@TempDir Path dir) throws IOException {
        Map<String, INDArray> batch = new LinkedHashMap<>();
        batch.put("x", Nd4j.rand(DataType.DOUBLE, 2, 3, 16, 16));
        batch.put("y", Nd4j.createFromArray(1L, 2L));

        Map<String, INDArray> p = smallCifarParams();
        p.put("W4", Nd4j.rand(DataType.DOUBLE, 10, 64));
        Result r = gradient(dir, p, batch, "g.npz");
        assertEquals(2, r.code, r.lastLine);
        assertTrue(r.lastLine.contains("W4 must be [10, 16] (PyTorch layout [out, in], in = 4·2·2 (the map [c, h, w] "
                + "flattened in NCHW order)), got [10, 64]"), r.lastLine);

        p = smallCifarParams();
        p.put("W2", Nd4j.rand(DataType.DOUBLE, 3, 2, 5, 5));
        r = gradient(dir, p, batch, "g.npz");
        assertEquals(2, r.code, r.lastLine);
        assertTrue(r.lastLine.contains("W2 must be [3, 2, 3, 3] (PyTorch layout [out, in, kH, kW]), got [3, 2, 5, 5]"),
                r.lastLine);

        p = smallCifarParams();
        p.put("W1", Nd4j.rand(DataType.DOUBLE, 2, 27));
        r = gradient(dir, p, batch, "g.npz");
        assertEquals(2, r.code, r.lastLine);
        assertTrue(r.lastLine.contains("W1 must be [out, in, 3, 3] (convolution 1 of preset cifar10-small), got [2, 27]"),
                r.lastLine);

        p = smallCifarParams();
        p.remove("b3");
        r = gradient(dir, p, batch, "g.npz");
        assertEquals(2, r.code, r.lastLine);
        assertTrue(r.lastLine.contains("missing b3: expected [4]"), r.lastLine);

        p = smallCifarParams();
        batch.put("x", Nd4j.rand(DataType.DOUBLE, 2, 1, 16, 16));
        r = gradient(dir, p, batch, "g.npz");
        assertEquals(2, r.code, r.lastLine);
        assertTrue(r.lastLine.contains("x must be [n, 3, h, w], or [n, 3·h·w] with square maps (W1 takes 3 channels), "
                + "got [2, 1, 16, 16]"), r.lastLine);

        batch.put("x", Nd4j.rand(DataType.DOUBLE, 2, 3, 16, 16));
        batch.put("y", Nd4j.zeros(DataType.DOUBLE, 2, 3));
        r = gradient(dir, p, batch, "g.npz");
        assertEquals(2, r.code, r.lastLine);
        assertTrue(r.lastLine.contains("y must be [2] integer labels or [2, 10] one-hot, got [2, 3]"), r.lastLine);
        assertTrue(!dir.resolve("g.npz").toFile().exists(), "nothing written on a refusal");
    }

    @Test
    void aConvModelExportsAndImportsBitIdentical(@TempDir Path dir) throws IOException {
        Preset preset = Preset.named("mnist-conv");
        EqPropNetwork trained = new EqPropNetwork(preset.configuration(1, DataType.FLOAT));
        trained.init();
        ModelFiles.save(trained, dir.resolve("model.zip"));
        Result ex = run("export", "--model", dir.resolve("model.zip").toString(), "--out",
                dir.resolve("p.npz").toString());
        assertEquals(0, ex.code, ex.lastLine);
        Map<String, INDArray> p = Npz.read(dir.resolve("p.npz"));
        assertEquals(List.of("W1", "b1", "W2", "b2", "W3", "b3"), List.copyOf(p.keySet()));
        assertArrayEquals(new long[]{32, 1, 5, 5}, p.get("W1").shape());
        assertArrayEquals(new long[]{64, 32, 5, 5}, p.get("W2").shape());
        assertArrayEquals(new long[]{10, 64 * 4 * 4}, p.get("W3").shape());
        assertEquals(trained.getLayer(0).getParam(EqPropBlockParamInitializer.weightKey(1)), p.get("W2"));

        // the way back (what --init-params does) restores every bit
        MultiLayerNetwork other = new EqPropNetwork(Preset.named("mnist-conv").configuration(2, DataType.FLOAT));
        other.init();
        ExportCommand.load(other, dir.resolve("p.npz"), "--init-params");
        INDArray a = trained.params();
        INDArray b = other.params();
        assertEquals(a.length(), b.length());
        for (long i = 0; i < a.length(); i++) {
            assertEquals(Float.floatToRawIntBits(a.getFloat(i)), Float.floatToRawIntBits(b.getFloat(i)), "param " + i);
        }

        // through the command line: a run starts from them, and a file of another architecture is refused
        Path data = dir.resolve("data");
        SyntheticImages.writeMnistLike(data, 8, 4);
        Result again = run("train", "--preset", "mnist-conv", "--epochs", "1", "--data-dir", data.toString(),
                "--out", dir.resolve("run").toString(), "--init-params", dir.resolve("p.npz").toString(),
                "--free-steps", "2", "--nudged-steps", "1", "--batch-size", "4", "--train-limit", "4",
                "--test-limit", "4");
        assertEquals(0, again.code, again.lastLine);
        p.put("W2", Nd4j.zeros(DataType.FLOAT, 64, 32, 3, 3));
        Npz.write(dir.resolve("bad.npz"), p);
        Result bad = run("train", "--preset", "mnist-conv", "--epochs", "1", "--data-dir", data.toString(),
                "--out", dir.resolve("run2").toString(), "--init-params", dir.resolve("bad.npz").toString());
        assertEquals(2, bad.code, bad.lastLine);
        assertTrue(bad.lastLine.contains("W2 must be [64, 32, 5, 5] (PyTorch layout [out, in, kH, kW]), got "
                + "[64, 32, 3, 3]"), bad.lastLine);
    }
}
