package org.eqprop.cuda;

import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.Equilibrium;
import org.eqprop.dynamics.FixedPointDynamics;
import org.eqprop.dynamics.ReferenceRelaxation;
import org.eqprop.dynamics.RelaxationControl;
import org.eqprop.interactions.ConvPoolInteraction;
import org.eqprop.interactions.Interaction;
import org.eqprop.layers.StateActivation;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TF32/BF16 operand path: {@link Precision#round} is round-to-nearest-even (checked against its definition),
 * the kernels' host build rounds bit for bit like it, and each kernel with rounded operands matches a reference that
 * rounds the same operands (tight), stays close to fp32 (loose) and differs from fp32 (so an ignored option fails).
 */
class PrecisionTest {

    private static final Precision[] REDUCED = {Precision.TF32, Precision.BF16};

    /** Values that cross every rounding case: ties both ways, subnormals, the largest finite, ±inf, NaN. */
    private static float[] specialValues(Random r) {
        List<Float> v = new ArrayList<>(List.of(1f, -1f, 0.5f, 3f, 1e-3f, Float.MIN_VALUE, Float.MIN_NORMAL,
                Float.MIN_NORMAL * 0.75f, Float.MAX_VALUE, -Float.MAX_VALUE, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NaN, 65504f, 1.0e38f));
        for (int dropped : new int[]{13, 16}) {
            int base = Float.floatToRawIntBits(1.2345f) & -(1 << dropped);
            v.add(Float.intBitsToFloat(base | (1 << (dropped - 1))));              // tie, kept LSB even
            v.add(Float.intBitsToFloat((base + (1 << dropped)) | (1 << (dropped - 1))));   // tie, kept LSB odd
            v.add(Float.intBitsToFloat(base | ((1 << (dropped - 1)) - 1)));        // just below the tie
            v.add(Float.intBitsToFloat(base | ((1 << (dropped - 1)) + 1)));        // just above
            v.add(Float.intBitsToFloat((1 << (dropped - 1)) | 3));                  // subnormal near a tie
        }
        for (int i = 0; i < 2000; i++) {
            v.add(i % 2 == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) r.nextGaussian());
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i);
        }
        return out;
    }

    /** The definition: the nearer of the two neighbours with the kept mantissa, the even one on a tie. */
    private static float nearestEven(float x, int dropped) {
        int bits = Float.floatToRawIntBits(x);
        int keep = -(1 << dropped);
        int lo = bits & keep;
        int hi = lo + (1 << dropped);
        double dLo = Math.abs(x - (double) Float.intBitsToFloat(lo));
        // past the largest finite value the upper neighbour is 2^128 (RNE then gives ±inf)
        double hiValue = (hi & 0x7fffffff) == 0x7f800000 ? Math.copySign(Math.pow(2, 128), x) : Float.intBitsToFloat(hi);
        double dHi = Math.abs(hiValue - x);
        if (dLo < dHi || (dLo == dHi && ((lo >>> dropped) & 1) == 0)) {
            return Float.intBitsToFloat(lo);
        }
        return Float.intBitsToFloat(hi);
    }

    @Test
    void roundingIsNearestEvenToTheKeptMantissa() {
        float[] values = specialValues(new Random(5));
        for (Precision p : REDUCED) {
            int dropped = 23 - p.mantissaBits();
            for (float x : values) {
                float got = p.round(x);
                if (Float.isNaN(x)) {
                    assertTrue(Float.isNaN(got), p + " keeps NaN");
                } else if (Float.isInfinite(x)) {
                    assertEquals(x, got, p + " keeps inf");
                } else {
                    assertEquals(Float.floatToRawIntBits(nearestEven(x, dropped)), Float.floatToRawIntBits(got),
                            p + " of " + x + " (bits " + Integer.toHexString(Float.floatToRawIntBits(x)) + ")");
                }
                assertEquals(0, Float.floatToRawIntBits(got) & ((1 << dropped) - 1), p + " leaves low bits");
            }
        }
        assertEquals(1.0f, Precision.BF16.round(1f + 0x1p-8f), "tie to even (down)");
        assertEquals(1f + 0x1p-6f, Precision.BF16.round(1f + 3 * 0x1p-8f), "tie to even (up)");
        assertEquals(Float.POSITIVE_INFINITY, Precision.BF16.round(Float.MAX_VALUE), "overflow");
        assertEquals(0.1f, Precision.FP32.round(0.1f));
        assertEquals(Precision.BF16, Precision.parse(" bf16 "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp16"));
        assertTrue(e.getMessage().contains("fp16"), e.getMessage());
    }

    @Test
    void kernelsRoundTheirOperandsBitForBitAsTheJavaReference() {
        float[] values = specialValues(new Random(6));
        for (Precision p : REDUCED) {
            CudaKernels k = TestChains.host().withPrecision(p);
            // a 1x1 convolution with weight 1: each output is 1·round(x), exact in fp32
            ConvShape identity = new ConvShape(1, 1, 1, values.length, 1, 1, 1, 0, 1);
            float[] conv = k.igemm(CudaKernels.Igemm.FORWARD, identity, 1f, new float[]{1f}, values, null, null);
            // the dense contrast of one example: 1·(round(x)·1 − 0·0)
            for (int i = 0; i < values.length; i++) {
                float[] dw = k.denseContrast(1, 1, 1, 1, 1, 1f, new float[]{values[i]}, new float[]{1f},
                        new float[]{0f}, new float[]{0f});
                float expected = p.round(values[i]);
                String what = p + " of " + values[i];
                if (Float.isNaN(expected)) {
                    assertTrue(Float.isNaN(conv[i]) && Float.isNaN(dw[0]), what);
                } else if (expected != 0f) {   // 0 + (−0) = +0: compare zeros by value
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(conv[i]), "igemm " + what);
                    if (!Float.isInfinite(expected)) {
                        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(dw[0]),
                                "dense contrast " + what);
                    }
                } else {
                    assertEquals(0f, conv[i], 0f, what);
                }
            }
        }
    }

    private static INDArray rounded(INDArray a, Precision p) {
        float[] v = TestChains.floats(a);
        for (int i = 0; i < v.length; i++) {
            v[i] = p.round(v[i]);
        }
        return Nd4j.create(v, a.shape(), 'c').castTo(DataType.DOUBLE);
    }

    /** Largest |a − b| over the largest |b|, for the three GEMMs of a 3×3 conv with padding 1 and one of stride 2. */
    @Test
    void implicitGemmsWithRoundedOperandsMatchARoundedReferenceAndStayNearFp32() {
        Random r = new Random(11);
        int[][] cases = {{3, 20, 9, 7, 1, 1}, {2, 37, 8, 8, 2, 0}};
        for (Precision p : REDUCED) {
            CudaKernels k = TestChains.host().withPrecision(p);
            CudaKernels fp32 = TestChains.host();
            for (int[] c : cases) {
                int batch = c[0];
                int in = c[1];
                int out = 6;
                ConvShape shape = new ConvShape(batch, in, c[2], c[3], out, 3, c[4], c[5], 1);
                INDArray w = TestChains.uniform(r, -0.3, 0.3, out, in, 3, 3);
                INDArray lower = TestChains.uniform(r, 0, 1, batch, in, c[2], c[3]);
                INDArray upper = TestChains.uniform(r, 0, 1, batch, out, shape.outH(), shape.outW());
                ConvPoolInteraction ref = new ConvPoolInteraction(rounded(w, p), Nd4j.zeros(DataType.DOUBLE, 1, out),
                        c[4], c[5], ConvPoolInteraction.Pooling.NONE, 1);
                String what = p + " " + java.util.Arrays.toString(c);

                INDArray z = Nd4j.zeros(DataType.DOUBLE, batch, out, shape.outH(), shape.outW());
                ref.addUpwardDrive(rounded(lower, p), z);
                float[] fwd = k.igemm(CudaKernels.Igemm.FORWARD, shape, 1f, TestChains.floats(w),
                        TestChains.floats(lower), null, null);
                float[] fwd32 = fp32.igemm(CudaKernels.Igemm.FORWARD, shape, 1f, TestChains.floats(w),
                        TestChains.floats(lower), null, null);
                assertAgreement(fwd, TestChains.floats(z), fwd32, p, "forward " + what);

                INDArray fb = Nd4j.zeros(DataType.DOUBLE, batch, in, c[2], c[3]);
                ref.addDownwardDrive(rounded(lower, p), rounded(upper, p), fb);
                float[] tr = k.igemm(CudaKernels.Igemm.TRANSPOSE, shape, 1f, TestChains.floats(w), null,
                        TestChains.floats(upper), null);
                float[] tr32 = fp32.igemm(CudaKernels.Igemm.TRANSPOSE, shape, 1f, TestChains.floats(w), null,
                        TestChains.floats(upper), null);
                assertAgreement(tr, TestChains.floats(fb), tr32, p, "transpose " + what);

                INDArray gw = Nd4j.zeros(DataType.DOUBLE, w.shape());
                INDArray zero = Nd4j.zeros(DataType.DOUBLE, 1, out);
                ref.writeContrastGradient(rounded(lower, p), rounded(upper, p), Nd4j.zeros(DataType.DOUBLE,
                        lower.shape()), Nd4j.zeros(DataType.DOUBLE, upper.shape()), 1, new INDArray[]{gw, zero});
                float[] wg = k.igemm(CudaKernels.Igemm.WEIGHT_GRADIENT, shape, 1f, null, TestChains.floats(lower),
                        TestChains.floats(upper), null);
                float[] wg32 = fp32.igemm(CudaKernels.Igemm.WEIGHT_GRADIENT, shape, 1f, null,
                        TestChains.floats(lower), TestChains.floats(upper), null);
                assertAgreement(wg, TestChains.floats(gw), wg32, p, "weight gradient " + what);
            }
        }
    }

    /**
     * got ≈ the rounded-operand reference to fp32 accumulation (1e-5), within the precision's error of fp32, and not
     * equal to fp32 (the option is not ignored).
     */
    private static void assertAgreement(float[] got, float[] roundedReference, float[] fp32, Precision p, String what) {
        double tight = TestChains.relativeError(got, roundedReference);
        double vsFp32 = TestChains.relativeError(got, fp32);
        double unit = Math.pow(2, -p.mantissaBits());
        assertTrue(tight < 1e-5, what + ": vs the rounded-operand reference " + tight);
        assertTrue(vsFp32 < 8 * unit, what + ": vs fp32 " + vsFp32 + " (unit roundoff " + unit + ")");
        assertTrue(vsFp32 > 1e-3 * unit, what + ": indistinguishable from fp32 (" + vsFp32 + ")");
    }

    @Test
    void denseContrastRoundsTheStatesOfItsProducts() {
        Random r = new Random(13);
        int batch = 9;
        int nIn = 21;
        int nOut = 18;
        INDArray al = TestChains.uniform(r, 0, 1, batch, nIn);
        INDArray au = TestChains.uniform(r, 0, 1, batch, nOut);
        INDArray bl = TestChains.uniform(r, 0, 1, batch, nIn);
        INDArray bu = TestChains.uniform(r, 0, 1, batch, nOut);
        float[] fp32 = TestChains.host().denseContrast(batch, nIn, nOut, nIn, nOut, 0.5f, TestChains.floats(al),
                TestChains.floats(au), TestChains.floats(bl), TestChains.floats(bu));
        for (Precision p : REDUCED) {
            INDArray expected = rounded(al, p).transpose().mmul(rounded(au, p))
                    .sub(rounded(bl, p).transpose().mmul(rounded(bu, p))).muli(0.5);
            float[] got = TestChains.host().withPrecision(p).denseContrast(batch, nIn, nOut, nIn, nOut, 0.5f,
                    TestChains.floats(al), TestChains.floats(au), TestChains.floats(bl), TestChains.floats(bu));
            assertAgreement(got, TestChains.floats(expected), fp32, p, "dense contrast");
        }
    }

    /**
     * The persistent dense kernel: one step from random states equals σ(W_1x + b_1 + ...) computed with the rounded
     * weights and states (tight); a converged free phase stays near the fp32 fixed point but is not it.
     */
    @Test
    void denseRelaxationRoundsTheOperandsOfItsDrives() {
        int[] widths = {30, 20, 10};
        int batch = 7;
        for (Precision p : REDUCED) {
            Random r = new Random(17);
            EnergyChain chain = TestChains.dense(r, 12, widths, StateActivation.of("hard-sigmoid", 0),
                    FixedPointDynamics.INSTANCE, 1.5);
            INDArray x = TestChains.uniform(r, 0, 1, batch, 12);
            INDArray drive = chain.inputDrive(x);
            INDArray[] start = TestChains.randomStates(r, chain, batch);
            CudaRelaxationEngine reduced = new CudaRelaxationEngine(TestChains.host().withPrecision(p), 0);
            assertTrue(reduced.name().endsWith(p.name().toLowerCase(java.util.Locale.ROOT)), reduced.name());

            // the reference: the same chain with rounded W_2.. (W_1 only enters through the fp32 input drive)
            List<Interaction> roundedInteractions = new ArrayList<>();
            for (int k = 0; k < widths.length; k++) {
                INDArray[] params = chain.interaction(k).parameters();
                roundedInteractions.add(new org.eqprop.interactions.DenseInteraction(
                        k == 0 ? params[0] : rounded(params[0], p).castTo(DataType.FLOAT), params[1]));
            }
            EnergyChain roundedChain = new EnergyChain(roundedInteractions, widths, chain.activation(),
                    chain.dynamics());
            INDArray[] roundedStart = new INDArray[start.length];
            for (int k = 0; k < start.length; k++) {
                roundedStart[k] = rounded(start[k], p).castTo(DataType.FLOAT);
            }
            RelaxationControl oneStep = new RelaxationControl(1, 0, false);
            Equilibrium expected = ReferenceRelaxation.INSTANCE.relax(roundedChain, drive, roundedStart, null, 0,
                    oneStep);
            Equilibrium got = reduced.relax(chain, drive, start, null, 0, oneStep);
            for (int k = 0; k < widths.length; k++) {
                double err = TestChains.relativeError(got.states()[k], expected.states()[k]);
                assertTrue(err < 1e-5, p + " one step, layer " + k + ": " + err);
            }

            RelaxationControl converge = new RelaxationControl(200, 1e-6, false);
            Equilibrium fixed = reduced.relax(chain, drive, start, null, 0, converge);
            Equilibrium fixed32 = new CudaRelaxationEngine(TestChains.host(), 0).relax(chain, drive, start, null, 0,
                    converge);
            double unit = Math.pow(2, -p.mantissaBits());
            double maxDiff = 0;
            for (int k = 0; k < widths.length; k++) {
                maxDiff = Math.max(maxDiff, TestChains.relativeError(fixed.states()[k], fixed32.states()[k]));
            }
            assertTrue(maxDiff < 16 * unit, p + " fixed point vs fp32: " + maxDiff);
            assertTrue(maxDiff > 1e-3 * unit, p + " fixed point indistinguishable from fp32: " + maxDiff);
        }
    }
}
