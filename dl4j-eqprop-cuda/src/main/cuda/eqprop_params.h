// eqprop_params.h: builds the kernels' parameter structs from the flat configuration arrays the Java binding
// passes (the same for the host build and the GPU: only the pointers differ).
#ifndef EQP_PARAMS_H
#define EQP_PARAMS_H

#include "eqprop_kernels.cu"

namespace eqprop {

/**
 * icfg: layers, batch, tile, phases, alternating, force, classes, activation, dynamics, widths[layers],
 *       phase_steps[phases], phase_from[phases], precision;
 * fcfg: leak, euler_eps, tolerance, force_scale, phase_beta[phases].
 * weights: W_2..W_N packed (each [n_{k−1}, n_k]); biases: b_2..b_N packed.
 */
inline EqpDenseRelaxParams dense_params(const int* icfg, const float* fcfg, const float* weights, const float* biases,
                                        const float* inputDrive, const float* start, const float* labels,
                                        const float* readoutW, const float* readoutB, float* out, int* residualBits,
                                        int* steps) {
    EqpDenseRelaxParams p;
    std::memset(&p, 0, sizeof p);
    p.layers = icfg[0];
    p.batch = icfg[1];
    p.tile = icfg[2];
    p.phases = icfg[3];
    p.alternating = icfg[4];
    p.force = icfg[5];
    p.classes = icfg[6];
    p.rule.activation = icfg[7];
    p.rule.dynamics = icfg[8];
    p.rule.leak = fcfg[0];
    p.rule.euler_eps = fcfg[1];
    p.tolerance = fcfg[2];
    p.force_scale = fcfg[3];
    int total = 0;
    size_t wOff = 0;
    size_t bOff = 0;
    for (int k = 0; k < p.layers; k++) {
        p.widths[k] = icfg[9 + k];
        p.offsets[k] = total;
        total += p.widths[k];
        if (k > 0) {
            p.weights[k] = weights + wOff;
            p.bias[k] = biases + bOff;
            wOff += (size_t)p.widths[k - 1] * p.widths[k];
            bOff += p.widths[k];
        }
    }
    p.total = total;
    for (int ph = 0; ph < p.phases; ph++) {
        p.phase_steps[ph] = icfg[9 + p.layers + ph];
        p.phase_from[ph] = icfg[9 + p.layers + p.phases + ph];
        p.phase_beta[ph] = fcfg[4 + ph];
    }
    p.precision = icfg[9 + p.layers + 2 * p.phases];
    p.input_drive = inputDrive;
    p.start = start;
    p.labels = labels;
    p.readout_w = readoutW;
    p.readout_b = readoutB;
    p.out = out;
    p.residual_bits = residualBits;
    p.steps = steps;
    return p;
}

/** Total weight floats, bias floats and packed state row length of a dense configuration. */
inline void dense_sizes(const int* icfg, size_t* weightFloats, size_t* biasFloats, int* total) {
    *weightFloats = 0;
    *biasFloats = 0;
    *total = icfg[9];
    for (int k = 1; k < icfg[0]; k++) {
        *weightFloats += (size_t)icfg[9 + k - 1] * icfg[9 + k];
        *biasFloats += icfg[9 + k];
        *total += icfg[9 + k];
    }
}

/** Checks a dense configuration; returns null or the reason it cannot run. */
inline const char* dense_check(const int* icfg) {
    if (icfg[0] < 1 || icfg[0] > EQP_MAX_LAYERS) return "layers must be in 1..8";
    if (icfg[1] < 1 || icfg[2] < 1) return "batch and tile must be >= 1";
    if (icfg[3] < 1 || icfg[3] > EQP_MAX_PHASES) return "phases must be in 1..4";
    int precision = icfg[9 + icfg[0] + 2 * icfg[3]];
    if (precision < EQP_FP32 || precision > EQP_BF16) return "precision must be 0 (fp32), 1 (tf32) or 2 (bf16)";
    for (int ph = 0; ph < icfg[3]; ph++) {
        int from = icfg[9 + icfg[0] + icfg[3] + ph];
        if (from >= ph || from < -1) return "a phase can only start from the start states or an earlier phase";
    }
    return 0;
}

/**
 * icfg: mode, batch, channels, height, width, out_channels, kernel_h, kernel_w, stride, padding, out_h, out_w,
 * precision.
 */
inline EqpIgemmParams igemm_params(const int* icfg, float alpha, int accumulate, const float* weights,
                                   const float* lower, const float* upper, float* out) {
    EqpIgemmParams p;
    std::memset(&p, 0, sizeof p);
    p.mode = icfg[0];
    p.batch = icfg[1];
    p.channels = icfg[2];
    p.height = icfg[3];
    p.width = icfg[4];
    p.out_channels = icfg[5];
    p.kernel_h = icfg[6];
    p.kernel_w = icfg[7];
    p.stride = icfg[8];
    p.padding = icfg[9];
    p.out_h = icfg[10];
    p.out_w = icfg[11];
    p.precision = icfg[12];
    p.weights = weights;
    p.lower = lower;
    p.upper = upper;
    p.out = out;
    p.alpha = alpha;
    p.accumulate = accumulate;
    return p;
}

/**
 * icfg: batch, channels, pooled_h, pooled_w, pool, pooling, activation, dynamics, force;
 * fcfg: leak, euler_eps, beta, force_scale.
 */
inline EqpConvStepParams conv_step_params(const int* icfg, const float* fcfg, const float* conv, const float* base,
                                          const float* bias, const float* feedback, const float* extra,
                                          const float* state, float* next, float* driveOut, int* winners,
                                          const float* labels, int* residualBits) {
    EqpConvStepParams p;
    std::memset(&p, 0, sizeof p);
    p.batch = icfg[0];
    p.channels = icfg[1];
    p.pooled_h = icfg[2];
    p.pooled_w = icfg[3];
    p.pool = icfg[4];
    p.pooling = icfg[5];
    p.rule.activation = icfg[6];
    p.rule.dynamics = icfg[7];
    p.force = icfg[8];
    p.rule.leak = fcfg[0];
    p.rule.euler_eps = fcfg[1];
    p.beta = fcfg[2];
    p.force_scale = fcfg[3];
    p.conv = conv;
    p.base = base;
    p.bias = bias;
    p.feedback = feedback;
    p.extra = extra;
    p.state = state;
    p.next = next;
    p.drive_out = driveOut;
    p.winners = winners;
    p.labels = labels;
    p.residual_bits = residualBits;
    return p;
}

/** Checks a precision code; returns null or the reason. */
inline const char* precision_check(int precision) {
    return precision < EQP_FP32 || precision > EQP_BF16 ? "precision must be 0 (fp32), 1 (tf32) or 2 (bf16)" : 0;
}

inline int conv_cells(const int* icfg) {
    return icfg[0] * icfg[1] * icfg[2] * icfg[3];
}

inline int elementwise_blocks(int cells) {
    int blocks = (cells + EQP_THREADS - 1) / EQP_THREADS;
    return blocks < 1 ? 1 : (blocks > 4096 ? 4096 : blocks);
}

}  // namespace eqprop

#endif
