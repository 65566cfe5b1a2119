package org.eqprop.cuda;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The JavaCPP 1.5.7 binding (the JavaCPP version ND4J M2.1 uses) of {@code src/main/cuda/eqprop_native.h}: the
 * {@code host_*} functions run the CUDA kernels' host build (the same {@code .cu} sources compiled by g++ with
 * {@code cuda_host_compat.h}), the {@code cuda_*} functions run them on a GPU through the driver API. The build runs
 * JavaCPP's {@code Builder} on this class, which generates the JNI code and compiles it with the kernels into
 * {@code libjniEqpropNative.so} in this package's {@code linux-x86_64} resources. Use {@link CudaKernels}, not
 * this class: it holds the flat argument layouts and the error handling.
 */
@Platform(value = "linux-x86_64", include = "eqprop_jni.h", link = "dl")
@Namespace("eqprop")
public final class EqpropNative {

    static {
        Loader.load();
    }

    private EqpropNative() {
    }

    public static native @Cast("const char*") String last_error();

    public static native int host_dense_relax(@Cast("const int*") int[] icfg, @Cast("const float*") float[] fcfg,
            @Cast("const float*") float[] weights, @Cast("const float*") float[] biases,
            @Cast("const float*") float[] inputDrive, @Cast("const float*") float[] start,
            @Cast("const float*") float[] labels, @Cast("const float*") float[] readoutW,
            @Cast("const float*") float[] readoutB, float[] out, int[] residualBits, int[] steps);

    public static native int host_dense_contrast(@Cast("const int*") int[] cfg, float scale,
            @Cast("const float*") float[] aLower, @Cast("const float*") float[] aUpper,
            @Cast("const float*") float[] bLower, @Cast("const float*") float[] bUpper, float[] grad);

    public static native int host_channel_contrast(@Cast("const int*") int[] cfg, float scale,
            @Cast("const float*") float[] a, @Cast("const float*") float[] b, float[] grad);

    public static native int host_igemm(@Cast("const int*") int[] icfg, float alpha, int accumulate,
            @Cast("const float*") float[] weights, @Cast("const float*") float[] lower,
            @Cast("const float*") float[] upper, float[] out);

    public static native int host_conv_step(@Cast("const int*") int[] icfg, @Cast("const float*") float[] fcfg,
            @Cast("const float*") float[] conv, @Cast("const float*") float[] base,
            @Cast("const float*") float[] bias, @Cast("const float*") float[] feedback,
            @Cast("const float*") float[] extra, @Cast("const float*") float[] state, float[] next,
            float[] driveOut, int[] winners, @Cast("const float*") float[] labels, int[] residualBits);

    public static native int host_unpool(@Cast("const int*") int[] icfg, @Cast("const float*") float[] pooled,
            @Cast("const int*") int[] winners, float[] out);

    public static native int cuda_use_driver(@Cast("const char*") String path);

    public static native int cuda_use_vendor_libraries(int on);

    public static native @Cast("const char*") String cuda_driver_path();

    public static native int cuda_driver_version();

    public static native int cuda_generation();

    public static native int cuda_counters(long[] out);

    public static native int cuda_standin_inject(int kind, long n);

    public static native int cuda_standin_set(@Cast("const char*") String key, long value);

    public static native int cuda_probe(int[] info);

    public static native int cuda_load_module(@Cast("const signed char*") byte[] image, long size);

    public static native int cuda_dense_relax(@Cast("const int*") int[] icfg, @Cast("const float*") float[] fcfg,
            @Cast("const float*") float[] weights, @Cast("const float*") float[] biases,
            @Cast("const float*") float[] inputDrive, @Cast("const float*") float[] start,
            @Cast("const float*") float[] labels, @Cast("const float*") float[] readoutW,
            @Cast("const float*") float[] readoutB, float[] out, int[] residualBits, int[] steps);

    public static native int cuda_dense_contrast(@Cast("const int*") int[] cfg, float scale,
            @Cast("const float*") float[] aLower, @Cast("const float*") float[] aUpper,
            @Cast("const float*") float[] bLower, @Cast("const float*") float[] bUpper, float[] grad);

    public static native int cuda_channel_contrast(@Cast("const int*") int[] cfg, float scale,
            @Cast("const float*") float[] a, @Cast("const float*") float[] b, float[] grad);

    public static native int cuda_igemm(@Cast("const int*") int[] icfg, float alpha, int accumulate,
            @Cast("const float*") float[] weights, @Cast("const float*") float[] lower,
            @Cast("const float*") float[] upper, float[] out);

    public static native int cuda_conv_step(@Cast("const int*") int[] icfg, @Cast("const float*") float[] fcfg,
            @Cast("const float*") float[] conv, @Cast("const float*") float[] base,
            @Cast("const float*") float[] bias, @Cast("const float*") float[] feedback,
            @Cast("const float*") float[] extra, @Cast("const float*") float[] state, float[] next,
            float[] driveOut, int[] winners, @Cast("const float*") float[] labels, int[] residualBits);

    public static native int cuda_unpool(@Cast("const int*") int[] icfg, @Cast("const float*") float[] pooled,
            @Cast("const int*") int[] winners, float[] out);

    // ---- resident sessions (eqprop_session.h): the arrays are ND4J host buffers, passed by address ------------

    public static native @Cast("long long") long session_create(@Cast("const int*") int[] icfg,
            @Cast("const float*") float[] fcfg);

    public static native int session_destroy(@Cast("long long") long session);

    public static native int session_mode(@Cast("long long") long session);

    public static native int session_describe(@Cast("long long") long session, @Cast("char*") byte[] out,
            int capacity);

    public static native int session_libraries(@Cast("long long") long session);

    public static native @Cast("long long") long session_param_count(@Cast("long long") long session);

    public static native int session_width(@Cast("long long") long session, int layer);

    public static native int session_free_phase(@Cast("long long") long session, @Cast("const float*") FloatPointer x,
            @Cast("const float*") FloatPointer params, int maxSteps, float tolerance, FloatPointer output,
            int[] stats);

    public static native int session_set_force(@Cast("long long") long session, int kind,
            @Cast("const float*") FloatPointer labels, int classes, @Cast("const float*") FloatPointer readoutW,
            @Cast("const float*") FloatPointer readoutB, float scale);

    public static native int session_nudged_phase(@Cast("long long") long session, int slot, float beta, int maxSteps,
            float tolerance, int[] stats);

    public static native int session_gradient(@Cast("long long") long session, int slotA, int slotB, float scale,
            FloatPointer grad);

    public static native int session_read_states(@Cast("long long") long session, int slot, FloatPointer out);

    public static native int session_counters(@Cast("long long") long session, long[] out);
}
