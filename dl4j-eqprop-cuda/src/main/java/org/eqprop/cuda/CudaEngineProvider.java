package org.eqprop.cuda;

import org.eqprop.dynamics.AcceleratedEngine;

/**
 * Registers the CUDA engine with {@link org.eqprop.dynamics.EngineChoice} (META-INF/services): the engine when
 * {@link CudaRuntime} finds a usable GPU, driver and kernels, else none and the reason.
 */
public final class CudaEngineProvider implements AcceleratedEngine.Provider {

    private volatile CudaRelaxationEngine engine;

    @Override
    public AcceleratedEngine engine() {
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
        CudaRuntime.Status s = CudaRuntime.status();
        return "cuda: " + (s.gpuUsable() ? s.reason() : "unavailable, " + s.reason());
    }
}
