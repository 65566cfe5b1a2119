package org.eqprop.interactions;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The convolutional Φ term against direct loops and its own derivatives (double precision). */
class ConvPoolInteractionTest {

    static final DataType DT = DataType.DOUBLE;

    /** Cross-correlation by definition: z[n,o,y,x] = Σ_{c,i,j} w[o,c,i,j] h[n,c,y·s+i−p, x·s+j−p]. */
    static double[][][][] naiveConv(INDArray h, INDArray w, int s, int p) {
        int n = (int) h.size(0), c = (int) h.size(1), hh = (int) h.size(2), ww = (int) h.size(3);
        int o = (int) w.size(0), kh = (int) w.size(2), kw = (int) w.size(3);
        int oh = (hh + 2 * p - kh) / s + 1, ow = (ww + 2 * p - kw) / s + 1;
        double[][][][] z = new double[n][o][oh][ow];
        for (int b = 0; b < n; b++) {
            for (int q = 0; q < o; q++) {
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        double sum = 0;
                        for (int ch = 0; ch < c; ch++) {
                            for (int i = 0; i < kh; i++) {
                                for (int j = 0; j < kw; j++) {
                                    int yy = y * s + i - p, xx = x * s + j - p;
                                    if (yy >= 0 && yy < hh && xx >= 0 && xx < ww) {
                                        sum += w.getDouble(q, ch, i, j) * h.getDouble(b, ch, yy, xx);
                                    }
                                }
                            }
                        }
                        z[b][q][y][x] = sum;
                    }
                }
            }
        }
        return z;
    }

    static ConvPoolInteraction conv(ConvPoolInteraction.Pooling pooling, int stride, int padding) {
        Nd4j.getRandom().setSeed(5);
        return new ConvPoolInteraction(Nd4j.rand(DT, 3, 2, 3, 3).subi(0.5), Nd4j.rand(DT, 1, 3), stride, padding,
                pooling, 2);
    }

    @Test
    void convolutionMatchesTheDefinition() {
        for (int[] sp : new int[][]{{1, 1}, {1, 0}, {2, 1}}) {
            ConvPoolInteraction c = conv(ConvPoolInteraction.Pooling.NONE, sp[0], sp[1]);
            INDArray h = Nd4j.rand(DT, 2, 2, 7, 6);
            INDArray z = c.convolve(h);
            double[][][][] expected = naiveConv(h, c.weights(), sp[0], sp[1]);
            assertArrayEquals(new long[]{2, 3, expected[0][0].length, expected[0][0][0].length}, z.shape());
            for (int b = 0; b < 2; b++) {
                for (int q = 0; q < 3; q++) {
                    for (int y = 0; y < expected[0][0].length; y++) {
                        for (int x = 0; x < expected[0][0][0].length; x++) {
                            assertEquals(expected[b][q][y][x], z.getDouble(b, q, y, x), 1e-12);
                        }
                    }
                }
            }
        }
    }

    /** The float32 path (run-copy im2col / col2im for stride 1, native work arrays) against the float64 one. */
    @Test
    void floatConvolutionAndFeedbackMatchDouble() {
        for (int[] sp : new int[][]{{1, 0}, {1, 1}, {1, 2}, {2, 1}}) {
            ConvPoolInteraction d = conv(ConvPoolInteraction.Pooling.MAX, sp[0], sp[1]);
            ConvPoolInteraction f = new ConvPoolInteraction(d.weights().castTo(DataType.FLOAT),
                    d.bias().castTo(DataType.FLOAT), sp[0], sp[1], ConvPoolInteraction.Pooling.MAX, 2);
            INDArray h = Nd4j.rand(DT, 3, 2, 8, 8);
            INDArray zd = d.convolve(h).dup();
            INDArray zf = f.convolve(h.castTo(DataType.FLOAT)).castTo(DT);
            assertTrue(zf.equalsWithEps(zd, 1e-5), "stride " + sp[0] + " padding " + sp[1]);
            INDArray upper = Nd4j.rand(DT, d.pool(zd).pooled().shape());
            INDArray fd = Nd4j.zeros(DT, h.shape());
            INDArray ff = Nd4j.zeros(DataType.FLOAT, h.shape()).addi(1);
            d.addDownwardDrive(h, upper, fd);
            f.addDownwardDrive(h.castTo(DataType.FLOAT), upper.castTo(DataType.FLOAT), ff);
            assertTrue(fd.norm2Number().doubleValue() > 0.1);
            assertTrue(ff.castTo(DT).subi(1).equalsWithEps(fd, 1e-5), "feedback, stride " + sp[0] + " padding "
                    + sp[1]);
        }
    }

    /**
     * The float32 max pooling's branch-free 2×2 winner (and its fused drive) against a plain scan for the first
     * strict maximum, on maps drawn from {−1, −0, +0, 0.5, 1} so that most windows hold ties, signed zeros included.
     */
    @Test
    void float2x2WinnersAreTheFirstMaximumUnderTiesAndSignedZeros() {
        float[] values = {-1f, -0f, 0f, 0.5f, 1f};
        java.util.Random r = new java.util.Random(5);
        int n = 2;
        int c = 3;
        int size = 6;
        float[] v = new float[n * c * size * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = values[r.nextInt(values.length)];
        }
        INDArray z = Nd4j.create(v, new long[]{n, c, size, size}, 'c');
        ConvPoolInteraction f = new ConvPoolInteraction(Nd4j.zeros(DataType.FLOAT, c, c, 1, 1),
                Nd4j.zeros(DataType.FLOAT, 1, c), 1, 0, ConvPoolInteraction.Pooling.MAX, 2);
        ConvPoolInteraction.Pooled p = f.pool(z);
        int hp = size / 2;
        for (int m = 0; m < n * c; m++) {
            for (int y = 0; y < hp; y++) {
                for (int x = 0; x < hp; x++) {
                    int first = (m * size + 2 * y) * size + 2 * x;
                    int win = first;
                    for (int at : new int[]{first + 1, first + size, first + size + 1}) {
                        if (v[at] > v[win]) {
                            win = at;
                        }
                    }
                    assertEquals(win, p.winners()[(m * hp + y) * hp + x], "map " + m + " window " + y + "," + x);
                }
            }
        }
        for (float a : values) {
            for (float b : values) {
                assertEquals(b > a ? 1 : 0, ConvPoolInteraction.above(a, b), a + " vs " + b);
            }
        }
        assertEquals(1, ConvPoolInteraction.above(-Float.MIN_VALUE, 0f));
        assertEquals(0, ConvPoolInteraction.above(Float.MIN_VALUE, 0f));
        assertEquals(1, ConvPoolInteraction.above(-Float.MAX_VALUE, Float.MAX_VALUE));
    }

    /**
     * The fused float32 max-pooled drives of {@code addDrives} (pooling, bias and Pᵀ in one pass each) against the
     * definition: the separate upward drive and feedback, and the float64 loops, to 1e-5; for every convolution
     * algorithm, a strided upper state, and a lower state of zeros (every window a tie: the first position wins).
     */
    @Test
    void fusedFloatDrivesMatchTheSeparateDrivesAndDouble() {
        for (ConvPoolInteraction.Algorithm a : ConvPoolInteraction.Algorithm.values()) {
            for (int[] sp : new int[][]{{1, 1}, {1, 0}, {2, 1}}) {
                ConvPoolInteraction d = conv(ConvPoolInteraction.Pooling.MAX, sp[0], sp[1]);
                if (a == ConvPoolInteraction.Algorithm.WINOGRAD && sp[0] != 1) {
                    continue;
                }
                ConvPoolInteraction f = new ConvPoolInteraction(d.weights().castTo(DataType.FLOAT),
                        d.bias().castTo(DataType.FLOAT), sp[0], sp[1], ConvPoolInteraction.Pooling.MAX, 2, a);
                for (boolean zeros : new boolean[]{false, true}) {
                    INDArray h = zeros ? Nd4j.zeros(DT, 3, 2, 8, 8) : Nd4j.rand(DT, 3, 2, 8, 8);
                    long[] up = d.pool(d.convolve(h).dup()).pooled().shape();
                    // a strided view as the upper state: the fused pass reads it through a dense copy
                    INDArray upperD = Nd4j.rand(DT, up[0], up[1] + 1, up[2], up[3])
                            .get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                    org.nd4j.linalg.indexing.NDArrayIndex.interval(1, up[1] + 1));
                    INDArray upperF = upperD.castTo(DataType.FLOAT);
                    INDArray hf = h.castTo(DataType.FLOAT);
                    // the definition in float64 and in float32, drives starting from nonzero values
                    INDArray lowD = Nd4j.zeros(DT, h.shape()).addi(0.5);
                    INDArray upD = Nd4j.zeros(DT, up).addi(-0.25);
                    d.addDrives(h, upperD, lowD, upD);
                    INDArray lowS = Nd4j.zeros(DataType.FLOAT, h.shape()).addi(0.5);
                    INDArray upS = Nd4j.zeros(DataType.FLOAT, up).addi(-0.25);
                    f.addUpwardDrive(hf, upS);
                    f.addDownwardDrive(hf, upperF, lowS);
                    INDArray lowF = Nd4j.zeros(DataType.FLOAT, h.shape()).addi(0.5);
                    INDArray upF = Nd4j.zeros(DataType.FLOAT, up).addi(-0.25);
                    f.addDrives(hf, upperF, lowF, upF);
                    String what = a + ", stride " + sp[0] + " padding " + sp[1] + (zeros ? ", ties" : "");
                    assertTrue(upF.equalsWithEps(upS, 1e-5), "upward drive vs separate, " + what);
                    assertTrue(lowF.equalsWithEps(lowS, 1e-5), "feedback vs separate, " + what);
                    assertTrue(upF.castTo(DT).equalsWithEps(upD, 1e-5), "upward drive vs double, " + what);
                    assertTrue(lowF.castTo(DT).equalsWithEps(lowD, 1e-5), "feedback vs double, " + what);
                    assertTrue(lowD.subi(0.5).norm2Number().doubleValue() > 0.1, what);
                }
            }
        }
    }

    @Test
    void maxPoolingRoutesBackToTheWinnerAndAveragePoolingSpreads() {
        ConvPoolInteraction max = conv(ConvPoolInteraction.Pooling.MAX, 1, 1);
        INDArray z = Nd4j.create(new double[]{1, 5, 2, 0, 3, 4, 9, 9, 0, 0, 1, 2, 0, 0, 3, 7}, new long[]{1, 1, 4, 4});
        INDArray p = max.pool(z).pooled();
        assertArrayEquals(new double[]{5, 9, 0, 7}, p.dup().data().asDouble(), 0);
        INDArray back = max.unpool(Nd4j.create(new double[]{10, 20, 30, 40}, new long[]{1, 1, 2, 2}), max.pool(z));
        // 5 at (0,1); the tie 9/9 goes to the first, (1,2); the all-zero window to (2,0); 7 at (3,3)
        assertArrayEquals(new double[]{0, 10, 0, 0, 0, 0, 20, 0, 30, 0, 0, 0, 0, 0, 0, 40},
                back.dup().data().asDouble(), 0);
        ConvPoolInteraction avg = conv(ConvPoolInteraction.Pooling.AVG, 1, 1);
        assertArrayEquals(new double[]{3.25, 5, 0, 3.25}, avg.pool(z).pooled().dup().data().asDouble(), 1e-12);
        assertEquals(2.5, avg.unpool(Nd4j.create(new double[]{10, 20, 30, 40}, new long[]{1, 1, 2, 2}), null)
                .getDouble(0, 0, 1, 1), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> max.pool(Nd4j.zeros(DT, 1, 1, 5, 4)));
        // a float map pools the same way
        assertArrayEquals(new double[]{5, 9, 0, 7}, max.pool(z.castTo(DataType.FLOAT)).pooled()
                .castTo(DT).dup().data().asDouble(), 0);
    }

    /**
     * The drives and the weight update are the derivatives of Φ = h_k • (P(w ⋆ h_{k−1}) + b): checked against
     * finite differences of {@link ConvPoolInteraction#primitiveFunction}, for each pooling.
     */
    @Test
    void drivesAndUpdatesAreTheDerivativesOfPhi() {
        for (ConvPoolInteraction.Pooling pooling : ConvPoolInteraction.Pooling.values()) {
            ConvPoolInteraction c = conv(pooling, 1, 1);
            INDArray lower = Nd4j.rand(DT, 2, 2, 6, 6);
            INDArray upper = pooling == ConvPoolInteraction.Pooling.NONE ? Nd4j.rand(DT, 2, 3, 6, 6)
                    : Nd4j.rand(DT, 2, 3, 3, 3);
            INDArray up = Nd4j.zeros(DT, upper.shape());
            c.addUpwardDrive(lower, up);
            INDArray down = Nd4j.zeros(DT, lower.shape());
            c.addDownwardDrive(lower, upper, down);
            INDArray[] g = {c.weights().ulike(), c.bias().ulike()};
            c.writeContrastGradient(lower, upper, lower, upper.mul(0), 1.0, g);
            double h = 1e-6;
            double worst = 0;
            for (INDArray[] pair : new INDArray[][]{{upper, up}, {lower, down}, {c.weights(), g[0]},
                    {c.bias(), g[1]}}) {
                for (long i = 0; i < pair[0].length(); i += 7) {
                    double v = pair[0].getDouble(i);
                    pair[0].putScalar(i, v + h);
                    double plus = c.primitiveFunction(lower, upper);
                    pair[0].putScalar(i, v - h);
                    double minus = c.primitiveFunction(lower, upper);
                    pair[0].putScalar(i, v);
                    worst = Math.max(worst, Math.abs((plus - minus) / (2 * h) - pair[1].getDouble(i)));
                }
            }
            assertTrue(worst < 1e-7, pooling + ": max abs error " + worst);
        }
    }

    @Test
    void rejectsShapesThatDoNotFit() {
        ConvPoolInteraction c = conv(ConvPoolInteraction.Pooling.MAX, 1, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.convolve(Nd4j.zeros(DT, 1, 2, 2, 2)));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConvPoolInteraction(Nd4j.zeros(DT, 3, 2),
                Nd4j.zeros(DT, 1, 3), 1, 0, ConvPoolInteraction.Pooling.NONE, 1));
    }
}
