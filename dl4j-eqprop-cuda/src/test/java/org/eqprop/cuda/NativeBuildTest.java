package org.eqprop.cuda;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native parts of the build: the g++ host library of the kernels (ELF, exporting the eqprop_native.h API and the
 * kernels themselves) next to the JavaCPP JNI library, and the argument checks of the binding (bad sizes and
 * phases are refused with their values before anything native runs).
 */
class NativeBuildTest {

    @Test
    void hostLibraryHoldsTheKernelsAndTheApi() {
        TestChains.host();
        byte[] so = CudaRuntime.resource("/org/eqprop/cuda/linux-x86_64/libeqprop_host.so");
        assertNotNull(so, "the build made no libeqprop_host.so");
        assertEquals(0x7f, so[0] & 0xff);
        assertEquals("ELF", new String(so, 1, 3, StandardCharsets.US_ASCII));
        String text = new String(so, StandardCharsets.ISO_8859_1);
        for (String k : FatbinContainerTest.KERNELS) {
            assertTrue(text.contains(k + "\0"), "host library lacks " + k);
        }
        assertTrue(text.contains("host_dense_relax"), "host library lacks the API");
        assertNotNull(CudaRuntime.resource("/org/eqprop/cuda/linux-x86_64/libjniEqpropNative.so"));
    }

    private static DenseProblem problem(float[] weights, int[] from) {
        int batch = 2;
        int[] steps = new int[from.length];
        java.util.Arrays.fill(steps, 1);
        return new DenseProblem(new int[]{3, 2}, weights, new float[2], new float[batch * 3], new float[batch * 5],
                batch, DenseProblem.Force.NONE, 1f, null, null, null, 0, false, 0f, 1f, false, 0f,
                steps, new float[from.length], from);
    }

    @Test
    void badProblemsAreRefusedWithTheirValues() {
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> problem(new float[5], new int[]{-1}));
        assertTrue(w.getMessage().contains("weights") && w.getMessage().contains("6") && w.getMessage().contains("5"),
                w.getMessage());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> problem(new float[6], new int[]{-1, 1}));
        assertTrue(f.getMessage().contains("phase 1"), f.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> TestChains.host().denseRelax(problem(new float[6], new int[]{-1}), 0));
        assertTrue(t.getMessage().contains("0"), t.getMessage());
        IllegalArgumentException c = assertThrows(IllegalArgumentException.class,
                () -> new ConvShape(1, 1, 5, 5, 1, 3, 1, 0, 2));
        assertTrue(c.getMessage().contains("3x3"), c.getMessage());
    }

    /**
     * The JNI library asks for no glibc newer than 2.17 (it is built on a newer one: glibc_compat.h binds dlopen & co.
     * and expf to their first versions), so it loads on old distributions too.
     */
    @Test
    void jniLibraryLoadsOnOldGlibc() {
        TestChains.host();
        byte[] so = CudaRuntime.resource("/org/eqprop/cuda/linux-x86_64/libjniEqpropNative.so");
        assertNotNull(so, "the build made no libjniEqpropNative.so");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("GLIBC_2\\.([0-9]+)").matcher(
                new String(so, StandardCharsets.ISO_8859_1));
        int newest = 0;
        while (m.find()) {
            newest = Math.max(newest, Integer.parseInt(m.group(1)));
        }
        assertTrue(newest >= 2, "no glibc version requirement found");
        assertTrue(newest <= 17, "the JNI library needs glibc 2." + newest);
    }
}
