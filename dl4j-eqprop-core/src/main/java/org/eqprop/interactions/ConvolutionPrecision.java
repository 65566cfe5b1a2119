package org.eqprop.interactions;

/**
 * The operands of the CPU convolutions: {@code fp32}, or {@code bf16} (maps and kernels rounded to bfloat16, products
 * accumulated and written in float32, states kept in float32). bf16 runs through oneDNN where it pays
 * ({@code Onednn.bf16()}): on AMX (there it takes 0.2-0.35x of float32's convolution time) and on AMD CPUs with
 * AVX512_BF16 (Zen 4: 0.47-0.74x of float32's direct algorithm, slower than its Winograd algorithm; on Intel CPUs
 * without AMX bf16 measured slower than float32); elsewhere,
 * in float64 and off oneDNN, the convolutions run in the state's own type, with one warning. With bf16, the directions
 * where bf16 does not pay keep float32, by a fixed rule per ISA (layers of fewer than 16 channels; on AMX transposes
 * with small outputs, without AMX the shapes where float32 runs Winograd; {@code OnednnConvolution.Key#bf16Pays}), so
 * a run replays the same way.
 */
public enum ConvolutionPrecision implements org.eqprop.util.Named {
    FP32, BF16;

    /** The precision named {@code name} (any case), or an exception listing the choices. */
    public static ConvolutionPrecision parse(String name) {
        return org.eqprop.util.Named.parse(ConvolutionPrecision.class, name, "convolution precision");
    }
}
