package org.eqprop.cuda;

import org.eqprop.layers.StateActivation;

/**
 * The module's kernels on one target: {@link Target#HOST}, their host build (the same CUDA sources compiled by g++
 * with cuda_host_compat.h, run by the tests against the CPU engines), or {@link Target#GPU}, the nvcc-built fatbin
 * through the CUDA driver API. Arrays are plain Java float arrays (row-major, NCHW); every call checks its sizes and
 * turns a native failure into a {@link CudaUnavailableException} with the native reason.
 */
public final class CudaKernels {

    /** Where the kernels run. */
    public enum Target { HOST, GPU }

    /** Implicit-GEMM modes (igemm_conv.cu). */
    public enum Igemm { FORWARD, TRANSPOSE, WEIGHT_GRADIENT }

    /** Pooling kinds (conv_step.cu), as ConvPoolInteraction.Pooling. */
    public enum Pooling { MAX, AVG, NONE }

    private final Target target;
    private final Precision precision;

    private CudaKernels(Target target, Precision precision) {
        this.target = target;
        this.precision = precision;
    }

    /** The host build; throws when the JNI library is missing (built without g++). */
    public static CudaKernels host() {
        String problem = CudaRuntime.loadNative();
        if (problem != null) {
            throw new CudaUnavailableException(problem);
        }
        return new CudaKernels(Target.HOST, Precision.FP32);
    }

    /** The GPU; throws with the reason when no usable GPU and driver are present. */
    public static CudaKernels gpu() {
        CudaRuntime.Status s = CudaRuntime.status();
        if (!s.gpuUsable()) {
            throw new CudaUnavailableException("CUDA kernels cannot run on a GPU here: " + s.reason());
        }
        return new CudaKernels(Target.GPU, Precision.FP32);
    }

    public Target target() {
        return target;
    }

    /**
     * These kernels with the products' operands rounded to {@code p} ({@link Precision}): the dense relaxation's
     * W·s products, the dense contrast dW and the three implicit GEMMs; the elementwise kernels and db stay fp32.
     */
    public CudaKernels withPrecision(Precision p) {
        return p == precision ? this : new CudaKernels(target, java.util.Objects.requireNonNull(p, "precision"));
    }

    public Precision precision() {
        return precision;
    }

    private boolean onGpu() {
        return target == Target.GPU;
    }

    private static void check(int code, String kernel) {
        if (code != 0) {
            throw new CudaUnavailableException(kernel + " failed: " + EqpropNative.last_error());
        }
    }

    private static void size(String what, float[] a, long expected) {
        if (a != null && a.length != expected) {
            throw new IllegalArgumentException(what + " must hold " + expected + " floats, got " + a.length);
        }
    }

    /** The end states, steps and residuals of each phase of one {@link #denseRelax} launch. */
    public record DenseResult(float[][] states, int[] steps, float[] residuals) {
    }

    /**
     * Runs every phase of the problem in one launch of the persistent kernel, {@code tile} examples per thread block.
     * Per phase: the packed end states [batch, Σ n_k], the largest step count and residual over the tiles.
     */
    public DenseResult denseRelax(DenseProblem p, int tile) {
        if (tile < 1) {
            throw new IllegalArgumentException("tile must be >= 1, got " + tile);
        }
        int phases = p.phaseSteps().length;
        int tiles = (p.batch() + tile - 1) / tile;
        int total = p.total();
        float[] out = new float[phases * p.batch() * total];
        int[] residualBits = new int[phases * tiles];
        int[] steps = new int[phases * tiles];
        int[] icfg = p.intConfig(tile, precision.code());
        float[] fcfg = p.floatConfig();
        int code = onGpu()
                ? EqpropNative.cuda_dense_relax(icfg, fcfg, p.weights(), p.biases(), p.inputDrive(), p.start(),
                p.labels(), p.readoutW(), p.readoutB(), out, residualBits, steps)
                : EqpropNative.host_dense_relax(icfg, fcfg, p.weights(), p.biases(), p.inputDrive(), p.start(),
                p.labels(), p.readoutW(), p.readoutB(), out, residualBits, steps);
        check(code, "eqp_dense_relax");
        float[][] states = new float[phases][];
        int[] maxSteps = new int[phases];
        float[] maxResidual = new float[phases];
        for (int ph = 0; ph < phases; ph++) {
            states[ph] = java.util.Arrays.copyOfRange(out, ph * p.batch() * total, (ph + 1) * p.batch() * total);
            for (int t = 0; t < tiles; t++) {
                maxSteps[ph] = Math.max(maxSteps[ph], steps[ph * tiles + t]);
                float r = Float.intBitsToFloat(residualBits[ph * tiles + t]);
                maxResidual[ph] = Float.isNaN(r) || r > 3e38f ? Float.NaN : Math.max(maxResidual[ph], r);
                if (Float.isNaN(r) || r > 3e38f) {
                    break;
                }
            }
        }
        return new DenseResult(states, maxSteps, maxResidual);
    }

    /**
     * dW = scale · Σ_e (aLower[e]ᵀ aUpper[e] − bLower[e]ᵀ bUpper[e]): the contrast of ∂Φ/∂W between two equilibria
     * (rows of the lower states at stride lda, of the upper ones at stride ldu); [nIn, nOut].
     */
    public float[] denseContrast(int batch, int nIn, int nOut, int lda, int ldu, float scale, float[] aLower,
                                 float[] aUpper, float[] bLower, float[] bUpper) {
        if (lda < nIn || ldu < nOut) {
            throw new IllegalArgumentException("row strides " + lda + ", " + ldu + " shorter than the rows " + nIn
                    + ", " + nOut);
        }
        size("aLower", aLower, (long) batch * lda);
        size("bLower", bLower, (long) batch * lda);
        size("aUpper", aUpper, (long) batch * ldu);
        size("bUpper", bUpper, (long) batch * ldu);
        float[] grad = new float[nIn * nOut];
        int[] cfg = {batch, nIn, nOut, lda, ldu, precision.code()};
        check(onGpu() ? EqpropNative.cuda_dense_contrast(cfg, scale, aLower, aUpper, bLower, bUpper, grad)
                : EqpropNative.host_dense_contrast(cfg, scale, aLower, aUpper, bLower, bUpper, grad),
                "eqp_dense_contrast");
        return grad;
    }

    /** db[c] = scale · Σ_e Σ_p (a − b)[e, c, p] for maps [batch, channels, positions] (rows at stride ld). */
    public float[] channelContrast(int batch, int channels, int positions, int ld, float scale, float[] a, float[] b) {
        if (ld < channels * positions) {
            throw new IllegalArgumentException("row stride " + ld + " shorter than " + channels * positions);
        }
        size("a", a, (long) batch * ld);
        size("b", b, (long) batch * ld);
        float[] grad = new float[channels];
        int[] cfg = {batch, channels, positions, ld};
        check(onGpu() ? EqpropNative.cuda_channel_contrast(cfg, scale, a, b, grad)
                : EqpropNative.host_channel_contrast(cfg, scale, a, b, grad), "eqp_channel_contrast");
        return grad;
    }

    /**
     * The implicit GEMM of a mode: FORWARD z = w ⋆ h [batch, O, oH, oW]; TRANSPOSE w ⋆ᵀ g [batch, C, H, W];
     * WEIGHT_GRADIENT g ⋆ h [O, C, k, k]; out = alpha · result (+ out when {@code accumulate}, else a new array).
     */
    public float[] igemm(Igemm mode, ConvShape s, float alpha, float[] weights, float[] lower, float[] upper,
                         float[] accumulate) {
        size("weights", weights, s.weightSize());
        size("lower", lower, s.lowerSize());
        size("upper", upper, s.convSize());
        int outSize = mode == Igemm.FORWARD ? s.convSize() : mode == Igemm.TRANSPOSE ? s.lowerSize()
                : s.weightSize();
        size("accumulate", accumulate, outSize);
        float[] out = accumulate != null ? accumulate : new float[outSize];
        int[] cfg = s.igemmConfig(mode.ordinal(), precision.code());
        int acc = accumulate != null ? 1 : 0;
        check(onGpu() ? EqpropNative.cuda_igemm(cfg, alpha, acc, weights, lower, upper, out)
                : EqpropNative.host_igemm(cfg, alpha, acc, weights, lower, upper, out), "eqp_igemm");
        return out;
    }

    /** The outputs of {@link #convStep}. */
    public record ConvStepResult(float[] next, float[] drive, int[] winners, float residual) {
    }

    /**
     * Whether the kernels implement this activation (eqprop_common.cuh: the hard sigmoid, the half-hard one and the
     * sigmoid, passed by their {@link StateActivation.Kind} ordinal); the engines decline the others.
     */
    static boolean knows(StateActivation activation) {
        return switch (activation.kind()) {
            case HARD_SIGMOID, HALF_HARD_SIGMOID, SIGMOID -> true;
            default -> false;
        };
    }

    /**
     * One fused elementwise relaxation step of a pooled conv layer (conv_step.cu): u = P(conv) + b (or base) +
     * feedback + extra, u −= βc(s − y) with squared-error labels, s_{t+1} = step(s_t, u), and the residual.
     *
     * @param pooledShape [batch, channels, pooledH, pooledW] of the state
     * @param conv        the convolution before pooling [batch, C, pooledH·pool, pooledW·pool], or null with base
     */
    public ConvStepResult convStep(int[] pooledShape, int pool, Pooling pooling, StateActivation activation,
                                   boolean euler, float eulerStep, float[] conv, float[] base, float[] bias,
                                   float[] feedback, float[] extra, float[] state, float beta, float forceScale,
                                   float[] labels) {
        int cells = pooledShape[0] * pooledShape[1] * pooledShape[2] * pooledShape[3];
        if ((conv == null) == (base == null)) {
            throw new IllegalArgumentException("give exactly one of conv and base");
        }
        size("conv", conv, (long) cells * pool * pool);
        size("base", base, cells);
        size("bias", conv == null ? null : bias, pooledShape[1]);
        size("feedback", feedback, cells);
        size("extra", extra, cells);
        size("state", state, cells);
        size("labels", labels, cells);
        int[] icfg = {pooledShape[0], pooledShape[1], pooledShape[2], pooledShape[3], pool, pooling.ordinal(),
                activation.kind().ordinal(), euler ? 1 : 0, labels != null ? 1 : 0};
        float[] fcfg = {(float) activation.leak(), eulerStep, beta, forceScale};
        float[] next = new float[cells];
        float[] drive = new float[cells];
        int[] winners = new int[cells];
        int[] residual = {0};
        check(onGpu() ? EqpropNative.cuda_conv_step(icfg, fcfg, conv, base, bias, feedback, extra, state, next, drive,
                winners, labels, residual)
                : EqpropNative.host_conv_step(icfg, fcfg, conv, base, bias, feedback, extra, state, next, drive,
                winners, labels, residual), "eqp_conv_step");
        return new ConvStepResult(next, drive, winners, Float.intBitsToFloat(residual[0]));
    }

    /** Pᵀ(h): max pooling routes each value to its window's winner, average pooling spreads h/p² over the window. */
    public float[] unpool(int[] pooledShape, int pool, Pooling pooling, float[] pooled, int[] winners) {
        int cells = pooledShape[0] * pooledShape[1] * pooledShape[2] * pooledShape[3];
        size("pooled", pooled, cells);
        if (pooling == Pooling.MAX && (winners == null || winners.length != cells)) {
            throw new IllegalArgumentException("max unpooling needs " + cells + " winners");
        }
        float[] out = new float[cells * pool * pool];
        int[] icfg = {pooledShape[0], pooledShape[1], pooledShape[2], pooledShape[3], pool, pooling.ordinal()};
        int[] w = winners != null ? winners : new int[cells];
        check(onGpu() ? EqpropNative.cuda_unpool(icfg, pooled, w, out) : EqpropNative.host_unpool(icfg, pooled, w, out),
                "eqp_unpool");
        return out;
    }
}
