package org.eqprop.cuda;

import java.util.Locale;

/**
 * The operand precision of the kernels' products (eqprop_common.cuh, {@code eqp_round}): {@link #FP32}, or both
 * operands of every product rounded to {@link #TF32} (8-bit exponent, 10-bit mantissa) or {@link #BF16} (8-bit
 * exponent, 7-bit mantissa) with round-to-nearest-even, the products accumulated in fp32 — the arithmetic of an
 * Ampere/Hopper tensor-core GEMM with those input types. States, drives, biases, the elementwise step and the
 * accumulators stay fp32. {@link #round} is the Java reference of the kernels' rounding, bit for bit.
 */
public enum Precision {
    FP32(0), TF32(13), BF16(16);

    private final int droppedBits;

    Precision(int droppedBits) {
        this.droppedBits = droppedBits;
    }

    /** x rounded to this precision, round-to-nearest-even; overflow goes to ±inf, a NaN stays a (quiet) NaN. */
    public float round(float x) {
        if (droppedBits == 0) {
            return x;
        }
        int bits = Float.floatToRawIntBits(x);
        int keep = -(1 << droppedBits);
        if (Float.isNaN(x)) {
            return Float.intBitsToFloat((bits | 0x00400000) & keep);
        }
        bits += ((1 << (droppedBits - 1)) - 1) + ((bits >>> droppedBits) & 1);
        return Float.intBitsToFloat(bits & keep);
    }

    /** The mantissa bits kept (23 for fp32). */
    public int mantissaBits() {
        return 23 - droppedBits;
    }

    /** The code the kernels take (EQP_FP32, EQP_TF32, EQP_BF16). */
    int code() {
        return ordinal();
    }

    /** fp32, tf32 or bf16 (case-insensitive). */
    public static Precision parse(String name) {
        String n = name == null ? "" : name.trim().toUpperCase(Locale.ROOT);
        for (Precision p : values()) {
            if (p.name().equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision must be fp32, tf32 or bf16, got '" + name + "'");
    }
}
