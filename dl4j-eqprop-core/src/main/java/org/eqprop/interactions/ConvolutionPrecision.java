package org.eqprop.interactions;

/**
 * The operands of the CPU convolutions: {@code fp32}, or {@code bf16} (maps and kernels rounded to bfloat16, products
 * accumulated and written in float32, states kept in float32). bf16 runs through oneDNN on CPUs whose effective oneDNN
 * ISA has AMX only (there it takes 0.2-0.35x of float32's convolution time; with AVX512_BF16 alone it is slower than
 * float32); elsewhere, in float64 and off oneDNN, the convolutions run in the state's own type, with one warning.
 * With bf16, the directions where bf16 does not pay on AMX keep float32, by a fixed rule (layers of fewer than 16
 * channels, transposes with small outputs; {@code OnednnConvolution.Key#bf16Pays}), so a run replays the same way.
 */
public enum ConvolutionPrecision implements org.eqprop.util.Named {
    FP32, BF16;

    /** The precision named {@code name} (any case), or an exception listing the choices. */
    public static ConvolutionPrecision parse(String name) {
        return org.eqprop.util.Named.parse(ConvolutionPrecision.class, name, "convolution precision");
    }
}
