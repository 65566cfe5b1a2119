package org.eqprop.interactions;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Winograd F(2×2, 3×3) against the im2col convolution (float32): the upward drive P(w ⋆ h) + b and the feedback
 * w ⋆ᵀ g added into a lower drive, for odd and even maps, paddings 0–2 and channel counts that are not multiples of
 * anything; the transformed kernels follow the weights when they change.
 */
class WinogradConvolutionTest {

    private static ConvPoolInteraction conv(INDArray w, INDArray b, int padding, ConvPoolInteraction.Algorithm a) {
        return new ConvPoolInteraction(w, b, 1, padding, ConvPoolInteraction.Pooling.NONE, 1, a);
    }

    /** ‖a − b‖∞ / ‖b‖∞. */
    private static double relative(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue() / b.amaxNumber().doubleValue();
    }

    private static void assertAgree(ConvPoolInteraction wino, ConvPoolInteraction direct, long[] lowerShape,
                                    String what) {
        INDArray h = Nd4j.rand(DataType.FLOAT, lowerShape);
        INDArray z = direct.convolve(h).dup();
        long[] upperShape = z.shape();
        INDArray upW = Nd4j.zeros(DataType.FLOAT, upperShape);
        INDArray upD = Nd4j.zeros(DataType.FLOAT, upperShape);
        wino.addUpwardDrive(h, upW);
        direct.addUpwardDrive(h, upD);
        double up = relative(upW, upD);
        assertTrue(up < 1e-5, what + ": upward drive, relative error " + up);
        INDArray g = Nd4j.rand(DataType.FLOAT, upperShape);
        INDArray start = Nd4j.rand(DataType.FLOAT, lowerShape);
        INDArray downW = start.dup();
        INDArray downD = start.dup();
        wino.addDownwardDrive(h, g, downW);
        direct.addDownwardDrive(h, g, downD);
        double down = relative(downW.sub(start), downD.sub(start));
        assertTrue(down < 1e-5, what + ": feedback, relative error " + down);
    }

    @Test
    void winogradMatchesIm2colForwardAndTransposed() {
        Nd4j.getRandom().setSeed(21);
        // {batch, in, height, width, out, padding}: odd maps leave half tiles at the edges
        int[][] cases = {{2, 8, 7, 9, 9, 1}, {3, 12, 8, 8, 16, 0}, {1, 9, 5, 4, 8, 2}, {2, 16, 4, 4, 8, 0},
                {2, 3, 6, 6, 5, 1}};
        for (int[] c : cases) {
            INDArray w = Nd4j.rand(DataType.FLOAT, c[4], c[1], 3, 3).subi(0.5);
            INDArray b = Nd4j.rand(DataType.FLOAT, 1, c[4]);
            assertAgree(conv(w, b, c[5], ConvPoolInteraction.Algorithm.WINOGRAD),
                    conv(w, b, c[5], ConvPoolInteraction.Algorithm.IM2COL), new long[]{c[0], c[1], c[2], c[3]},
                    java.util.Arrays.toString(c));
        }
    }

    @Test
    void transformedKernelsFollowTheWeights() {
        Nd4j.getRandom().setSeed(22);
        INDArray w = Nd4j.rand(DataType.FLOAT, 8, 8, 3, 3).subi(0.5);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1, 8);
        ConvPoolInteraction wino = conv(w, b, 1, ConvPoolInteraction.Algorithm.WINOGRAD);
        ConvPoolInteraction direct = conv(w, b, 1, ConvPoolInteraction.Algorithm.IM2COL);
        assertAgree(wino, direct, new long[]{2, 8, 6, 6}, "before the update");
        w.putScalar(new long[]{3, 2, 1, 1}, w.getFloat(3, 2, 1, 1) + 0.25f);   // an update in place
        assertAgree(wino, direct, new long[]{2, 8, 6, 6}, "after one weight changed");
        w.muli(-1.5f);
        assertAgree(wino, direct, new long[]{2, 8, 6, 6}, "after all weights changed");
    }

    @Test
    void winogradIsRefusedWhereItDoesNotApply() {
        INDArray w5 = Nd4j.rand(DataType.FLOAT, 4, 4, 5, 5);
        INDArray b = Nd4j.rand(DataType.FLOAT, 1, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> conv(w5, b, 1, ConvPoolInteraction.Algorithm.WINOGRAD));
        assertTrue(e.getMessage().contains("3x3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConvPoolInteraction(Nd4j.rand(DataType.FLOAT, 4, 4, 3,
                3), b, 2, 1, ConvPoolInteraction.Pooling.NONE, 1, ConvPoolInteraction.Algorithm.WINOGRAD));
        assertThrows(IllegalArgumentException.class, () -> ConvPoolInteraction.Algorithm.parse("fft"));
        // float64 states keep the im2col path even when winograd is asked for: same result as im2col
        INDArray w = Nd4j.rand(DataType.DOUBLE, 4, 4, 3, 3);
        INDArray bd = Nd4j.rand(DataType.DOUBLE, 1, 4);
        INDArray h = Nd4j.rand(DataType.DOUBLE, 1, 4, 5, 5);
        INDArray z1 = new ConvPoolInteraction(w, bd, 1, 1, ConvPoolInteraction.Pooling.NONE, 1,
                ConvPoolInteraction.Algorithm.WINOGRAD).convolve(h).dup();
        INDArray z2 = new ConvPoolInteraction(w, bd, 1, 1, ConvPoolInteraction.Pooling.NONE, 1,
                ConvPoolInteraction.Algorithm.IM2COL).convolve(h);
        assertTrue(z1.equalsWithEps(z2, 1e-15));
    }
}
