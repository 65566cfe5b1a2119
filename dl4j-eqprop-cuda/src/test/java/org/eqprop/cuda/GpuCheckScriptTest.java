package org.eqprop.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * gpu-check.sh, the check a GPU owner (or a session lent a GPU) runs without Maven or Java: here, without a GPU, its
 * build steps pass and it exits 3 with a message and a JSON line; and its dry run against the CPU stand-in driver
 * runs every check of the kernels and the resident sessions and passes.
 */
class GpuCheckScriptTest {

    private record Run(int code, String out) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static Run run(Path work, Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path script = Path.of("gpu-check.sh").toAbsolutePath();
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("GPU_CHECK_WORK", work.toString());
        pb.environment().remove("EQPROP_CUDA_DRIVER");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), "gpu-check.sh did not finish");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void withoutAGpuTheBuildPassesAndTheScriptExits3(@TempDir Path work) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc")), "no CUDA toolkit here");
        assumeTrue(!CudaRuntime.status().gpuUsable(), "this machine has a GPU: gpu-check.sh would run for real");
        Run r = run(work, Map.of());
        assertEquals(3, r.code(), r.out());
        assertTrue(r.out().contains("no usable NVIDIA GPU on this machine; the build steps passed"), r.out());
        assertTrue(r.lastLine().startsWith("{\"check\": \"gpu-check\", \"status\": \"no-gpu\", \"exit\": 3"),
                r.lastLine());
        for (String built : new String[]{"eqprop_kernels.fatbin", "gpu_check", "session_check",
                "libcuda-standin.so"}) {
            assertTrue(Files.isRegularFile(work.resolve(built)), built + " was not built");
        }
    }

    @Test
    void aDryRunOnTheStandInPassesEveryCheck(@TempDir Path work) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc")), "no CUDA toolkit here");
        Path standIn = Path.of("target", "cuda-standin", "libcuda-standin.so").toAbsolutePath();
        assumeTrue(Files.isRegularFile(standIn), "the stand-in was not built");
        Path fatbin = Path.of("target", "classes", "org", "eqprop", "cuda", "kernels", "eqprop_kernels.fatbin")
                .toAbsolutePath();
        assumeTrue(Files.isRegularFile(fatbin), "no fatbin was built");
        Run r = run(work, Map.of("EQPROP_CUDA_DRIVER", standIn.toString(), "GPU_CHECK_SMALL", "1",
                "GPU_CHECK_FATBIN", fatbin.toString()), "--quick");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("a dry run without timings"), r.out());
        assertTrue(r.out().contains("passed: 0 failure(s)"), r.out());
        assertTrue(r.lastLine().contains("\"status\": \"ok\""), r.lastLine());
    }
}
