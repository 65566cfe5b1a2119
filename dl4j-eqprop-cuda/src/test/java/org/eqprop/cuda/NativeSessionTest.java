package org.eqprop.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The resident sessions' native checker (src/test/cuda/session_check.cpp) as a standalone program, without the JVM,
 * through the CPU stand-in of libcuda.so.1: once as built, once built with AddressSanitizer and UBSan against a
 * sanitized stand-in (any overrun, leak of a freed buffer or undefined behaviour ends it). It checks that the
 * persistent and layered relaxations agree, that a conv chain gives the same result with blocks and threads in
 * reverse order, that an iteration allocates nothing and moves only the minibatch and parameters up, and that an
 * injected launch failure, an out-of-memory and a write past the end of a buffer are reported and recovered from.
 */
class NativeSessionTest {

    private static final Path DIR = Path.of("target", "cuda-standin");
    private static final Path FATBIN = Path.of("target", "classes", "org", "eqprop", "cuda", "kernels",
            "eqprop_kernels.fatbin");

    private static String run(String checker, String standIn) throws IOException, InterruptedException {
        return run(checker, standIn, 0, java.util.Map.of());
    }

    private static String run(String checker, String standIn, int exit, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        Path exe = DIR.resolve(checker);
        assumeTrue(Files.isExecutable(exe) && Files.exists(FATBIN), "the native checker or the fatbin was not built "
                + "(g++ or nvcc missing)");
        ProcessBuilder pb = new ProcessBuilder(List.of(exe.toString(), FATBIN.toString(), "--faults"));
        pb.environment().put("EQPROP_CUDA_DRIVER", DIR.resolve(standIn).toAbsolutePath().toString());
        pb.environment().put("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), checker + " did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(exit, p.exitValue(), checker + " exited " + p.exitValue() + ":\n" + text);
        return text;
    }

    @Test
    void sessionsPassTheirNativeChecks() throws Exception {
        String text = run("session_check", "libcuda-standin.so");
        assertTrue(text.contains("passed: 0 failure(s)"), text);
        assertTrue(text.contains("a write past the end of an allocation is caught"), text);
        assertTrue(text.contains("the steps replay CUDA graphs"), text);
    }

    /** Without CUDA graphs (EQPROP_CUDA_GRAPHS=0) every step is launched from the host: the same checks pass. */
    @Test
    void sessionsWithoutGraphsPassTheirNativeChecks() throws Exception {
        String text = run("session_check", "libcuda-standin.so", 0, java.util.Map.of("EQPROP_CUDA_GRAPHS", "0"));
        assertTrue(text.contains("passed: 0 failure(s)") && text.contains("no graphs (off"), text);
    }

    /** The same with cuDNN and cuBLAS stand-ins: the products take the libraries' route and agree with the kernels. */
    @Test
    void sessionsOnTheLibrariesRoutePassTheirChecks() throws Exception {
        String text = run("session_check", "libcuda-standin.so", 0, java.util.Map.of(
                "EQPROP_CUDNN", DIR.resolve("libcudnn-standin.so").toAbsolutePath().toString(),
                "EQPROP_CUBLAS", DIR.resolve("libcublas-standin.so").toAbsolutePath().toString()));
        assertTrue(text.contains("passed: 0 failure(s)"), text);
        assertTrue(text.contains("convolutions: cuDNN 9.19.0") && text.contains("dense products: cuBLAS 13.0"), text);
    }

    @Test
    void sessionsPassUnderAddressSanitizerAndUbsan() throws Exception {
        String text = run("session_check_asan", "libcuda-standin-asan.so", 0, java.util.Map.of(
                "EQPROP_CUDNN", DIR.resolve("libcudnn-standin-asan.so").toAbsolutePath().toString(),
                "EQPROP_CUBLAS", DIR.resolve("libcublas-standin-asan.so").toAbsolutePath().toString()));
        assertTrue(text.contains("passed: 0 failure(s)"), text);
        assertTrue(!text.contains("ERROR: AddressSanitizer") && !text.contains("runtime error"), text);
    }

    /** A driver older than the fatbin's CUDA 13 (the stand-in reporting CUDA 12.4) gets a message that says so. */
    @Test
    void aTooOldDriverIsNamedWithWhatToDo() throws Exception {
        String text = run("session_check", "libcuda-standin.so", 3, java.util.Map.of("EQP_STANDIN_DRIVER_VERSION",
                "12040"));
        assertTrue(text.contains("the NVIDIA driver supports CUDA 12.4") && text.contains("R580")
                && text.contains("update the driver"), text);
    }
}
