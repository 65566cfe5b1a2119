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
}
