package org.eqprop.cuda;

import org.eqprop.interactions.DenseInteraction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host build of the EqProp weight-gradient reductions (contrast_grad.cu) against DenseInteraction's
 * scale · (∂Φ/∂θ(a) − ∂Φ/∂θ(b)) (thesis eq. 5.22): free lower states and the clamped input, sizes that do not
 * divide the 16×16 tiles, and packed states read at a row stride.
 */
class ContrastGradientKernelTest {

    @Test
    void denseContrastMatchesTheCpuInteraction() {
        CudaKernels host = TestChains.host();
        Random r = new Random(71);
        int[][] cases = {{13, 37, 19}, {40, 16, 16}, {1, 5, 3}, {33, 70, 10}};
        for (int[] c : cases) {
            int batch = c[0];
            int nIn = c[1];
            int nOut = c[2];
            DenseInteraction d = new DenseInteraction(Nd4j.zeros(DataType.FLOAT, nIn, nOut),
                    Nd4j.zeros(DataType.FLOAT, 1, nOut));
            INDArray aL = TestChains.uniform(r, 0, 1, batch, nIn);
            INDArray aU = TestChains.uniform(r, 0, 1, batch, nOut);
            INDArray bU = TestChains.uniform(r, 0, 1, batch, nOut);
            for (boolean clamped : new boolean[]{false, true}) {
                INDArray bL = clamped ? aL : TestChains.uniform(r, 0, 1, batch, nIn);
                INDArray gw = Nd4j.zeros(DataType.FLOAT, nIn, nOut);
                INDArray gb = Nd4j.zeros(DataType.FLOAT, 1, nOut);
                d.writeContrastGradient(aL, aU, bL, bU, -1.0 / 0.6, new INDArray[]{gw, gb});
                float scale = (float) (-1.0 / 0.6);
                float[] w = host.denseContrast(batch, nIn, nOut, nIn, nOut, scale, TestChains.floats(aL),
                        TestChains.floats(aU), TestChains.floats(bL), TestChains.floats(bU));
                float[] b = host.channelContrast(batch, nOut, 1, nOut, scale, TestChains.floats(aU),
                        TestChains.floats(bU));
                String what = java.util.Arrays.toString(c) + (clamped ? " clamped" : "");
                double ew = TestChains.relativeError(w, TestChains.floats(gw));
                double eb = TestChains.relativeError(b, TestChains.floats(gb));
                assertTrue(ew < 1e-5, what + ": weights relative error " + ew);
                assertTrue(eb < 1e-5, what + ": bias relative error " + eb);
            }
        }
    }

    @Test
    void readsLayersOutOfPackedStates() {
        CudaKernels host = TestChains.host();
        Random r = new Random(72);
        int batch = 9;
        int n1 = 21;
        int n2 = 6;
        // packed example rows [s_1 | s_2] as the dense kernel writes them; the contrast of W_2 reads both at stride
        INDArray a = TestChains.uniform(r, 0, 1, batch, n1 + n2);
        INDArray b = TestChains.uniform(r, 0, 1, batch, n1 + n2);
        float[] pa = TestChains.floats(a);
        float[] pb = TestChains.floats(b);
        float[] upperA = java.util.Arrays.copyOfRange(pa, n1, pa.length);
        float[] upperB = java.util.Arrays.copyOfRange(pb, n1, pb.length);
        // the upper rows start n1 floats in: pass the tail with the same stride
        float[] aU = new float[batch * (n1 + n2)];
        float[] bU = new float[batch * (n1 + n2)];
        System.arraycopy(upperA, 0, aU, 0, upperA.length);
        System.arraycopy(upperB, 0, bU, 0, upperB.length);
        float[] w = host.denseContrast(batch, n1, n2, n1 + n2, n1 + n2, 0.5f, pa, aU, pb, bU);
        INDArray gw = Nd4j.zeros(DataType.FLOAT, n1, n2);
        new DenseInteraction(Nd4j.zeros(DataType.FLOAT, n1, n2), Nd4j.zeros(DataType.FLOAT, 1, n2))
                .writeContrastGradient(a.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n1)).dup(),
                        a.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.interval(n1, n1 + n2)).dup(),
                        b.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n1)).dup(),
                        b.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.interval(n1, n1 + n2)).dup(),
                        0.5, new INDArray[]{gw, Nd4j.zeros(DataType.FLOAT, 1, n2)});
        assertTrue(TestChains.relativeError(w, TestChains.floats(gw)) < 1e-5);
    }

    @Test
    void badSizesAreRejectedWithTheirValues() {
        CudaKernels host = TestChains.host();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> host.denseContrast(4, 3, 2, 3, 2, 1f, new float[11], new float[8], new float[12], new float[8]));
        assertTrue(e.getMessage().contains("12") && e.getMessage().contains("11"), e.getMessage());
    }
}
