package org.eqprop.cuda;

import org.eqprop.interactions.ConvPoolInteraction;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The implicit GEMM (igemm_tiled.cu: 128×128 tiles, double-buffered shared memory, fp32 on the CUDA cores and tf32 /
 * bf16 through the tensor cores' mma, whose fragment layouts the host build emulates) in its host build, against
 * the CPU engine's convolutions (ConvPoolInteraction in double, the operands rounded to the precision): forward,
 * transpose and weight gradient, at odd sizes (every tile boundary crossed: M, N, K not multiples of 128, 128, 16;
 * stride 2, which the transposed gather handles element by element; 1×1 kernels) and at every cifar10-laborieux
 * layer's shape (batch 1).
 */
class TiledGemmTest {

    /** batch, in, h, w, out, kernel, stride, padding. */
    private static final int[][] SHAPES = {
            {3, 5, 9, 7, 6, 3, 1, 1}, {2, 4, 11, 11, 5, 3, 2, 1}, {2, 33, 6, 6, 130, 3, 1, 0},
            {5, 17, 3, 3, 9, 1, 1, 0}, {1, 3, 32, 32, 128, 3, 1, 1}, {1, 128, 16, 16, 256, 3, 1, 1},
            {1, 256, 8, 8, 512, 3, 1, 1}, {1, 512, 4, 4, 512, 3, 1, 0}};

    private static INDArray rounded(INDArray a, Precision p) {
        float[] v = TestChains.floats(a);
        for (int i = 0; i < v.length; i++) {
            v[i] = p.round(v[i]);
        }
        return Nd4j.create(v, a.shape(), 'c').castTo(DataType.DOUBLE);
    }

    private static void assertClose(float[] got, INDArray expected, String what) {
        double err = TestChains.relativeError(got, TestChains.floats(expected));
        assertTrue(err < 1e-5, what + ": relative error " + err);
    }

    @Test
    void everyModeAndPrecisionMatchesTheCpuConvolutionsAtOddAndPresetShapes() {
        Random r = new Random(41);
        for (Precision p : Precision.values()) {
            CudaKernels k = TestChains.host().withPrecision(p);
            for (int[] s : SHAPES) {
                int batch = s[0], in = s[1], h = s[2], w = s[3], out = s[4], kernel = s[5], stride = s[6];
                int padding = s[7];
                ConvShape shape = new ConvShape(batch, in, h, w, out, kernel, stride, padding, 1);
                INDArray wt = TestChains.uniform(r, -0.3, 0.3, out, in, kernel, kernel);
                INDArray lower = TestChains.uniform(r, -1, 1, batch, in, h, w);
                INDArray upper = TestChains.uniform(r, -1, 1, batch, out, shape.outH(), shape.outW());
                ConvPoolInteraction ref = new ConvPoolInteraction(rounded(wt, p), Nd4j.zeros(DataType.DOUBLE, 1, out),
                        stride, padding, ConvPoolInteraction.Pooling.NONE, 1);
                String what = p + " " + java.util.Arrays.toString(s);

                INDArray z = Nd4j.zeros(DataType.DOUBLE, batch, out, shape.outH(), shape.outW());
                ref.addUpwardDrive(rounded(lower, p), z);
                assertClose(k.igemm(CudaKernels.Igemm.FORWARD, shape, 1f, TestChains.floats(wt),
                        TestChains.floats(lower), null, null), z, "forward " + what);

                INDArray fb = Nd4j.zeros(DataType.DOUBLE, batch, in, h, w);
                ref.addDownwardDrive(rounded(lower, p), rounded(upper, p), fb);
                assertClose(k.igemm(CudaKernels.Igemm.TRANSPOSE, shape, 1f, TestChains.floats(wt), null,
                        TestChains.floats(upper), null), fb, "transpose " + what);

                INDArray gw = Nd4j.zeros(DataType.DOUBLE, wt.shape());
                ref.writeContrastGradient(rounded(lower, p), rounded(upper, p), Nd4j.zeros(DataType.DOUBLE,
                        lower.shape()), Nd4j.zeros(DataType.DOUBLE, upper.shape()), 1,
                        new INDArray[]{gw, Nd4j.zeros(DataType.DOUBLE, 1, out)});
                assertClose(k.igemm(CudaKernels.Igemm.WEIGHT_GRADIENT, shape, 1f, null, TestChains.floats(lower),
                        TestChains.floats(upper), null), gw, "weight gradient " + what);
            }
        }
    }
}
