package org.eqprop.cuda;

import org.eqprop.dynamics.AcceleratedEngine;

/**
 * Registers the CUDA engine with {@link org.eqprop.dynamics.EngineChoice} (META-INF/services): the engine when
 * {@link CudaRuntime} finds a usable GPU, driver and kernels, else none and the reason. With the system property
 * {@code eqprop.cuda.host=true} it offers the kernels' host build instead (slow; for tests of the whole training
 * path through this engine on machines without a GPU).
 */
public final class CudaEngineProvider implements AcceleratedEngine.Provider {

    /** The system property that selects the host build of the kernels. */
    public static final String HOST_PROPERTY = "eqprop.cuda.host";

    private volatile CudaRelaxationEngine engine;
    private volatile CudaRelaxationEngine hostEngine;

    private static boolean hostBuild() {
        return Boolean.getBoolean(HOST_PROPERTY) && CudaRuntime.loadNative() == null;
    }

    @Override
    public AcceleratedEngine engine() {
        if (hostBuild()) {
            CudaRelaxationEngine h = hostEngine;
            if (h == null) {
                hostEngine = h = new CudaRelaxationEngine(CudaKernels.host(), 0);
            }
            return h;
        }
        if (!CudaRuntime.status().gpuUsable()) {
            return null;
        }
        CudaRelaxationEngine e = engine;
        if (e == null) {
            engine = e = new CudaRelaxationEngine(CudaKernels.gpu(), 0);
        }
        return e;
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
