package org.eqprop.cuda;

import java.io.IOException;
import java.io.InputStream;

/**
 * What this machine offers the CUDA engine, probed once: whether the JNI library ({@link EqpropNative}) loaded,
 * whether the jar holds the nvcc-built kernels, and whether the CUDA driver (libcuda.so.1, opened at run time) sees a
 * GPU that can load them. Every failure becomes a {@link Status} with the reason, never an exception: a machine
 * without a driver falls back to the CPU engines.
 */
public final class CudaRuntime {

    /** The fatbin (sm_80 and sm_90 SASS, compute_90 PTX) the build puts into the jar. */
    public static final String FATBIN = "/org/eqprop/cuda/kernels/eqprop_kernels.fatbin";
    /** The ptxas resource report (-Xptxas -v) of the same build. */
    public static final String PTXAS_REPORT = "/org/eqprop/cuda/kernels/ptxas-report.txt";

    /**
     * @param nativeLoaded    the JNI library (host build of the kernels + driver-API path) loaded
     * @param gpuUsable       a GPU is present, the driver works and the module loaded on it
     * @param reason          why the GPU is not usable, or a description of the device in use
     * @param computeCapability major·10 + minor (0 without a GPU)
     * @param multiprocessors the GPU's SM count (0 without a GPU)
     */
    public record Status(boolean nativeLoaded, boolean gpuUsable, String reason, int computeCapability,
                         int multiprocessors) {
    }

    private static Status status;
    private static Throwable loadError;
    private static boolean loadTried;

    private CudaRuntime() {
    }

    /** Loads the JNI library once; null on success, else the reason. */
    static synchronized String loadNative() {
        if (!loadTried) {
            loadTried = true;
            try {
                EqpropNative.last_error();
            } catch (Throwable t) {
                loadError = t;
            }
        }
        return loadError == null ? null : "the native library libjniEqpropNative did not load (" + loadError
                + "); was the module built with g++ present?";
    }

    /** The probe (cached). */
    public static synchronized Status status() {
        if (status == null) {
            status = probe();
        }
        return status;
    }

    /** The system property naming a driver library to open instead of libcuda.so.1 (the CPU stand-in). */
    public static final String DRIVER_PROPERTY = "eqprop.cuda.driver";

    private static Status probe() {
        String problem = loadNative();
        if (problem != null) {
            return new Status(false, false, problem, 0, 0);
        }
        String driver = System.getProperty(DRIVER_PROPERTY);
        if (driver != null && !driver.isBlank()) {
            EqpropNative.cuda_use_driver(driver);
        }
        if (!backendIsCpu()) {
            return new Status(true, false, "the ND4J backend is " + org.nd4j.linalg.factory.Nd4j.getBackend().getClass()
                    .getSimpleName() + ", not nd4j-native: the CUDA engine reads and writes ND4J's host buffers, which "
                    + "the ND4J CUDA backend may hold stale; use nd4j-native with this module (the CUDA engine "
                    + "brings its own GPU path)", 0, 0);
        }
        byte[] fatbin = resource(FATBIN);
        int[] info = new int[5];
        int devices = EqpropNative.cuda_probe(info);
        if (devices < 1) {
            return new Status(true, false, "no usable GPU: " + EqpropNative.last_error(), 0, 0);
        }
        if (fatbin == null) {
            return new Status(true, false, "the jar holds no CUDA kernels (the module was built without nvcc)", 0,
                    0);
        }
        int cc = info[1] * 10 + info[2];
        if (EqpropNative.cuda_load_module(fatbin, fatbin.length) != 0) {
            return new Status(true, false, "GPU sm_" + cc + " cannot load the kernels: " + EqpropNative.last_error(),
                    cc, info[3]);
        }
        String path = EqpropNative.cuda_driver_path();
        boolean standIn = EqpropNative.cuda_standin_set("reverse", 0) == 0;
        return new Status(true, true, "GPU 0 of " + devices + ", compute capability " + info[1] + "." + info[2] + ", "
                + info[3] + " SMs" + (standIn ? ", through the CPU stand-in driver " + path : ""), cc, info[3]);
    }

    /** True when ND4J runs on its CPU backend (nd4j-native), whose buffers are the host memory this module uses. */
    static boolean backendIsCpu() {
        try {
            return org.nd4j.linalg.factory.Nd4j.getEnvironment().isCPU();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** The bytes of a classpath resource, or null. */
    static byte[] resource(String path) {
        try (InputStream in = CudaRuntime.class.getResourceAsStream(path)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }
}
