package org.eqprop.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Vector API kernels against the scalar fallback (used when jdk.incubator.vector is not loaded). */
class KernelTest {

    /** The tiled layout changes against their definition, for widths and slices that are not whole tiles. */
    @Test
    void featureMajorCopiesMatchTheirDefinition() {
        Random r = new Random(3);
        for (int[] shape : new int[][]{{500, 64, 0, 64}, {10, 37, 5, 48}, {17, 19, 2, 32}, {1, 1, 0, 16}}) {
            int width = shape[0];
            int nb = shape[1];
            int offset = shape[2];
            int stride = shape[3];
            float[] src = random((offset + nb) * width, r);
            float[] fm = new float[width * stride];
            FusedKernels.toFeatureMajor(src, width, offset, nb, fm, stride);
            for (int b = 0; b < nb; b++) {
                for (int j = 0; j < width; j++) {
                    assertEquals(src[(offset + b) * width + j], fm[j * stride + b]);
                }
            }
            float[] back = new float[src.length];
            FusedKernels.fromFeatureMajor(fm, width, offset, nb, back, stride);
            for (int i = offset * width; i < back.length; i++) {
                assertEquals(src[i], back[i]);
            }
        }
    }

    /** A diverging state shows in the residual: a NaN drive passes the vector kernel's clip and its residual. */
    @Test
    void aNanDriveGivesANanResidual() {
        SimdKernel vector = new VectorKernel();
        for (int at : new int[]{0, 5 * vector.lanes() + 1}) {
            float[] s = new float[8 * vector.lanes()];
            float[] u = new float[s.length];
            u[at] = Float.NaN;
            assertTrue(Float.isNaN(vector.clampStep(s, u, s.length, 1f, 1f, 0f)));
            assertTrue(Float.isNaN(u[at]));
        }
    }

    /**
     * The vector kernel's residual (integer maxima on the bits of |s_{t+1} − s_t|) is exactly the largest change, wherever
     * it sits: in the two-vector loop, the one-vector loop or the scalar tail, up or down, infinite (a leaky drive) or
     * a NaN with its sign bit set.
     */
    @Test
    void theResidualIsExactlyTheLargestChange() {
        SimdKernel vector = new VectorKernel();
        int lanes = vector.lanes();
        Random r = new Random(11);
        int len = 4 * lanes + lanes + 3;
        for (int at = 0; at < len; at += 3) {
            for (float change : new float[]{0.37f, -0.21f}) {
                float[] s = new float[len];
                float[] u = new float[len];
                for (int i = 0; i < len; i++) {
                    s[i] = 0.3f + 0.3f * r.nextFloat();
                    u[i] = s[i] + 0.01f * (r.nextFloat() - 0.5f);
                }
                u[at] = s[at] + change;
                float[] before = s.clone();
                float residual = vector.clampStep(s, u, len, 1f, 1f, 0f);
                float largest = 0f;
                for (int i = 0; i < len; i++) {
                    largest = Math.max(largest, Math.abs(u[i] - before[i]));
                }
                assertEquals(largest, residual, 0f, "largest change at " + at);
                assertEquals(Math.abs(change), residual, 1e-6f);
            }
        }
        float[] s = new float[len];
        float[] u = new float[len];
        u[lanes + 2] = Float.POSITIVE_INFINITY;
        assertEquals(Float.POSITIVE_INFINITY, vector.clampStep(s, u, len, 1f, 1f, 0.1f));
        u = new float[len];
        u[2 * lanes + 1] = Float.intBitsToFloat(0xffc00000); // a NaN whose sign bit is set
        assertTrue(Float.isNaN(vector.clampStep(s, u, len, 1f, 1f, 0f)));
    }

    /**
     * allFinite reads a float32 array in place: a NaN or an infinity of either sign anywhere (the SIMD body or the
     * tail) is found, and only within the floats asked about; finite values large enough to overflow a sum are
     * finite; both kernels agree; Phases.allFinite gives the same answers for arrays it cannot read in place (a row
     * view, a column, a double copy).
     */
    @Test
    void allFiniteFindsEveryNonFiniteEntryInPlace() {
        SimdKernel scalar = new ScalarKernel();
        SimdKernel vector = new VectorKernel();
        int n = 5 * vector.lanes() + 7;
        for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (int at = 0; at < n; at += 5) {
                org.nd4j.linalg.api.ndarray.INDArray a = org.nd4j.linalg.factory.Nd4j.rand(
                        org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, n).muli(3e38f);
                assertTrue(FusedKernels.readsInPlace(a));
                assertTrue(FusedKernels.allFinite(a), "large finite values");
                a.putScalar(0, at, bad);
                a.putScalar(2, at, bad);
                java.nio.ByteBuffer b = a.data().asNio();
                for (SimdKernel k : new SimdKernel[]{scalar, vector}) {
                    assertTrue(k.allFinite(b, 4 * n, n), k.name() + ": outside the floats asked about, at " + at);
                    assertFalse(k.allFinite(b, 0, n), k.name() + ": " + bad + " at " + at);
                }
                assertFalse(FusedKernels.allFinite(a));
                a.putScalar(1, at, bad);
                assertFalse(scalar.allFinite(b, 4 * n, n));
                assertFalse(vector.allFinite(b, 4 * n, n));
                org.nd4j.linalg.api.ndarray.INDArray row = a.getRow(1);
                assertFalse(org.eqprop.dynamics.Phases.allFinite(row));
                assertFalse(org.eqprop.dynamics.Phases.allFinite(row.castTo(
                        org.nd4j.linalg.api.buffer.DataType.DOUBLE)));
                assertFalse(org.eqprop.dynamics.Phases.allFinite(a.getColumn(at)));
                assertTrue(org.eqprop.dynamics.Phases.allFinite(a.getColumn((at + 1) % n)));
            }
        }
    }

    /**
     * A view whose data buffer is its own length but whose offset counts in its parent's memory (a row; a layer's
     * parameter or gradient view into the network's flat array) is read and written in place, at the right floats.
     */
    @Test
    void viewsIntoAParentAreReadAndWrittenInPlace() {
        int n = 87;
        org.nd4j.linalg.api.ndarray.INDArray parent = org.nd4j.linalg.factory.Nd4j.rand(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 3, n);
        org.nd4j.linalg.api.ndarray.INDArray before = parent.dup();
        org.nd4j.linalg.api.ndarray.INDArray row = parent.getRow(1);
        assertTrue(FusedKernels.readsInPlace(row), "offset " + row.offset() + ", own length " + row.data().length());
        float[] read = FusedKernels.floats(row);
        float[] written = new float[n];
        for (int i = 0; i < n; i++) {
            assertEquals(before.getFloat(1, i), read[i]);
            written[i] = -i;
        }
        FusedKernels.write(row, written);
        for (int i = 0; i < n; i++) {
            assertEquals(before.getFloat(0, i), parent.getFloat(0, i));
            assertEquals(-i, parent.getFloat(1, i));
            assertEquals(before.getFloat(2, i), parent.getFloat(2, i));
        }
    }

    static float[] random(int n, Random r) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextFloat() * 2 - 0.5f;
        }
        return a;
    }

    @Test
    void theVectorKernelIsInUseUnderTheTestJvm() {
        assertEquals("vector-api", FusedKernels.kernelName());
    }

    @Test
    void vectorAndScalarKernelsAgree() {
        Random r = new Random(5);
        SimdKernel scalar = new ScalarKernel();
        SimdKernel vector = new VectorKernel();
        int lanes = vector.lanes();
        for (int[] shape : new int[][]{{7, 13, 1}, {500, 10, 8}, {10, 500, 5}, {3, 4, 9}}) {
            int rows = shape[0];
            int inner = shape[1];
            int stride = shape[2] * lanes;
            float[] m = random(rows * inner, r);
            float[] in = random(inner * stride, r);
            float[] init = random(rows * stride, r);
            float[] a = new float[rows * stride];
            float[] b = new float[rows * stride];
            scalar.accumulate(a, init, m, in, rows, inner, stride);
            vector.accumulate(b, init, m, in, rows, inner, stride);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-4f * (1 + Math.abs(a[i])));
            }
            // in place (init = out), as the engine runs its second product of a layer: the same bits
            float[] c = init.clone();
            vector.accumulate(c, c, m, in, rows, inner, stride);
            assertArrayEquals(b, c);
            float[] s = random(rows * stride + 3, r);
            float[] u1 = random(s.length, r);
            float[] u2 = u1.clone();
            float r1 = scalar.clampStep(s, u1, s.length, 0.5f, 0.7f, 0.01f);
            float r2 = vector.clampStep(s, u2, s.length, 0.5f, 0.7f, 0.01f);
            assertEquals(r1, r2, 1e-6f);
            for (int i = 0; i < s.length; i++) {
                assertEquals(u1[i], u2[i], 1e-6f);
            }
            assertTrue(r1 > 0);
        }
    }

    /**
     * The transposed product (the input drive b_1 + W_1ᵀ X) gives the bits of its definition, one fused
     * multiply-add chain per output in ascending inner index, in both kernels: for row counts that are not multiples
     * of four, strides of one to nine vectors (whole blocks of four and the single vectors left over), inner sizes
     * over the L1 chunk, and in place (init = out) as the engine runs it.
     */
    @Test
    void transposedProductIsOneFmaChainPerOutput() {
        Random r = new Random(9);
        int lanes = new VectorKernel().lanes();
        for (int[] shape : new int[][]{{500, 784, 4}, {7, 13, 1}, {10, 300, 5}, {3, 4, 9}, {4, 1, 1}, {9, 2000, 2},
                {784, 128, 32}}) {
            int rows = shape[0];
            int inner = shape[1];
            int stride = shape[2] * lanes;
            float[] mT = random(inner * rows, r);
            float[] in = random(inner * stride, r);
            float[] init = random(rows * stride, r);
            float[] expected = new float[rows * stride];
            for (int row = 0; row < rows; row++) {
                for (int b = 0; b < stride; b++) {
                    float a = init[row * stride + b];
                    for (int c = 0; c < inner; c++) {
                        a = Math.fma(mT[c * rows + row], in[c * stride + b], a);
                    }
                    expected[row * stride + b] = a;
                }
            }
            for (SimdKernel kernel : new SimdKernel[]{new VectorKernel(), new ScalarKernel()}) {
                float[] out = new float[rows * stride];
                kernel.accumulateTransposed(out, init, mT, in, rows, inner, stride);
                assertArrayEquals(expected, out, kernel.name() + " " + rows + "x" + inner + "x" + stride);
                float[] inPlace = init.clone();
                kernel.accumulateTransposed(inPlace, inPlace, mT, in, rows, inner, stride);
                assertArrayEquals(expected, inPlace, kernel.name() + " in place");
            }
        }
    }

    /**
     * The product's row blocks (five rows, two rows, one row, sharing each loaded input vector) give each row the
     * bits it gets alone: the same fused multiply-add order whatever block a row falls in.
     */
    @Test
    void productRowsGiveTheSameBitsInEveryBlock() {
        Random r = new Random(8);
        SimdKernel vector = new VectorKernel();
        int lanes = vector.lanes();
        for (int[] shape : new int[][]{{10, 500, 4}, {500, 10, 4}, {7, 33, 5}, {13, 8, 1}}) {
            int rows = shape[0];
            int inner = shape[1];
            int stride = shape[2] * lanes;
            float[] m = random(rows * inner, r);
            float[] in = random(inner * stride, r);
            float[] init = random(rows * stride, r);
            float[] all = new float[rows * stride];
            vector.accumulate(all, init, m, in, rows, inner, stride);
            for (int row = 0; row < rows; row++) {
                float[] alone = new float[stride];
                vector.accumulate(alone, java.util.Arrays.copyOfRange(init, row * stride, (row + 1) * stride),
                        java.util.Arrays.copyOfRange(m, row * inner, (row + 1) * inner), in, 1, inner, stride);
                assertArrayEquals(alone, java.util.Arrays.copyOfRange(all, row * stride, (row + 1) * stride),
                        "row " + row + " of " + rows + "x" + inner);
            }
        }
    }

    /**
     * The contrast products against their definition in double precision, with values in the padding columns
     * (from nb on, as a logistic activation leaves there) that must not count, for slices of whole vectors, of a
     * partial vector and of less than one vector.
     */
    @Test
    void contrastProductsLeaveThePaddingOut() {
        Random r = new Random(12);
        int lanes = new VectorKernel().lanes();
        for (int[] shape : new int[][]{{500, 10, 64, 64}, {40, 30, 19, 32}, {7, 3, 5, 16}}) {
            int rows = shape[0];
            int cols = shape[1];
            int nb = shape[2];
            int stride = Math.max(shape[3], lanes);
            float[] la = random(rows * stride, r);
            float[] lb = random(rows * stride, r);
            float[] ua = random(cols * stride, r);
            float[] ub = random(cols * stride, r);
            for (SimdKernel kernel : new SimdKernel[]{new VectorKernel(), new ScalarKernel()}) {
                float[] g = random(rows * cols, new Random(1));
                float[] g0 = g.clone();
                kernel.contrastProducts(g, la, ua, lb, ub, rows, cols, nb, stride);
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        double sum = g0[i * cols + j];
                        for (int b = 0; b < nb; b++) {
                            sum += (double) la[i * stride + b] * ua[j * stride + b]
                                    - (double) lb[i * stride + b] * ub[j * stride + b];
                        }
                        assertEquals(sum, g[i * cols + j], 1e-4 * (1 + Math.abs(sum)),
                                kernel.name() + " " + i + "," + j);
                    }
                }
            }
        }
    }

    /**
     * A parameter-like view into one flat array (as a layer's weight views are) is read in place at its offset, and
     * a view that is not contiguous in row order through a copy: both give the view's elements in row order.
     */
    @Test
    void floatsOfViewsIntoAFlatArray() {
        org.nd4j.linalg.api.ndarray.INDArray flat = org.nd4j.linalg.factory.Nd4j.rand(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3 + 5 * 7 + 4);
        org.nd4j.linalg.api.ndarray.INDArray view = flat.reshape(flat.length())
                .get(org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 3 + 35)).reshape('c', 5, 7);
        float[] all = flat.data().asFloat();
        float[] expected = java.util.Arrays.copyOfRange(all, 3, 38);
        assertArrayEquals(expected, FusedKernels.floats(view));
        assertArrayEquals(expected, FusedKernels.floats(view.dup('f')));
        assertArrayEquals(expected, FusedKernels.floats(view.transpose().transpose()));
    }
}
