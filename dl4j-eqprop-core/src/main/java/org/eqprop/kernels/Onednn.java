package org.eqprop.kernels;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.util.List;
import java.util.function.Supplier;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * oneDNN (2.5, JavaCPP's {@code dnnl} preset) as this project uses it: the CPU engine loaded once, a stream per
 * thread, and the small helpers that make memories, reorders and primitives, each registering how it is freed in the
 * caller's release list. Used by the convolutions ({@code interactions.OnednnConvolution}) and the dense engine's
 * large products ({@link OnednnMatmul}).
 * <p>
 * Threads: this preset's oneDNN runs on OpenMP, on the libgomp that ND4J loads, whose {@code OMP_NUM_THREADS} the
 * {@code eqprop} launcher sets to 1 for ND4J's small ops. {@link #onCores} raises the calling thread's OpenMP thread
 * count to {@link #THREADS} (every core, or {@code -Deqprop.onednn.threads=N}) through ND4J's
 * {@code setOmpNumThreads} (libgomp keeps that setting per calling thread) and restores it afterwards.
 */
public final class Onednn {

    /** The OpenMP threads of oneDNN's calls. */
    public static final int THREADS = Math.max(1, Integer.getInteger("eqprop.onednn.threads",
            Runtime.getRuntime().availableProcessors()));

    private Onednn() {
    }

    /** The library once loaded, with its CPU engine, or why it could not be. */
    private static final class Library {
        static final dnnl_engine ENGINE;
        static final String PROBLEM;
        static final int ISA;
        static final String VERSION;

        static {
            dnnl_engine e = new dnnl_engine();
            String problem = null;
            int isa = 0;
            String version = "";
            try {
                check(dnnl_engine_create(e, dnnl_cpu, 0), "engine");
                isa = dnnl_get_effective_cpu_isa();
                org.bytedeco.dnnl.dnnl_version_t v = dnnl_version();
                version = v.major() + "." + v.minor() + "." + v.patch();
            } catch (Throwable t) {
                problem = t.getClass().getSimpleName() + ": " + t.getMessage();
            }
            ENGINE = e;
            PROBLEM = problem;
            ISA = isa;
            VERSION = version;
        }
    }

    /** False when turned off with {@code -Deqprop.onednn=false}: then every caller takes its path without oneDNN. */
    public static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("eqprop.onednn", "true"));
    }

    /** Null when oneDNN loaded and made its CPU engine, else why not. */
    public static String loadProblem() {
        try {
            return Library.PROBLEM;
        } catch (Throwable t) { // the preset's classes missing from the classpath
            return t.getClass().getSimpleName() + ": " + t.getMessage();
        }
    }

    /** oneDNN's version ("2.5.2"). */
    public static String version() {
        return Library.VERSION;
    }

    /**
     * True where bf16 operands (float32 accumulation) run faster than float32 ones: oneDNN's effective CPU ISA has AMX,
     * or has AVX512_BF16 on an AMD CPU (Zen 4: its bf16 dot products do twice the work of its float32 FMAs per
     * instruction; oneDNN's direct bf16 convolutions took 0.47-0.74x float32's time). Intel CPUs with AVX512_BF16 but
     * no AMX are left out: there (oneDNN held to AVX512_CORE_BF16 on a Sapphire Rapids Xeon) bf16 convolutions and
     * products ran slower than float32 ones.
     */
    public static boolean bf16() {
        return amx() || loadProblem() == null
                && (Library.ISA & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16
                && CPU_VENDOR.equals("AuthenticAMD");
    }

    /** oneDNN's effective CPU ISA by name ("avx512_core_bf16"), "none" where oneDNN did not load. */
    public static String isaName() {
        if (loadProblem() != null) {
            return "none";
        }
        return switch (Library.ISA) {
            case dnnl_cpu_isa_avx512_core_amx -> "avx512_core_amx";
            case dnnl_cpu_isa_avx512_core_bf16 -> "avx512_core_bf16";
            case dnnl_cpu_isa_avx512_core_vnni -> "avx512_core_vnni";
            case dnnl_cpu_isa_avx512_core -> "avx512_core";
            case dnnl_cpu_isa_avx2_vnni -> "avx2_vnni";
            case dnnl_cpu_isa_avx2 -> "avx2";
            default -> "isa 0x" + Integer.toHexString(Library.ISA);
        };
    }

    /** The CPU's vendor ("GenuineIntel", "AuthenticAMD"), from /proc/cpuinfo; "" where it cannot be read. */
    public static final String CPU_VENDOR = cpuVendor(java.nio.file.Path.of("/proc/cpuinfo"));

    /** The first {@code vendor_id} of a cpuinfo file, or "" (no such file or line). */
    static String cpuVendor(java.nio.file.Path cpuinfo) {
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("vendor_id")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse("");
        } catch (java.io.IOException | java.io.UncheckedIOException | SecurityException e) {
            return "";
        }
    }

    /** True when oneDNN's effective CPU ISA includes AMX (bf16 tiles), where bf16 operands pay the most. */
    public static boolean amx() {
        return loadProblem() == null
                && (Library.ISA & dnnl_cpu_isa_avx512_core_amx) == dnnl_cpu_isa_avx512_core_amx;
    }

    /** The CPU engine (only after {@link #loadProblem()} returned null). */
    public static dnnl_engine engine() {
        return Library.ENGINE;
    }

    private static final ThreadLocal<dnnl_stream> STREAMS = ThreadLocal.withInitial(() -> {
        dnnl_stream s = new dnnl_stream();
        check(dnnl_stream_create(s, Library.ENGINE, dnnl_stream_default_flags), "stream");
        return s;
    });

    /** Waits for this thread's stream. */
    public static void await() {
        check(dnnl_stream_wait(STREAMS.get()), "wait");
    }

    /** ND4J's native operations (its backend loaded first: the holder reads the backend's properties). */
    private static final class Ops {
        static final NativeOps OPS;

        static {
            Nd4j.getBackend();
            OPS = NativeOpsHolder.getInstance().getDeviceNativeOps();
        }
    }

    /** Runs {@code work} with this thread's OpenMP thread count at {@link #THREADS}, then restores it. */
    public static <T> T onCores(Supplier<T> work) {
        NativeOps ops = Ops.OPS;
        int before = ops.ompGetMaxThreads();
        if (before != THREADS) {
            ops.setOmpNumThreads(THREADS);
        }
        try {
            return work.get();
        } finally {
            if (before != THREADS) {
                ops.setOmpNumThreads(before);
            }
        }
    }

    /** Throws unless oneDNN returned success. */
    public static void check(int status, String what) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN: " + what + " failed with status " + status);
        }
    }

    /** A memory descriptor of these dimensions, data type and format tag. */
    public static dnnl_memory_desc_t md(long[] dims, int dataType, int tag) {
        dnnl_memory_desc_t d = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(d, dims.length, dims, dataType, tag), "memory descriptor");
        return d;
    }

    /** A primitive descriptor of an operation descriptor, freed through {@code release}. */
    public static dnnl_primitive_desc primitiveDesc(Pointer opDesc, dnnl_primitive_attr attr,
                                                    dnnl_primitive_desc hint, String what, List<Runnable> release) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(opDesc), attr, Library.ENGINE, hint), what);
        release.add(() -> dnnl_primitive_desc_destroy(pd));
        return pd;
    }

    /** The primitive of a primitive descriptor, freed through {@code release}. */
    public static dnnl_primitive primitive(dnnl_primitive_desc pd, List<Runnable> release) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "primitive");
        release.add(() -> dnnl_primitive_destroy(p));
        return p;
    }

    /** Frees what {@code release} registered, newest first, and empties it. */
    public static void free(List<Runnable> release) {
        for (int i = release.size() - 1; i >= 0; i--) {
            release.get(i).run();
        }
        release.clear();
    }

    /** A memory of this descriptor, with a buffer of oneDNN's ({@code allocate}) or none (set per call). */
    public static dnnl_memory memory(dnnl_memory_desc_t d, boolean allocate, List<Runnable> release) {
        dnnl_memory m = new dnnl_memory();
        Pointer handle = allocate ? new Pointer() {
            {
                address = -1L; // DNNL_MEMORY_ALLOCATE
            }
        } : null; // DNNL_MEMORY_NONE
        check(dnnl_memory_create(m, d, Library.ENGINE, handle), "memory");
        release.add(() -> dnnl_memory_destroy(m));
        return m;
    }

    /** A reorder between two memories' layouts; with {@code add}, a sum post-op: to += from. */
    public static dnnl_primitive reorder(dnnl_memory from, dnnl_memory to, boolean add, List<Runnable> release) {
        dnnl_primitive_attr attr = null;
        if (add) {
            attr = new dnnl_primitive_attr();
            check(dnnl_primitive_attr_create(attr), "attribute");
            dnnl_post_ops po = new dnnl_post_ops();
            check(dnnl_post_ops_create(po), "post-ops");
            check(dnnl_post_ops_append_sum(po, 1f), "sum post-op");
            check(dnnl_primitive_attr_set_post_ops(attr, po), "attribute post-ops");
            dnnl_post_ops_destroy(po);
        }
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        try {
            check(dnnl_reorder_primitive_desc_create(pd, desc(from), Library.ENGINE, desc(to), Library.ENGINE, attr),
                    "reorder");
        } finally {
            if (attr != null) {
                dnnl_primitive_attr_destroy(attr);
            }
        }
        release.add(() -> dnnl_primitive_desc_destroy(pd));
        return primitive(pd, release);
    }

    /** A memory's descriptor. */
    public static dnnl_memory_desc_t desc(dnnl_memory m) {
        PointerPointer<dnnl_memory_desc_t> p = new PointerPointer<>(1);
        check(dnnl_memory_get_memory_desc(m, p), "memory descriptor query");
        return new dnnl_memory_desc_t(p.get(0));
    }

    /** Points a buffer-less memory at a dense row-major float32 array's data. */
    public static void setHandle(dnnl_memory m, INDArray a) {
        if (a.dataType() != DataType.FLOAT || !dense(a)) {
            throw new IllegalArgumentException("oneDNN operands must be dense row-major float32 arrays");
        }
        check(dnnl_memory_set_data_handle(m, a.data().addressPointer()), "data handle");
    }

    /** Points a buffer-less memory at native memory. */
    public static void setHandle(dnnl_memory m, Pointer p) {
        check(dnnl_memory_set_data_handle(m, p), "data handle");
    }

    /**
     * True when a's elements lie row-major from the start of its buffer (strides of unit dimensions do not matter:
     * ND4J gives them various values).
     */
    public static boolean dense(INDArray a) {
        if (a.ordering() != 'c' || a.offset() != 0 || a.data().length() != a.length()) {
            return false;
        }
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) != 1 && a.stride(d) != expected) {
                return false;
            }
            expected *= a.size(d);
        }
        return true;
    }

    /** Runs a primitive with two arguments on this thread's stream. */
    public static void run(dnnl_primitive p, int a0, dnnl_memory m0, int a1, dnnl_memory m1) {
        execute(p, new int[]{a0, a1}, new dnnl_memory[]{m0, m1});
    }

    /** Runs a primitive with three arguments on this thread's stream. */
    public static void run(dnnl_primitive p, int a0, dnnl_memory m0, int a1, dnnl_memory m1, int a2,
                           dnnl_memory m2) {
        execute(p, new int[]{a0, a1, a2}, new dnnl_memory[]{m0, m1, m2});
    }

    /** Runs a primitive with these arguments on this thread's stream. */
    public static void execute(dnnl_primitive p, int[] kinds, dnnl_memory[] memories) {
        try (dnnl_exec_arg_t args = new dnnl_exec_arg_t(kinds.length)) {
            for (int i = 0; i < kinds.length; i++) {
                args.position(i).arg(kinds[i]).memory(memories[i]);
            }
            args.position(0);
            check(dnnl_primitive_execute(p, STREAMS.get(), kinds.length, args), "execute");
        }
    }

    /** oneDNN's implementation name of a primitive descriptor ("brg:avx512_core_amx_bf16"). */
    public static String impl(dnnl_primitive_desc pd) {
        PointerPointer<BytePointer> p = new PointerPointer<>(1);
        check(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, p), "implementation");
        return new BytePointer(p.get(0)).getString();
    }
}
