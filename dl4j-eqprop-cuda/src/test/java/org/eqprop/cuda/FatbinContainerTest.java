package org.eqprop.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads the fatbin container the build packages (cuobjdump is not installed): header magic 0xBA55ED50, then entries
 * with kind (1 = PTX, 2 = ELF/SASS), header size, payload size and the target SM; shows sm_80 and sm_90 SASS and
 * compute_90 PTX, each holding every kernel; and checks the ptxas report (-Xptxas -v) for local-memory spills.
 */
class FatbinContainerTest {

    static final String[] KERNELS = {"eqp_dense_relax", "eqp_dense_contrast", "eqp_channel_contrast", "eqp_igemm",
        "eqp_conv_step", "eqp_unpool", "eqp_igemm_tf32", "eqp_igemm_bf16", "eqp_step_control", "eqp_select_copy", "eqp_readout_force", "eqp_add_bias",
        "eqp_gather", "eqp_scale"};

    /** One entry of the container. */
    record Entry(int kind, int arch, long flags, byte[] payload) {
    }

    static List<Entry> parse(byte[] fatbin) {
        ByteBuffer b = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xBA55ED50, b.getInt(0), "fatbin magic");
        int headerSize = Short.toUnsignedInt(b.getShort(6));
        long size = b.getLong(8);
        assertEquals(fatbin.length, headerSize + size, "container size field");
        List<Entry> entries = new ArrayList<>();
        int off = headerSize;
        while (off < headerSize + size) {
            int kind = Short.toUnsignedInt(b.getShort(off));
            int entryHeader = b.getInt(off + 4);
            long payloadSize = b.getLong(off + 8);
            int arch = b.getInt(off + 28);
            long flags = b.getLong(off + 40);
            byte[] payload = new byte[(int) payloadSize];
            System.arraycopy(fatbin, off + entryHeader, payload, 0, payload.length);
            entries.add(new Entry(kind, arch, flags, payload));
            off += entryHeader + (int) payloadSize;
        }
        return entries;
    }

    /** True when the build ran nvcc (build-info.properties, written by the build's cuda-native step). */
    static boolean nvccUsed() {
        byte[] info = CudaRuntime.resource("/org/eqprop/cuda/kernels/build-info.properties");
        assertNotNull(info, "the build wrote no build-info.properties");
        java.util.Properties p = new java.util.Properties();
        try {
            p.load(new java.io.ByteArrayInputStream(info));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return !p.getProperty("nvcc", "").isBlank();
    }

    static byte[] resourceOrSkip(String path) {
        byte[] data = CudaRuntime.resource(path);
        if (data == null) {
            // without nvcc the build skips the kernels (and says so); with nvcc a missing fatbin is a build bug
            assertFalse(nvccUsed(), "nvcc ran but the build packaged no " + path);
            Assumptions.abort("built without nvcc: no " + path);
        }
        return data;
    }

    @Test
    void fatbinHoldsSm80AndSm90SassAndCompute90PtxForEveryKernel() {
        List<Entry> entries = parse(resourceOrSkip(CudaRuntime.FATBIN));
        boolean sm80 = false;
        boolean sm90 = false;
        boolean ptx90 = false;
        for (Entry e : entries) {
            if (e.kind() == 2) {
                assertEquals(0x7f, e.payload()[0] & 0xff, "ELF magic");
                assertEquals("ELF", new String(e.payload(), 1, 3, StandardCharsets.US_ASCII));
                for (String k : KERNELS) {
                    assertTrue(contains(e.payload(), (k + "\0").getBytes(StandardCharsets.US_ASCII)),
                            "sm_" + e.arch() + " SASS lacks " + k);
                }
                sm80 |= e.arch() == 80;
                sm90 |= e.arch() == 90;
            } else if (e.kind() == 1) {
                assertEquals(0, e.flags() & 0x8000, "PTX entry is compressed (build with --compress-mode=none)");
                String ptx = new String(e.payload(), StandardCharsets.US_ASCII);
                assertTrue(ptx.contains(".target sm_" + e.arch()), "PTX target of the entry");
                for (String k : KERNELS) {
                    assertTrue(ptx.contains(".entry " + k + "("), "compute_" + e.arch() + " PTX lacks " + k);
                }
                // the reduced-precision GEMMs multiply on the tensor cores, the fp32 one does not
                String tf32 = body(ptx, "eqp_igemm_tf32");
                String bf16 = body(ptx, "eqp_igemm_bf16");
                assertTrue(tf32.contains("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32"), "tf32 GEMM without mma");
                assertTrue(bf16.contains("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32"), "bf16 GEMM without mma");
                assertTrue(!body(ptx, "eqp_igemm").contains("mma.sync"), "the fp32 GEMM must stay on the CUDA cores");
                ptx90 |= e.arch() == 90;
            }
        }
        assertTrue(sm80, "no sm_80 SASS");
        assertTrue(sm90, "no sm_90 SASS");
        assertTrue(ptx90, "no compute_90 PTX (what newer GPUs JIT-compile)");
        assertEquals(3, entries.size(), "exactly sm_80, sm_90 and compute_90: " + entries.size() + " entries");
    }

    @Test
    void ptxasReportsNoSpillsInAnyKernelForEitherArchitecture() {
        String report = new String(resourceOrSkip(CudaRuntime.PTXAS_REPORT), StandardCharsets.UTF_8);
        for (String arch : new String[]{"sm_80", "sm_90"}) {
            for (String k : KERNELS) {
                int at = report.indexOf("Compiling entry function '" + k + "' for '" + arch + "'");
                assertTrue(at >= 0, "ptxas report lacks " + k + " for " + arch);
                int props = report.indexOf("Function properties for " + k, at);
                assertNotNull(props);
                String line = report.substring(props, report.indexOf("\n", report.indexOf("\n", props) + 1));
                assertTrue(line.contains("0 bytes spill stores, 0 bytes spill loads"), k + " " + arch + ": " + line);
                if (k.equals("eqp_dense_relax")) {
                    // the persistent kernel keeps its per-thread state in registers: no stack frame at all
                    assertTrue(line.contains(" 0 bytes stack frame"), k + " " + arch + ": " + line);
                }
            }
        }
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** The PTX of one entry: from ".entry name(" to the next ".entry" (or the end). */
    private static String body(String ptx, String kernel) {
        int at = ptx.indexOf(".entry " + kernel + "(");
        assertTrue(at >= 0, "no entry " + kernel);
        int next = ptx.indexOf(".entry ", at + 8);
        return ptx.substring(at, next < 0 ? ptx.length() : next);
    }
}
