package org.eqprop.cuda;

import org.eqprop.dynamics.AcceleratedEngine;

/**
 * Registers the CUDA engine with {@link org.eqprop.engines.EngineChoice} (META-INF/services): the engine when
 * {@link CudaRuntime} finds a usable GPU, driver and kernels, else none and the reason. With the system property
 * {@code eqprop.cuda.host=true} it offers the kernels' host build instead (slow; for tests of the whole training
 * path through this engine on machines without a GPU); {@code eqprop.cuda.driver=PATH} opens another driver library
 * than libcuda.so.1 (the module's CPU stand-in, which runs the whole GPU path on the CPU). The system property {@code eqprop.cuda.precision}
 * ({@code fp32} by default, {@code tf32} or {@code bf16}) selects the operand precision of the kernels' products
 * ({@link Precision}; the CLI's {@code --precision}).
 */
public final class CudaEngineProvider implements AcceleratedEngine.Provider {

    /** The system property that selects the host build of the kernels. */
    public static final String HOST_PROPERTY = "eqprop.cuda.host";
    /** The system property that selects the operand precision: fp32 (default), tf32 or bf16. */
    public static final String PRECISION_PROPERTY = "eqprop.cuda.precision";

    private final java.util.Map<Precision, CudaEngine> engines = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Precision, CudaEngine> hostEngines = new java.util.concurrent.ConcurrentHashMap<>();

    /** The precision {@link #PRECISION_PROPERTY} asks for (an invalid value is an IllegalArgumentException). */
    public static Precision precision() {
        return Precision.parse(System.getProperty(PRECISION_PROPERTY, "fp32"));
    }

    private static boolean hostBuild() {
        return Boolean.getBoolean(HOST_PROPERTY) && CudaRuntime.loadNative() == null;
    }

    @Override
    public AcceleratedEngine engine() {
        Precision precision = precision();
        if (hostBuild()) {
            return hostEngines.computeIfAbsent(precision, p -> new CudaEngine(CudaKernels.host().withPrecision(p)));
        }
        if (!CudaRuntime.status().gpuUsable()) {
            return null;
        }
        return engines.computeIfAbsent(precision, p -> new CudaEngine(CudaKernels.gpu().withPrecision(p)));
    }

    @Override
    public String status() {
        if (hostBuild()) {
            return "cuda: the kernels' host build (" + HOST_PROPERTY + "=true)";
        }
        CudaRuntime.Status s = CudaRuntime.status();
        return "cuda: " + (s.gpuUsable() ? s.reason() : "unavailable, " + s.reason());
    }
}
