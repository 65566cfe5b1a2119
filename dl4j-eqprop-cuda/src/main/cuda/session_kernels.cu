// session_kernels.cu: the small kernels of a resident iteration (eqprop_session.cpp): the phase's step control on
// the device (early stopping without a host round trip per step), the softmax readout force on any top layer, and
// the copies and bias additions that keep the states on the device.
#include "eqprop_common.cuh"

#define EQP_MAX_CLASSES 1024

/**
 * The state of a resident phase, in device memory. Every kernel of a step reads `stop` and does nothing once it is
 * set, so the host enqueues all T (or K) steps at once and reads this struct back once, after the phase.
 */
struct EqpPhaseControl {
    int stop;           // set when the phase has converged (residual <= tolerance) or its states are not finite
    int steps;          // steps taken
    int residual_acc;   // this step's max |s_{t+1} − s_t| (float bits), accumulated by eqp_conv_step
    int residual_bits;  // the last step's residual
    int converged;
    int nonfinite;
};

struct EqpStepControlParams {
    EqpPhaseControl* control;
    float tolerance;    // 0: never stop early
};

/** After each step (one block): counts it, keeps its residual, and raises `stop` on convergence or overflow. */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_step_control(EqpStepControlParams p) {
    EQP_PARALLEL {
        if (threadIdx.x == 0 && blockIdx.x == 0) {
            EqpPhaseControl* c = p.control;
            if (c->stop == 0) {
                int bits = c->residual_acc;
                c->steps += 1;
                c->residual_bits = bits;
                c->residual_acc = 0;
                if ((bits & 0x7f800000) == 0x7f800000) {
                    c->nonfinite = 1;
                    c->stop = 1;
                } else if (p.tolerance > 0.0f && __int_as_float(bits) <= p.tolerance) {
                    c->converged = 1;
                    c->stop = 1;
                }
            }
        }
    }
}

struct EqpSelectCopyParams {
    const EqpPhaseControl* control;
    const float* even;  // the states after an even number of steps (the buffer step 0 read)
    const float* odd;   // after an odd number
    float* dst;         // may be even or odd
    long long n;
};

/** dst := the buffer that holds the phase's last states (double-buffered synchronous steps; the count is on the device). */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_select_copy(EqpSelectCopyParams p) {
    const float* src = (p.control->steps % 2 == 0) ? p.even : p.odd;
    EQP_PARALLEL {
        if (src != p.dst) {
            for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < p.n;
                 i += (long long)gridDim.x * blockDim.x) {
                p.dst[i] = src[i];
            }
        }
    }
}

struct EqpReadoutForceParams {
    int batch;
    int features;         // width of the top state layer (C·H·W of a map, NCHW order)
    int classes;
    const float* state;   // s_N [batch, features]
    const float* weights; // W_out [features, classes]
    const float* bias;    // b_out [classes]
    const float* labels;  // one-hot y [batch, classes]
    float beta;
    float* extra;         // the force β (y − softmax(s_N W_out + b_out)) W_outᵀ, [batch, features]
    const int* stop;
};

/** The softmax readout's nudging force (thesis eqs. 5.17–5.20), one block per example. */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_readout_force(EqpReadoutForceParams p) {
    if (p.stop != 0 && *p.stop != 0) {
        return;
    }
    __shared__ float logits[EQP_MAX_CLASSES];
    __shared__ float partial[EQP_THREADS];
    int e = blockIdx.x;
    const float* s = p.state + (size_t)e * p.features;
    for (int c = 0; c < p.classes; c++) {
        EQP_PARALLEL {
            float v = 0.0f;
            for (int f = threadIdx.x; f < p.features; f += blockDim.x) {
                v += s[f] * p.weights[(size_t)f * p.classes + c];
            }
            partial[threadIdx.x] = v;
        }
        EQP_BARRIER();
        eqp_block_sum(partial);
        EQP_PARALLEL {
            if (threadIdx.x == 0) {
                logits[c] = partial[0] + p.bias[c];
            }
        }
        EQP_BARRIER();
    }
    EQP_PARALLEL {
        if (threadIdx.x == 0) {
            float m = -__int_as_float(0x7f800000);
            for (int c = 0; c < p.classes; c++) {
                m = fmaxf(m, logits[c]);
            }
            float sum = 0.0f;
            for (int c = 0; c < p.classes; c++) {
                logits[c] = expf(logits[c] - m);
                sum += logits[c];
            }
            const float* y = p.labels + (size_t)e * p.classes;
            for (int c = 0; c < p.classes; c++) {
                logits[c] = p.beta * (y[c] - logits[c] / sum);
            }
        }
    }
    EQP_BARRIER();
    EQP_PARALLEL {
        for (int f = threadIdx.x; f < p.features; f += blockDim.x) {
            float v = 0.0f;
            for (int c = 0; c < p.classes; c++) {
                v += logits[c] * p.weights[(size_t)f * p.classes + c];
            }
            p.extra[(size_t)e * p.features + f] = v;
        }
    }
}

struct EqpAddBiasParams {
    int batch;
    int channels;
    int positions;
    float* data;        // [batch, channels, positions], += bias[channel]
    const float* bias;
};

extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_add_bias(EqpAddBiasParams p) {
    long long n = (long long)p.batch * p.channels * p.positions;
    EQP_PARALLEL {
        for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
             i += (long long)gridDim.x * blockDim.x) {
            p.data[i] += p.bias[(i / p.positions) % p.channels];
        }
    }
}

struct EqpGatherParams {
    int rows;
    int cols;
    const float* src;   // rows at stride ld, the wanted columns from offset
    int ld;
    int offset;
    float* dst;         // [rows, cols]
};

/** dst[r, c] = src[r·ld + offset + c]: one layer's states out of the dense kernel's packed rows. */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_gather(EqpGatherParams p) {
    long long n = (long long)p.rows * p.cols;
    EQP_PARALLEL {
        for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
             i += (long long)gridDim.x * blockDim.x) {
            p.dst[i] = p.src[(i / p.cols) * p.ld + p.offset + i % p.cols];
        }
    }
}

struct EqpScaleParams {
    long long n;
    float alpha;
    const float* src;
    float* dst;         // alpha · src
};

extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_scale(EqpScaleParams p) {
    EQP_PARALLEL {
        for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < p.n;
             i += (long long)gridDim.x * blockDim.x) {
            p.dst[i] = p.alpha * p.src[i];
        }
    }
}
