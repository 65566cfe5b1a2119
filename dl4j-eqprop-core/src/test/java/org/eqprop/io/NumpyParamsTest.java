package org.eqprop.io;

import org.eqprop.TestNets;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NumpyParamsTest {

    static EqPropNetwork net(long seed) {
        EqPropNetwork net = new EqPropNetwork(TestNets.readout(DataType.FLOAT,
                new EqPropBlock.Builder().nIn(6).layerSizes(9, 5).freeSteps(20).build(), 3, seed));
        net.init();
        return net;
    }

    @Test
    void exportUsesPyTorchLayoutAndLoadsBackExactly(@TempDir Path dir) throws IOException {
        EqPropNetwork a = net(1);
        Map<String, INDArray> p = NumpyParams.export(a);
        assertEquals(java.util.List.of("W1", "b1", "W2", "b2", "W3", "b3"), new java.util.ArrayList<>(p.keySet()));
        assertArrayEquals(new long[]{9, 6}, p.get("W1").shape());
        assertArrayEquals(new long[]{3, 5}, p.get("W3").shape(), "the readout comes last");
        assertEquals(a.getLayer(0).getParam("W1").getDouble(2, 7), p.get("W1").getDouble(7, 2));
        Npz.write(dir.resolve("p.npz"), p);
        EqPropNetwork b = net(2);
        NumpyParams.load(b, Npz.read(dir.resolve("p.npz")));
        assertEquals(a.params(), b.params());
        INDArray x = TestNets.data(DataType.FLOAT, 4, 6, 3, 1).getFeatures();
        assertEquals(a.output(x), b.output(x));
    }

    @Test
    void wrongNamesOrShapesAreRejectedBeforeAnythingIsChanged() {
        EqPropNetwork a = net(1);
        Map<String, INDArray> p = NumpyParams.export(a);
        p.put("W2", p.get("W2").transpose().dup());
        EqPropNetwork b = net(2);
        INDArray before = b.params().dup();
        IOException e = assertThrows(IOException.class, () -> NumpyParams.load(b, p));
        assertTrue(e.getMessage().contains("W2 must be [5, 9]"), e.getMessage());
        assertEquals(before, b.params());
        Map<String, INDArray> missing = NumpyParams.export(a);
        missing.remove("b3");
        assertThrows(IOException.class, () -> NumpyParams.load(b, missing));
    }

    /** Two pooled convolutions (3→2→4 channels on 3×8×8, maps 2×4×4 and 4×2×2), a dense layer of 5, a readout of 3. */
    static EqPropNetwork convNet(long seed) {
        EqPropBlock block = new EqPropBlock.Builder().convLayers(ConvSpec.maxPooled(2, 3, 1), ConvSpec.maxPooled(4, 3, 1))
                .layerSizes(5).stateActivation("half-hard-sigmoid").freeSteps(10).nudgedSteps(4).build();
        EqPropNetwork net = new EqPropNetwork(new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .weightInit(WeightInit.UNIFORM).updater(new Sgd(0.1)).list().layer(block)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(3).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 3)).build());
        net.init();
        return net;
    }

    @Test
    void convNetsExportInPyTorchLayoutAndLoadBackBitIdentical(@TempDir Path dir) throws IOException {
        EqPropNetwork a = convNet(1);
        Map<String, INDArray> p = NumpyParams.export(a);
        assertEquals(java.util.List.of("W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"),
                new java.util.ArrayList<>(p.keySet()));
        assertArrayEquals(new long[]{2, 3, 3, 3}, p.get("W1").shape(), "Conv2d [out, in, kH, kW]");
        assertArrayEquals(new long[]{2}, p.get("b1").shape());
        assertArrayEquals(new long[]{4, 2, 3, 3}, p.get("W2").shape());
        assertArrayEquals(new long[]{5, 16}, p.get("W3").shape(), "Linear [out, c·h·w] after the 4×2×2 map");
        assertArrayEquals(new long[]{3, 5}, p.get("W4").shape(), "the readout, Linear [classes, features]");
        INDArray convView = a.getLayer(0).getParam("W1");
        assertEquals(convView.getDouble(1, 2, 0, 2), p.get("W1").getDouble(1, 2, 0, 2), "no transpose of a conv");
        assertEquals(a.getLayer(1).getParam("W").getDouble(4, 2), p.get("W4").getDouble(2, 4), "DL4J [in, out]");
        Npz.write(dir.resolve("p.npz"), p);
        EqPropNetwork b = convNet(2);
        assertTrue(!a.params().equals(b.params()));
        NumpyParams.load(b, Npz.read(dir.resolve("p.npz")));
        INDArray pa = a.params();
        INDArray pb = b.params();
        for (long i = 0; i < pa.length(); i++) {
            assertEquals(Float.floatToRawIntBits(pa.getFloat(i)), Float.floatToRawIntBits(pb.getFloat(i)), "param " + i);
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3 * 8 * 8);
        assertEquals(a.output(x), b.output(x));
    }

    @Test
    void convShapesAreRefusedNamingTheKeyAndBothShapes() {
        EqPropNetwork net = convNet(1);
        Map<String, INDArray> p = NumpyParams.export(net);
        p.put("W2", Nd4j.zeros(DataType.FLOAT, 4, 2, 5, 5));
        NumpyParams.Mismatch e = assertThrows(NumpyParams.Mismatch.class, () -> NumpyParams.load(convNet(2), p));
        assertEquals("W2 must be [4, 2, 3, 3] (PyTorch layout [out, in, kH, kW]), got [4, 2, 5, 5]", e.getMessage());

        Map<String, INDArray> flat = NumpyParams.export(net);
        flat.put("W3", Nd4j.zeros(DataType.FLOAT, 5, 64));
        e = assertThrows(NumpyParams.Mismatch.class, () -> NumpyParams.load(convNet(2), flat));
        assertEquals("W3 must be [5, 16] (PyTorch layout [out, in], in = 4·2·2 (the map [c, h, w] flattened in NCHW "
                + "order)), got [5, 64]", e.getMessage());

        Map<String, INDArray> missing = NumpyParams.export(net);
        missing.remove("b4");
        e = assertThrows(NumpyParams.Mismatch.class, () -> NumpyParams.load(convNet(2), missing));
        assertEquals("missing b4: expected [3] (PyTorch layout [out]); the network has 4 weight/bias pairs",
                e.getMessage());

        Map<String, INDArray> extra = NumpyParams.export(net);
        extra.put("W5", Nd4j.zeros(DataType.FLOAT, 3, 3));
        e = assertThrows(NumpyParams.Mismatch.class, () -> NumpyParams.load(convNet(2), extra));
        assertTrue(e.getMessage().startsWith("W5: the network has 4 weight arrays"), e.getMessage());
    }
}
