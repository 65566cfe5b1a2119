package org.eqprop.interactions;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.eqprop.nn.conf.ConvSpec;
import org.eqprop.nn.conf.EqPropBlock;
import org.eqprop.nn.conf.RelaxationSettings;
import org.eqprop.training.EqPropNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * oneDNN's forward and transpose convolutions ({@link OnednnConvolution} through {@link ConvPoolInteraction}) against
 * im2col's: odd sizes, strides and kernels, the cifar10-small and cifar10-laborieux layer shapes, bf16 operands on AMX,
 * a conv block's EqProp gradient, the float64 and {@code -Deqprop.onednn=false} fallbacks.
 */
class OnednnConvolutionTest {

    @BeforeAll
    static void oneDnnLoadsOnThisPlatform() {
        // the pom brings the natives for the build platform; the tests run where they exist
        assumeTrue(System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch").equals("amd64"), "oneDNN natives are bundled for linux-x86_64");
        assertNull(org.eqprop.kernels.Onednn.loadProblem());
    }

    @AfterEach
    void restore() {
        System.clearProperty("eqprop.onednn");
    }

    private static INDArray random(Random r, double lo, double hi, long... shape) {
        INDArray a = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        float[] v = new float[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        a.data().asNioFloat().put(v);
        return a;
    }

    private static double relativeError(INDArray x, INDArray ref) {
        return x.sub(ref).norm2Number().doubleValue() / ref.norm2Number().doubleValue();
    }

    /** {forward error, transpose error} of oneDNN at this precision against float32 im2col for one layer shape. */
    private static double[] errors(int batch, int in, int height, int width, int out, int kh, int kw, int stride,
                                   int padding, ConvolutionPrecision precision, long seed) {
        Random r = new Random(seed);
        INDArray w = random(r, -1 / Math.sqrt(in * kh * kw), 1 / Math.sqrt(in * kh * kw), out, in, kh, kw);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 1, out);
        ConvPoolInteraction im2col = new ConvPoolInteraction(w, b, stride, padding, ConvPoolInteraction.Pooling.NONE,
                1, ConvPoolInteraction.Algorithm.IM2COL);
        ConvPoolInteraction onednn = new ConvPoolInteraction(w, b, stride, padding, ConvPoolInteraction.Pooling.NONE,
                1, ConvPoolInteraction.Algorithm.ONEDNN, precision);
        INDArray h = random(r, 0, 1, batch, in, height, width);
        long oh = ConvPoolInteraction.convolvedSize(height, kh, stride, padding);
        long ow = ConvPoolInteraction.convolvedSize(width, kw, stride, padding);
        INDArray g = random(r, 0, 1, batch, out, oh, ow);
        ConvPoolInteraction.resetConvolutionCounts();
        INDArray ref = im2col.convolve(h).dup();
        INDArray got = onednn.convolve(h).dup();
        // the transpose adds into a drive that already holds something
        INDArray start = random(r, -1, 1, batch, in, height, width);
        INDArray refDrive = start.dup();
        im2col.addDownwardDrive(h, g, refDrive);
        INDArray drive = start.dup();
        onednn.addDownwardDrive(h, g, drive);
        Map<String, Long> runs = ConvPoolInteraction.convolutionCounts();
        assertEquals(2L, runs.get("im2col"), runs.toString());
        String lib = precision == ConvolutionPrecision.BF16 ? "onednn-bf16" : "onednn-fp32";
        long onednnRuns = runs.getOrDefault("onednn-fp32", 0L) + runs.getOrDefault("onednn-bf16", 0L);
        assertEquals(2L, onednnRuns, runs.toString());
        if (precision == ConvolutionPrecision.FP32) {
            assertEquals(2L, runs.get(lib), runs.toString());
        }
        return new double[]{relativeError(got, ref), relativeError(drive.sub(start), refDrive.sub(start))};
    }

    /**
     * An entry evicted from the cache (and freed) while a caller still holds it runs nothing and says so, and the next
     * convolution of its shape makes a new entry: no call reaches freed native objects.
     */
    @Test
    void anEvictedEntryIsNotRunAndItsShapeIsMadeAgain() {
        OnednnConvolution.Key key = new OnednnConvolution.Key(1, 2, 5, 5, 3, 3, 3, 1, 1, false);
        Random r = new Random(9);
        INDArray w = random(r, -0.5, 0.5, 3, 2, 3, 3);
        OnednnConvolution.Kernels k = new OnednnConvolution.Kernels(() -> w);
        INDArray h = random(r, 0, 1, 1, 2, 5, 5);
        OnednnConvolution held = OnednnConvolution.of(key);
        for (int size = 6; size < 36; size++) { // more shapes than the cache keeps
            OnednnConvolution.of(new OnednnConvolution.Key(1, 2, size, size, 3, 3, 3, 1, 1, false));
        }
        INDArray out = Nd4j.zeros(DataType.FLOAT, 1, 3, 5, 5);
        assertTrue(!held.forward(h, k, out), "a freed entry must not run");
        assertTrue(!held.addTranspose(out, k, h.dup()), "a freed entry must not run");
        assertEquals(0.0, out.amaxNumber().doubleValue());
        OnednnConvolution.forward(key, h, k, out);
        assertTrue(out.amaxNumber().doubleValue() > 0, "the shape runs again, on a new entry");
        assertTrue(OnednnConvolution.of(key) != held);
    }

    @Test
    void float32MatchesIm2colAtOddSizesStridesAndKernels() {
        int[][] shapes = { // batch, in, height, width, out, kh, kw, stride, padding
            {3, 5, 7, 9, 6, 3, 3, 1, 1},
            {2, 3, 11, 6, 4, 5, 5, 1, 2},
            {1, 7, 9, 9, 3, 3, 3, 2, 0},
            {2, 4, 10, 7, 5, 3, 3, 2, 1},
            {5, 1, 6, 6, 2, 1, 1, 1, 0},
            {2, 6, 5, 8, 7, 2, 3, 1, 0},
            {2, 3, 5, 5, 4, 1, 1, 1, 2}, // padding wider than the kernel: border outputs see only zeros
            {2, 3, 5, 5, 4, 2, 2, 2, 3},
        };
        for (int[] s : shapes) {
            double[] e = errors(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], ConvolutionPrecision.FP32,
                    s[1] * 7L + s[4]);
            assertTrue(e[0] < 1e-5 && e[1] < 1e-5, java.util.Arrays.toString(s) + ": relative errors forward "
                    + e[0] + ", transpose " + e[1]);
        }
    }

    /** cifar10-small's and cifar10-laborieux's layers (3×3 kernels, stride 1), at batch 4. */
    static final int[][] PRESET_LAYERS = { // in, size, out, padding
        {3, 32, 16, 1}, {16, 16, 32, 1}, {32, 8, 64, 1},
        {3, 32, 128, 1}, {128, 16, 256, 1}, {256, 8, 512, 1}, {512, 4, 512, 0},
    };

    @Test
    void float32MatchesIm2colAtThePresetLayerShapes() {
        for (int[] l : PRESET_LAYERS) {
            double[] e = errors(4, l[0], l[1], l[1], l[2], 3, 3, 1, l[3], ConvolutionPrecision.FP32, l[0] + l[2]);
            assertTrue(e[0] < 1e-5 && e[1] < 1e-5, java.util.Arrays.toString(l) + ": relative errors forward "
                    + e[0] + ", transpose " + e[1]);
        }
    }

    @Test
    void bf16OperandsStayWithinOnePercentOfFloat32() {
        assumeTrue(org.eqprop.kernels.Onednn.bf16(), "bf16 operands run where they pay: AMX, or AVX512_BF16 on AMD");
        double worst = 0;
        for (int[] l : PRESET_LAYERS) {
            double[] e = errors(4, l[0], l[1], l[1], l[2], 3, 3, 1, l[3], ConvolutionPrecision.BF16, l[0] + l[2]);
            System.out.printf(Locale.ROOT, "bf16 %d->%d %dx%d p%d: relative error forward %.2e, transpose %.2e%n",
                    l[0], l[2], l[1], l[1], l[3], e[0], e[1]);
            worst = Math.max(worst, Math.max(e[0], e[1]));
            assertTrue(e[0] < 1e-2 && e[1] < 1e-2, java.util.Arrays.toString(l) + ": relative errors forward "
                    + e[0] + ", transpose " + e[1]);
        }
        assertTrue(worst > 1e-5, "bf16 operands should round: worst relative error " + worst);
    }

    @Test
    void autoPicksOnednnAndTurnedOffOrFloat64RunsIm2col() {
        Random r = new Random(4);
        INDArray w = random(r, -0.3, 0.3, 4, 3, 3, 3);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 1, 4);
        INDArray h = random(r, 0, 1, 2, 3, 6, 6);
        ConvPoolInteraction auto = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2);
        ConvPoolInteraction.resetConvolutionCounts();
        INDArray fast = auto.convolve(h).dup();
        // 3 channels in: below the Winograd rule's 64, so oneDNN's direct algorithm
        assertEquals(Map.of("onednn-fp32", 1L), ConvPoolInteraction.convolutionCounts());

        System.setProperty("eqprop.onednn", "false");
        assertTrue(!ConvPoolInteraction.onednnAvailable());
        ConvPoolInteraction.resetConvolutionCounts();
        INDArray slow = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2,
                ConvPoolInteraction.Algorithm.ONEDNN).convolve(h).dup();
        assertEquals(Map.of("im2col", 1L), ConvPoolInteraction.convolutionCounts());
        assertTrue(relativeError(fast, slow) < 1e-5);
        System.clearProperty("eqprop.onednn");

        ConvPoolInteraction.resetConvolutionCounts();
        INDArray wd = w.castTo(DataType.DOUBLE);
        new ConvPoolInteraction(wd, b.castTo(DataType.DOUBLE), 1, 1, ConvPoolInteraction.Pooling.MAX, 2,
                ConvPoolInteraction.Algorithm.ONEDNN).convolve(h.castTo(DataType.DOUBLE));
        assertEquals(Map.of("im2col-fp64", 1L), ConvPoolInteraction.convolutionCounts());
    }

    /** The contrast's weight gradient h_a ⋆ g_a − h_b ⋆ g_b (oneDNN's backward weights) against im2col's. */
    @Test
    void weightGradientsMatchIm2col() {
        int[][] shapes = { // batch, in, size, out, kernel, stride, padding, pooling (0 none, 1 max, 2 avg)
            {3, 5, 8, 6, 3, 1, 1, 1},
            {2, 3, 9, 4, 3, 2, 0, 0},
            {2, 4, 6, 3, 5, 1, 2, 2},
            {4, 32, 8, 64, 3, 1, 1, 1},
            {4, 512, 4, 512, 3, 1, 0, 0},
        };
        for (int[] s : shapes) {
            Random r = new Random(s[1] * 13L + s[3]);
            int n = s[0];
            int k = s[4];
            INDArray w = random(r, -0.2, 0.2, s[3], s[1], k, k);
            INDArray b = Nd4j.zeros(DataType.FLOAT, 1, s[3]);
            ConvPoolInteraction.Pooling pooling = ConvPoolInteraction.Pooling.values()[new int[]{2, 0, 1}[s[7]]];
            int pool = s[7] == 0 ? 1 : 2;
            long o = ConvPoolInteraction.convolvedSize(s[2], k, s[5], s[6]) / pool;
            INDArray lowerA = random(r, 0, 1, n, s[1], s[2], s[2]);
            INDArray lowerB = random(r, 0, 1, n, s[1], s[2], s[2]);
            INDArray upperA = random(r, 0, 1, n, s[3], o, o);
            INDArray upperB = random(r, 0, 1, n, s[3], o, o);
            INDArray[] ref = {Nd4j.zeros(DataType.FLOAT, w.shape()), Nd4j.zeros(DataType.FLOAT, 1, s[3])};
            INDArray[] got = {Nd4j.zeros(DataType.FLOAT, w.shape()), Nd4j.zeros(DataType.FLOAT, 1, s[3])};
            ConvPoolInteraction.resetConvolutionCounts();
            new ConvPoolInteraction(w, b, s[5], s[6], pooling, pool, ConvPoolInteraction.Algorithm.IM2COL)
                    .writeContrastGradient(lowerA, upperA, lowerB, upperB, 0.5, ref);
            // the weight gradient runs in float32 even for a bf16 layer; but a bf16 forward convolution may move
            // max-pooling switches (near ties), so max-pooled layers are compared in float32
            ConvolutionPrecision precision = pooling == ConvPoolInteraction.Pooling.MAX ? ConvolutionPrecision.FP32
                    : ConvolutionPrecision.BF16;
            new ConvPoolInteraction(w, b, s[5], s[6], pooling, pool, ConvPoolInteraction.Algorithm.ONEDNN, precision)
                    .writeContrastGradient(lowerA, upperA, lowerB, upperB, 0.5, got);
            Map<String, Long> runs = ConvPoolInteraction.convolutionCounts();
            assertEquals(2L, runs.get("im2col-weights"), runs.toString());
            assertEquals(2L, runs.get("onednn-fp32-weights"), runs.toString());
            double e = relativeError(got[0], ref[0]);
            assertTrue(e < 1e-5 && ref[0].norm2Number().doubleValue() > 0, java.util.Arrays.toString(s)
                    + ": relative error " + e);
            assertEquals(0, relativeError(got[1], ref[1]), 1e-6);
        }
    }

    @Test
    void kernelsAreReorderedWhenTheirValuesChange() {
        Random r = new Random(9);
        INDArray w = random(r, -0.3, 0.3, 5, 2, 3, 3);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 1, 5);
        INDArray h = random(r, 0, 1, 2, 2, 7, 7);
        ConvPoolInteraction onednn = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.NONE, 1,
                ConvPoolInteraction.Algorithm.ONEDNN);
        ConvPoolInteraction im2col = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.NONE, 1,
                ConvPoolInteraction.Algorithm.IM2COL);
        onednn.convolve(h);
        w.muli(-0.5).addi(0.01); // in place, as an updater does
        assertTrue(relativeError(onednn.convolve(h).dup(), im2col.convolve(h).dup()) < 1e-6);
    }

    /**
     * While the parameters are held the kernels are reordered once per direction, whatever the number of steps; a
     * change between two holds, or with none, is always seen; two interactions of one shape (one cache entry) never
     * see each other's kernels, held or not.
     */
    @Test
    void heldKernelsAreReorderedOncePerPhaseAndNeverStale() {
        Random r = new Random(11);
        INDArray w = random(r, -0.3, 0.3, 6, 4, 3, 3);
        INDArray w2 = random(r, -0.3, 0.3, 6, 4, 3, 3);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 1, 6);
        INDArray h = random(r, 0, 1, 2, 4, 8, 8);
        INDArray upper = random(r, 0, 1, 2, 6, 4, 4);
        ConvPoolInteraction onednn = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2,
                ConvPoolInteraction.Algorithm.ONEDNN);
        ConvPoolInteraction other = new ConvPoolInteraction(w2, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2,
                ConvPoolInteraction.Algorithm.ONEDNN);
        ConvPoolInteraction im2col = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2,
                ConvPoolInteraction.Algorithm.IM2COL);
        ConvPoolInteraction otherIm2col = new ConvPoolInteraction(w2, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2,
                ConvPoolInteraction.Algorithm.IM2COL);
        for (int phase = 0; phase < 3; phase++) {
            long before = OnednnConvolution.kernelReorders();
            try (Interaction.Held held = onednn.holdParameters()) {
                for (int step = 0; step < 4; step++) {
                    assertDrivesEqual(onednn, im2col, h, upper, "phase " + phase + " step " + step);
                }
            }
            assertEquals(2, OnednnConvolution.kernelReorders() - before, "one reorder per direction and phase");
            w.muli(-0.5).addi(0.01); // in place, as an updater does between phases
            assertDrivesEqual(onednn, im2col, h, upper, "after the change, not held");
            w.addi(0.002); // and again, so that the next hold meets values not reordered yet
        }
        // the same shape's entry shared by two interactions, alternating inside their holds and outside them
        try (Interaction.Held a = onednn.holdParameters(); Interaction.Held c = other.holdParameters()) {
            for (int step = 0; step < 3; step++) {
                assertDrivesEqual(onednn, im2col, h, upper, "shared entry, first, step " + step);
                assertDrivesEqual(other, otherIm2col, h, upper, "shared entry, second, step " + step);
            }
        }
        assertDrivesEqual(other, otherIm2col, h, upper, "second, not held");
        assertDrivesEqual(onednn, im2col, h, upper, "first, not held");
    }

    /**
     * The phases of one training iteration hold θ at the same values: a hold whose kernels equal those last reordered
     * does not reorder them again (one pass comparing the values), and a change, even of one weight, is seen.
     */
    @Test
    void holdsAtUnchangedWeightsReorderTheKernelsOnce() {
        Random r = new Random(12);
        INDArray w = random(r, -0.3, 0.3, 7, 4, 3, 3);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 1, 7);
        INDArray h = random(r, 0, 1, 2, 4, 8, 8);
        INDArray upper = random(r, 0, 1, 2, 7, 4, 4);
        ConvPoolInteraction onednn = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2,
                ConvPoolInteraction.Algorithm.ONEDNN);
        ConvPoolInteraction im2col = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2,
                ConvPoolInteraction.Algorithm.IM2COL);
        long[] reorders = new long[4];
        for (int phase = 0; phase < 4; phase++) {
            if (phase == 3) {
                w.putScalar(new long[]{6, 3, 2, 2}, w.getFloat(6, 3, 2, 2) + 1e-3f); // one weight, in place
            }
            long before = OnednnConvolution.kernelReorders();
            try (Interaction.Held held = onednn.holdParameters()) {
                for (int step = 0; step < 3; step++) {
                    assertDrivesEqual(onednn, im2col, h, upper, "phase " + phase + " step " + step);
                }
            }
            reorders[phase] = OnednnConvolution.kernelReorders() - before;
        }
        assertEquals(0, reorders[1], java.util.Arrays.toString(reorders));
        assertEquals(0, reorders[2], java.util.Arrays.toString(reorders));
        assertEquals(2, reorders[3], "a changed weight is reordered in both directions: "
                + java.util.Arrays.toString(reorders));
    }

    /**
     * oneDNN's Winograd algorithm (F(4×4, 3×3), float32) against float32 direct at the 3×3 stride-1 preset shapes,
     * forward and transpose: its transforms round differently, within 1e-5 relative (measured 3e-7 to 3e-6).
     */
    @Test
    void onednnWinogradMatchesDirectAtThePresetLayerShapes() {
        for (int[] l : PRESET_LAYERS) {
            OnednnConvolution.Key direct = new OnednnConvolution.Key(4, l[0], l[1], l[1], l[2], 3, 3, 1, l[3], false);
            OnednnConvolution winograd;
            try {
                winograd = OnednnConvolution.of(direct.withWinograd(true));
            } catch (IllegalStateException e) {
                assumeTrue(false, "oneDNN has no Winograd convolution on this CPU: " + e.getMessage());
                return;
            }
            assertTrue(winograd.forwardImpl.contains("wino") && winograd.transposeImpl.contains("wino"),
                    winograd.forwardImpl + ", " + winograd.transposeImpl);
            Random r = new Random(l[0] * 7L + l[2]);
            INDArray w = random(r, -1 / Math.sqrt(9.0 * l[0]), 1 / Math.sqrt(9.0 * l[0]), l[2], l[0], 3, 3);
            OnednnConvolution.Kernels k = new OnednnConvolution.Kernels(() -> w);
            INDArray h = random(r, 0, 1, 4, l[0], l[1], l[1]);
            INDArray g = random(r, 0, 1, 4, l[2], direct.outHeight(), direct.outWidth());
            INDArray ref = Nd4j.zeros(DataType.FLOAT, g.shape());
            INDArray got = Nd4j.zeros(DataType.FLOAT, g.shape());
            OnednnConvolution.of(direct).forward(h, k, ref);
            winograd.forward(h, k, got);
            INDArray start = random(r, -1, 1, h.shape());
            INDArray refT = start.dup();
            INDArray gotT = start.dup();
            OnednnConvolution.of(direct).addTranspose(g, k, refT);
            winograd.addTranspose(g, k, gotT);
            double ef = relativeError(got, ref);
            double et = relativeError(gotT.sub(start), refT.sub(start));
            System.out.printf(Locale.ROOT, "oneDNN winograd %d->%d %dx%d p%d: relative error forward %.2e, "
                    + "transpose %.2e%n", l[0], l[2], l[1], l[1], l[3], ef, et);
            assertTrue(ef < 1e-5 && et < 1e-5, java.util.Arrays.toString(l) + ": forward " + ef + ", transpose " + et);
        }
    }

    /**
     * AUTO runs oneDNN's Winograd algorithm by its fixed rule (3×3 stride 1, at least 64 channels in and out, outputs
     * of at least 8×8), in both directions and the same on every call, within 1e-5 of direct; below the rule, and with
     * ONEDNN, the direct algorithm runs.
     */
    @Test
    void autoRunsWinogradByItsRuleAndOnednnStaysDirect() {
        Random r = new Random(21);
        for (int[] shape : new int[][]{{64, 64, 8, 1}, {32, 64, 8, 0}, {64, 64, 2, 0}}) { // in, out, size, winograd?
            INDArray w = random(r, -0.05, 0.05, shape[1], shape[0], 3, 3);
            INDArray b = Nd4j.zeros(DataType.FLOAT, 1, shape[1]);
            INDArray h = random(r, 0, 1, 4, shape[0], 2 * shape[2], 2 * shape[2]);
            INDArray upper = random(r, 0, 1, 4, shape[1], shape[2], shape[2]);
            ConvPoolInteraction auto = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2);
            ConvPoolInteraction direct = new ConvPoolInteraction(w, b, 1, 1, ConvPoolInteraction.Pooling.MAX, 2,
                    ConvPoolInteraction.Algorithm.ONEDNN);
            ConvPoolInteraction.resetConvolutionCounts();
            for (int step = 0; step < 3; step++) {
                assertDrivesEqual(auto, direct, h, upper, 1e-5, java.util.Arrays.toString(shape) + " step " + step);
            }
            Map<String, Long> runs = ConvPoolInteraction.convolutionCounts();
            boolean winograd = shape[3] == 1 && OnednnConvolution.makesWinograd(new OnednnConvolution.Key(4, shape[0],
                    2 * shape[2], 2 * shape[2], shape[1], 3, 3, 1, 1, false));
            assertEquals(winograd ? Map.of("onednn-fp32", 6L, "onednn-fp32-winograd", 6L)
                    : Map.of("onednn-fp32", 12L), runs, java.util.Arrays.toString(shape));
        }
    }

    /**
     * The bf16 rule per ISA, on any CPU. With AMX: both directions of a 16-channel 8×8 layer; not the transpose of a
     * 2×2-output layer, nor that of an 8×8 layer whose float32 entry is Winograd (forward bf16, transpose Winograd),
     * nor a 3-channel input layer. With AVX512_BF16 alone: every direction of 16 or more channels whose float32 entry
     * is direct, the 2×2-output transpose included, and neither direction where float32 runs Winograd.
     */
    @Test
    void theBf16RuleDependsOnTheIsa() {
        // in, out, input size, padding; then forward / transpose over Winograd?; then the expected forward and
        // transpose with AMX, and without
        int[][] cases = {{16, 32, 8, 1, 0, 0, 1, 1, 1, 1}, {64, 64, 4, 0, 0, 0, 1, 0, 1, 1},
                {64, 64, 8, 1, 1, 1, 1, 0, 0, 0}, {64, 64, 8, 1, 0, 0, 1, 1, 1, 1}, {3, 32, 8, 1, 0, 0, 0, 0, 0, 0},
                {512, 512, 4, 0, 0, 0, 1, 0, 1, 1}};
        for (int[] c : cases) {
            OnednnConvolution.Key key = new OnednnConvolution.Key(2, c[0], c[2], c[2], c[1], 3, 3, 1, c[3], true,
                    false);
            String what = java.util.Arrays.toString(c);
            assertEquals(c[6] == 1, key.bf16Pays(true, c[4] == 1, true), what + ": forward, AMX");
            assertEquals(c[7] == 1, key.bf16Pays(false, c[5] == 1, true), what + ": transpose, AMX");
            assertEquals(c[8] == 1, key.bf16Pays(true, c[4] == 1, false), what + ": forward, AVX512_BF16");
            assertEquals(c[9] == 1, key.bf16Pays(false, c[5] == 1, false), what + ": transpose, AVX512_BF16");
        }
    }

    /**
     * bf16 operands run the directions their rule picks on this CPU ({@link #theBf16RuleDependsOnTheIsa}), the same
     * in every process.
     */
    @Test
    void bf16RunsByItsRule() {
        assumeTrue(org.eqprop.kernels.Onednn.bf16(), "bf16 operands run where they pay: AMX, or AVX512_BF16 on AMD");
        boolean amx = org.eqprop.kernels.Onednn.amx();
        Random r = new Random(23);
        // in, out, input size, padding, winograd asked, forward bf16?, transpose bf16? (AMX; then without AMX)
        int[][] cases = amx ? new int[][]{{16, 32, 8, 1, 0, 1, 1}, {64, 64, 4, 0, 0, 1, 0}, {64, 64, 8, 1, 1, 1, 0},
                {64, 64, 8, 1, 0, 1, 1}, {3, 32, 8, 1, 0, 0, 0}}
                : new int[][]{{16, 32, 8, 1, 0, 1, 1}, {64, 64, 4, 0, 0, 1, 1}, {64, 64, 8, 1, 1, 0, 0},
                {64, 64, 8, 1, 0, 1, 1}, {3, 32, 8, 1, 0, 0, 0}};
        for (int[] c : cases) {
            OnednnConvolution.Key key = new OnednnConvolution.Key(2, c[0], c[2], c[2], c[1], 3, 3, 1, c[3], true,
                    c[4] == 1);
            INDArray h = random(r, 0, 1, 2, c[0], c[2], c[2]);
            INDArray g = random(r, 0, 1, 2, c[1], key.outHeight(), key.outWidth());
            INDArray w = random(r, -0.1, 0.1, c[1], c[0], 3, 3);
            OnednnConvolution.Kernels k = new OnednnConvolution.Kernels(() -> w);
            for (int round = 0; round < 2; round++) {
                OnednnConvolution.Key f = OnednnConvolution.forward(key, h,  k,
                        Nd4j.create(DataType.FLOAT, 2, c[1], key.outHeight(), key.outWidth()));
                OnednnConvolution.Key t = OnednnConvolution.addTranspose(key, g, k,
                        Nd4j.zeros(DataType.FLOAT, 2, c[0], c[2], c[2]));
                String what = java.util.Arrays.toString(c) + " round " + round;
                assertEquals(c[5] == 1, f.bf16(), what + ": forward ran " + f.label());
                assertEquals(c[6] == 1, t.bf16(), what + ": transpose ran " + t.label());
                if (c[4] == 1 && c[6] == 0 && OnednnConvolution.makesWinograd(key)) {
                    assertEquals("onednn-fp32-winograd", t.label(), what);
                }
            }
        }
    }

    private static void assertDrivesEqual(ConvPoolInteraction got, ConvPoolInteraction ref, INDArray h,
                                          INDArray upper, String what) {
        assertDrivesEqual(got, ref, h, upper, 1e-6, what);
    }

    /** Both drives of {@code got} within {@code tolerance} (relative) of {@code ref}'s. */
    private static void assertDrivesEqual(ConvPoolInteraction got, ConvPoolInteraction ref, INDArray h,
                                          INDArray upper, double tolerance, String what) {
        INDArray low = Nd4j.zeros(DataType.FLOAT, h.shape());
        INDArray up = Nd4j.zeros(DataType.FLOAT, upper.shape());
        got.addDrives(h, upper, low, up);
        INDArray lowRef = Nd4j.zeros(DataType.FLOAT, h.shape());
        INDArray upRef = Nd4j.zeros(DataType.FLOAT, upper.shape());
        ref.addDrives(h, upper, lowRef, upRef);
        assertTrue(relativeError(up, upRef) < tolerance, what + ": upward " + relativeError(up, upRef));
        assertTrue(relativeError(low, lowRef) < tolerance, what + ": feedback " + relativeError(low, lowRef));
    }

    /** The bf16 product peak that bench divides bf16 runs by: positive where bf16 operands run, else NaN. */
    @Test
    void theBf16ProductPeakIsMeasuredWhereBf16Runs() {
        double peak = ConvPoolInteraction.bf16PeakGflops(256);
        if (ConvPoolInteraction.bf16Available()) {
            assertTrue(peak > 0 && Double.isFinite(peak), "bf16 peak " + peak);
        } else {
            assertTrue(Double.isNaN(peak), "bf16 peak " + peak);
        }
    }

    @Test
    void theCacheStaysBoundedAndFreesWhatItEvicts() {
        OnednnConvolution.clearCache();
        for (int n = 1; n <= 30; n++) {
            OnednnConvolution.Key key = new OnednnConvolution.Key(n, 2, 5, 5, 3, 3, 3, 1, 1, false);
            OnednnConvolution c = OnednnConvolution.of(key);
            assertTrue(c.forwardImpl.length() > 0 && c.transposeImpl.length() > 0
                    && c.weightGradientImpl().length() > 0);
        }
        assertEquals(24, OnednnConvolution.cached());
        OnednnConvolution.clearCache();
        assertEquals(0, OnednnConvolution.cached());
    }

    // ---- a conv block's EqProp gradient ------------------------------------------------------------------------

    private static INDArray gradient(String algorithm, ConvolutionPrecision precision) {
        EqPropBlock block = new EqPropBlock.Builder()
                .convLayers(ConvSpec.maxPooled(8, 3, 1).algorithm(algorithm), ConvSpec.maxPooled(16, 3, 1)
                        .algorithm(algorithm))
                .relaxation(RelaxationSettings.DEFAULTS.withFreeSteps(40).withNudgedSteps(15)
                        .withConvolutionPrecision(precision))
                .beta(0.5).build();
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).updater(new Sgd(0.1)).list().layer(block)
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                        .nOut(4).build())
                .setInputType(InputType.convolutional(8, 8, 3)).build();
        EqPropNetwork net = new EqPropNetwork(conf);
        net.init();
        Random r = new Random(2);
        INDArray x = random(r, 0, 1, 6, 3, 8, 8);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 4);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, r.nextInt(4), 1.0);
        }
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        return net.getLayer(0).getGradientsViewArray().dup();
    }

    private static double cosine(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue() / (a.norm2Number().doubleValue() * b.norm2Number().doubleValue());
    }

    @Test
    void aConvBlocksEqPropGradientIsIm2colsGradient() {
        INDArray ref = gradient("im2col", ConvolutionPrecision.FP32);
        ConvPoolInteraction.resetConvolutionCounts();
        INDArray fast = gradient("onednn", ConvolutionPrecision.FP32);
        assertTrue(ConvPoolInteraction.convolutionCounts().getOrDefault("onednn-fp32", 0L) > 50,
                ConvPoolInteraction.convolutionCounts().toString());
        double c = cosine(fast, ref);
        System.out.printf(Locale.ROOT, "block gradient, oneDNN fp32 vs im2col: cosine %.8f%n", c);
        assertTrue(ref.norm2Number().doubleValue() > 1e-4 && c > 0.9999, "cosine " + c);
        if (org.eqprop.kernels.Onednn.bf16()) {
            double cb = cosine(gradient("onednn", ConvolutionPrecision.BF16), ref);
            System.out.printf(Locale.ROOT, "block gradient, oneDNN bf16 vs im2col fp32: cosine %.6f%n", cb);
            // the gradient is a difference of two fixed points, each relaxed with bf16 products (measured 0.987 here)
            assertTrue(cb > 0.97, "bf16 cosine " + cb);
        }
    }
}
