package org.eqprop.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelGemmTest {

    @Test
    void splitProductsEqualOneBlasCall() {
        Nd4j.getRandom().setSeed(3);
        for (boolean transA : new boolean[]{false, true}) {
            for (boolean transB : new boolean[]{false, true}) {
                INDArray a = transA ? Nd4j.rand(DataType.DOUBLE, 150, 301) : Nd4j.rand(DataType.DOUBLE, 301, 150);
                INDArray b = transB ? Nd4j.rand(DataType.DOUBLE, 120, 150) : Nd4j.rand(DataType.DOUBLE, 150, 120);
                INDArray c0 = Nd4j.rand(DataType.DOUBLE, 301, 120);
                INDArray expected = c0.dup();
                Nd4j.gemm(a, b, expected, transA, transB, 0.7, 0.3);
                INDArray actual = c0.dup();
                ParallelGemm.gemm(a, b, actual, transA, transB, 0.7, 0.3);
                assertTrue(expected.equalsWithEps(actual, 1e-10), transA + " " + transB);
            }
        }
    }

    /** The column split (op(b) the larger operand, as W_1 in x W_1), on views of a flat array as DL4J's parameters. */
    @Test
    void columnSplitEqualsOneBlasCall() {
        Nd4j.getRandom().setSeed(5);
        for (boolean transB : new boolean[]{false, true}) {
            INDArray a = Nd4j.rand(DataType.FLOAT, 64, 250);
            INDArray flat = Nd4j.rand(DataType.FLOAT, 1, 250 * 300 + 17);
            INDArray b = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(17, 17 + 250 * 300))
                    .reshape('c', transB ? 300 : 250, transB ? 250 : 300);
            INDArray c0 = Nd4j.rand(DataType.FLOAT, 64, 300);
            INDArray expected = c0.dup();
            Nd4j.gemm(a, b, expected, false, transB, 0.7, 0.3);
            INDArray actual = c0.dup();
            ParallelGemm.gemm(a, b, actual, false, transB, 0.7, 0.3);
            assertTrue(expected.equalsWithEps(actual, 1e-4), "transB " + transB);
            assertTrue(expected.sub(actual).amaxNumber().doubleValue() < 1e-4);
        }
    }
}
