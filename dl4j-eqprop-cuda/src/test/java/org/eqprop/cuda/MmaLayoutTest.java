package org.eqprop.cuda;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The tensor-core fragment layouts the implicit GEMM uses (eqprop_mma.cuh) against the PTX ISA's tables, each
 * layout covering its matrix once, and the host build's emulation of mma.sync m16n8k8 (tf32) and m16n8k16 (bf16)
 * computing D = C + A·B on every lane of a warp (src/test/cuda/mma_check.cpp). TiledGemmTest checks the kernel that
 * loads its fragments by these layouts; gpu-check.sh compares it with the tensor cores themselves.
 */
class MmaLayoutTest {

    @Test
    void fragmentLayoutsAndTheHostMmaMatchThePtxTables() throws Exception {
        Path exe = Path.of("target", "cuda-standin", "mma_check");
        assumeTrue(Files.isExecutable(exe), "the checker was not built (no g++)");
        Process p = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("passed: 0 failure(s)") && out.contains("host mma m16n8k16 bf16"), out);
    }
}
