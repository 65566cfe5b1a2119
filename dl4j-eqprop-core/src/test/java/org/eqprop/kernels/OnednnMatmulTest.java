package org.eqprop.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** oneDNN's matmul as the dense engine uses it, against ND4J's products. */
class OnednnMatmulTest {

    /** A [rows, cols] float32 array that is a row-major view starting inside a larger buffer. */
    private static INDArray viewInside(INDArray values) {
        long n = values.length();
        INDArray flat = Nd4j.rand(DataType.FLOAT, n + 13);
        INDArray view = flat.get(NDArrayIndex.interval(7, 7 + n)).reshape('c', values.size(0), values.size(1));
        view.assign(values);
        return view;
    }

    private static double relativeError(INDArray got, INDArray want) {
        return got.sub(want).norm2Number().doubleValue() / want.norm2Number().doubleValue();
    }

    @ParameterizedTest
    @CsvSource({"false,false,false", "true,false,true", "false,true,false", "true,true,true", "true,true,false"})
    void float32ProductsEqualNd4j(boolean transA, boolean transB, boolean bias) {
        assertNull(Onednn.loadProblem());
        int m = 37;
        int n = 70;
        int k = 130;
        Nd4j.getRandom().setSeed(3);
        INDArray a = Nd4j.rand(DataType.FLOAT, transA ? k : m, transA ? m : k).subi(0.5);
        INDArray b = Nd4j.rand(DataType.FLOAT, transB ? n : k, transB ? k : n).subi(0.5);
        INDArray row = Nd4j.rand(DataType.FLOAT, 1, n);
        INDArray want = (transA ? a.transpose() : a).mmul(transB ? b.transpose() : b);
        if (bias) {
            want.addiRowVector(row);
        }
        // operands and the result as views with offsets, as DL4J's parameter and gradient views are
        INDArray c = viewInside(Nd4j.zeros(DataType.FLOAT, m, n));
        INDArray before = c.dup();
        OnednnMatmul.Shape shape = new OnednnMatmul.Shape(m, n, k, transA, transB, bias, false);
        OnednnMatmul.multiply(shape, viewInside(a), viewInside(b), bias ? viewInside(row) : null, c);
        double e = relativeError(c, want);
        assertTrue(e < 1e-6, "float32 product relative error " + e);
        assertTrue(c.sub(before).amaxNumber().doubleValue() > 0.1, "the product was written");
        // the view's neighbours in its buffer are untouched
        INDArray whole = Nd4j.rand(DataType.FLOAT, m * n + 13);
        INDArray copy = whole.dup();
        INDArray inside = whole.get(NDArrayIndex.interval(7, 7 + m * n)).reshape('c', m, n);
        OnednnMatmul.multiply(shape, a, b, bias ? row : null, inside);
        assertEquals(0.0, whole.get(NDArrayIndex.interval(0, 7)).sub(copy.get(NDArrayIndex.interval(0, 7)))
                .amaxNumber().doubleValue());
        assertEquals(0.0, whole.get(NDArrayIndex.interval(7 + m * n, m * n + 13))
                .sub(copy.get(NDArrayIndex.interval(7 + m * n, m * n + 13))).amaxNumber().doubleValue());
        // the same shape gives the same bits again
        INDArray again = Nd4j.zeros(DataType.FLOAT, m, n);
        OnednnMatmul.multiply(shape, a, b, bias ? row : null, again);
        assertArrayEquals(inside.dup().data().asFloat(), again.data().asFloat());
    }

    /**
     * Where bf16 operands run: AMX, or AVX512_BF16 on an AMD CPU. The vendor comes from cpuinfo's first vendor_id
     * line, "" without one.
     */
    @Test
    void bf16RunsOnAmxOrOnAmdsAvx512Bf16(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path amd = dir.resolve("amd");
        java.nio.file.Files.writeString(amd, "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n"
                + "processor\t: 1\nvendor_id\t: AuthenticAMD\n");
        assertEquals("AuthenticAMD", Onednn.cpuVendor(amd));
        java.nio.file.Path none = dir.resolve("none");
        java.nio.file.Files.writeString(none, "processor\t: 0\n");
        assertEquals("", Onednn.cpuVendor(none));
        assertEquals("", Onednn.cpuVendor(dir.resolve("missing")));
        if (Onednn.loadProblem() == null) {
            String isa = Onednn.isaName();
            assertTrue(!isa.equals("none") && !isa.startsWith("isa 0x"), isa);
            boolean expected = isa.equals("avx512_core_amx")
                    || isa.equals("avx512_core_bf16") && Onednn.CPU_VENDOR.equals("AuthenticAMD");
            assertEquals(expected, Onednn.bf16(), isa + " on " + Onednn.CPU_VENDOR);
        }
    }

    @Test
    void bf16OperandsAreRoundedAndAccumulatedInFloat32() {
        assumeTrue(Onednn.bf16(), "bf16 products run where they pay: AMX, or AVX512_BF16 on AMD");
        Nd4j.getRandom().setSeed(5);
        INDArray a = Nd4j.rand(DataType.FLOAT, 128, 784);
        INDArray b = Nd4j.rand(DataType.FLOAT, 784, 500).subi(0.5);
        INDArray want = a.mmul(b);
        INDArray c = Nd4j.zeros(DataType.FLOAT, 128, 500);
        OnednnMatmul.Shape shape = new OnednnMatmul.Shape(128, 500, 784, false, false, false, true);
        OnednnMatmul.multiply(shape, a, b, null, c);
        double e = relativeError(c, want);
        // bf16 keeps 8 bits of mantissa: errors of a few 1e-3, far above float32's but far below a wrong product
        assertTrue(e > 1e-4 && e < 1e-2, "bf16 product relative error " + e);
        assertTrue(OnednnMatmul.implementation(shape).contains("bf16"), OnednnMatmul.implementation(shape));
        assertTrue(OnednnMatmul.bf16Gflops(256, 2) > 1, "a bf16 product rate");
    }

    /**
     * An entry evicted from the cache (and freed) while a caller still holds it does nothing and says so, and the next
     * product of its shape makes a new entry: no call reaches freed native objects.
     */
    @Test
    void anEvictedEntryIsNotRunAndItsShapeIsMadeAgain() {
        OnednnMatmul.Shape shape = new OnednnMatmul.Shape(3, 4, 5, false, false, false, false);
        INDArray a = Nd4j.rand(DataType.FLOAT, 3, 5);
        INDArray b = Nd4j.rand(DataType.FLOAT, 5, 4);
        OnednnMatmul held = OnednnMatmul.of(shape);
        for (int m = 10; m < 40; m++) { // more shapes than the cache keeps
            OnednnMatmul.multiply(new OnednnMatmul.Shape(m, 4, 5, false, false, false, false),
                    Nd4j.rand(DataType.FLOAT, m, 5), b, null, Nd4j.create(DataType.FLOAT, m, 4));
        }
        INDArray c = Nd4j.zeros(DataType.FLOAT, 3, 4);
        assertTrue(!held.run(a, b, null, c), "a freed entry must not run");
        assertEquals(0.0, c.amaxNumber().doubleValue());
        OnednnMatmul.multiply(shape, a, b, null, c);
        assertTrue(relativeError(c, a.mmul(b)) < 1e-6);
        assertTrue(OnednnMatmul.of(shape) != held, "the shape's entry was made again");
    }

    @Test
    void turnedOffWithTheProperty() {
        assertTrue(OnednnMatmul.available());
        System.setProperty("eqprop.onednn", "false");
        try {
            assertTrue(!OnednnMatmul.available(), "-Deqprop.onednn=false turns the products off too");
        } finally {
            System.clearProperty("eqprop.onednn");
        }
        assertTrue(OnednnMatmul.available());
    }

    @Test
    void refusesWhatItCannotRead() {
        OnednnMatmul.Shape shape = new OnednnMatmul.Shape(4, 5, 6, false, false, false, false);
        INDArray c = Nd4j.zeros(DataType.FLOAT, 4, 5);
        IllegalArgumentException wrongShape = assertThrows(IllegalArgumentException.class, () -> OnednnMatmul.multiply(
                shape, Nd4j.zeros(DataType.FLOAT, 6, 4), Nd4j.zeros(DataType.FLOAT, 6, 5), null, c));
        assertTrue(wrongShape.getMessage().contains("A of"), wrongShape.getMessage());
        IllegalArgumentException columnMajor = assertThrows(IllegalArgumentException.class, () -> OnednnMatmul
                .multiply(shape, Nd4j.zeros(DataType.FLOAT, 4, 6).dup('f'), Nd4j.zeros(DataType.FLOAT, 6, 5), null,
                        c));
        assertTrue(columnMajor.getMessage().contains("row-major"), columnMajor.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OnednnMatmul.multiply(shape,
                Nd4j.zeros(DataType.DOUBLE, 4, 6), Nd4j.zeros(DataType.FLOAT, 6, 5), null, c));
        assertThrows(IllegalArgumentException.class, () -> OnednnMatmul.multiply(shape,
                Nd4j.zeros(DataType.FLOAT, 4, 6), Nd4j.zeros(DataType.FLOAT, 6, 5), Nd4j.zeros(DataType.FLOAT, 1, 5),
                c));
        assertThrows(IllegalArgumentException.class, () -> new OnednnMatmul.Shape(0, 5, 6, false, false, false,
                false));
        // a bias that is not contiguous (a column of a matrix) is refused, not read wrongly
        OnednnMatmul.Shape withBias = new OnednnMatmul.Shape(4, 5, 6, false, false, true, false);
        INDArray column = Nd4j.rand(DataType.FLOAT, 5, 3).getColumn(1);
        IllegalArgumentException strided = assertThrows(IllegalArgumentException.class, () -> OnednnMatmul.multiply(
                withBias, Nd4j.zeros(DataType.FLOAT, 4, 6), Nd4j.zeros(DataType.FLOAT, 6, 5), column, c));
        assertTrue(strided.getMessage().contains("contiguous"), strided.getMessage());
        OnednnMatmul.multiply(withBias, Nd4j.zeros(DataType.FLOAT, 4, 6), Nd4j.zeros(DataType.FLOAT, 6, 5),
                Nd4j.ones(DataType.FLOAT, 5), c);
        assertEquals(1.0, c.minNumber().doubleValue());
    }
}
