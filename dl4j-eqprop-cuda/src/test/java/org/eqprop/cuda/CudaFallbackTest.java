package org.eqprop.cuda;

import org.eqprop.engines.EngineChoice;
import org.eqprop.dynamics.EnergyChain;
import org.eqprop.dynamics.FixedPointDynamics;
import org.eqprop.dynamics.RelaxationEngine;
import org.eqprop.dynamics.fused.FusedDenseRelaxation;
import org.eqprop.layers.StateActivation;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The binding on a machine without a usable GPU (these development and CI machines): the JNI library loads, the
 * driver-API path reports why it cannot run (no libcuda.so.1), the GPU kernels refuse with that reason instead of
 * crashing, and engine selection falls back to the CPU engines for cuda and auto alike.
 */
class CudaFallbackTest {

    private static CudaRuntime.Status noGpu() {
        TestChains.host();
        CudaRuntime.Status s = CudaRuntime.status();
        Assumptions.assumeFalse(s.gpuUsable(), "a GPU is usable here: " + s.reason());
        return s;
    }

    @Test
    void probeGivesAClearReason() {
        CudaRuntime.Status s = noGpu();
        assertTrue(s.nativeLoaded());
        assertTrue(s.reason().startsWith("no usable GPU") || s.reason().contains("no CUDA kernels"), s.reason());
        if (!new java.io.File("/usr/lib/x86_64-linux-gnu/libcuda.so.1").exists()) {
            assertTrue(s.reason().contains("libcuda.so.1"), s.reason());
        }
    }

    @Test
    void gpuKernelsRefuseWithTheReasonInsteadOfCrashing() {
        CudaRuntime.Status s = noGpu();
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, CudaKernels::gpu);
        assertTrue(e.getMessage().contains(s.reason()), e.getMessage());
        // and the raw binding, called anyway, returns an error code with a message
        int[] cfg = {1, 1, 1, 1, 1};
        assertNotEquals(0, EqpropNative.cuda_dense_contrast(cfg, 1f, new float[1], new float[1], new float[1],
                new float[1], new float[1]));
        assertFalse(EqpropNative.last_error().isEmpty());
        assertEquals(-1, EqpropNative.cuda_probe(new int[5]));
    }

    @Test
    void engineSelectionFallsBackToTheCpu() {
        noGpu();
        EnergyChain chain = TestChains.dense(new Random(1), 4, new int[]{5, 3}, StateActivation.of("hard-sigmoid", 0),
                FixedPointDynamics.INSTANCE, 1);
        RelaxationEngine cuda = EngineChoice.select("cuda", chain, null, DataType.FLOAT);
        RelaxationEngine auto = EngineChoice.select("auto", chain, null, DataType.FLOAT);
        assertSame(FusedDenseRelaxation.INSTANCE, cuda);
        assertSame(FusedDenseRelaxation.INSTANCE, auto);
        assertTrue(EngineChoice.acceleratorStatus().stream().anyMatch(l -> l.startsWith("cuda: unavailable")),
                EngineChoice.acceleratorStatus().toString());
        assertThrows(IllegalArgumentException.class, () -> EngineChoice.checked("gpu"));
    }
}
