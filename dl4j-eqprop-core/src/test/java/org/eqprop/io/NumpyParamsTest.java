package org.eqprop.io;

import org.eqprop.TestNets;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

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
}
