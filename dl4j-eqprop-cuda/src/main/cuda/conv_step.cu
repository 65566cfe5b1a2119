// conv_step.cu: the elementwise part of one relaxation step of a convolutional layer, fused into one pass per
// pooled cell (Ernoult et al. 2019; Laborieux et al. 2021; Scellier thesis eq. 5.13):
//   u = P(z) + b  (or the precomputed input drive)  + feedback (w_{k+1} ⋆ᵀ P⁻¹(s_{k+1}))  + force
//   u −= β c (s − y)                                  (squared-error nudging on an output map)
//   s_{t+1} = eqp_step(s_t, u)                        (activation / clipping), residual max |s_{t+1} − s_t|
// with P a non-overlapping max (first maximum wins ties; its switch is written out) or average pooling; and
// eqp_unpool: P⁻¹ (Pᵀ) routing each pooled value back to its window's winner, or spreading it as h/p².
#include "eqprop_common.cuh"

#define EQP_POOL_MAX 0
#define EQP_POOL_AVG 1
#define EQP_POOL_NONE 2

struct EqpConvStepParams {
    int batch;
    int channels;
    int pooled_h;          // Hp (= H / pool)
    int pooled_w;
    int pool;              // window (1 for EQP_POOL_NONE)
    int pooling;
    const float* conv;     // z = w ⋆ s_{k−1} before pooling [batch, C, H, W]; null when base is given
    const float* base;     // the precomputed drive of the first layer [batch, C, Hp, Wp], or null
    const float* bias;     // b [C] (with conv)
    const float* feedback; // [batch, C, Hp, Wp] or null
    const float* extra;    // another additive force [batch, C, Hp, Wp] or null (e.g. a readout's nudge)
    const float* state;    // s_t [batch, C, Hp, Wp]
    float* next;           // s_{t+1} (may be state)
    float* drive_out;      // u, or null
    int* winners;          // max-pool switches [batch, C, Hp, Wp] (index i·pool + j in the window), or null
    EqpStepRule rule;
    int force;             // EQP_FORCE_NONE or EQP_FORCE_SQUARED
    float beta;
    float force_scale;
    const float* labels;   // [batch, C·Hp·Wp]
    int* residual_bits;    // global max |s_{t+1} − s_t| (float bits), or null
    const int* stop;       // a resident phase's stop flag (eqp_step_control), or null
};

extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_conv_step(EqpConvStepParams p) {
    if (p.stop != 0 && *p.stop != 0) {
        return;
    }
    __shared__ int block_residual;
    int cells = p.batch * p.channels * p.pooled_h * p.pooled_w;
    int perMap = p.pooled_h * p.pooled_w;
    int h = p.pooled_h * p.pool;
    int w = p.pooled_w * p.pool;
    EQP_PARALLEL {
        if (threadIdx.x == 0) {
            block_residual = 0;
        }
    }
    EQP_BARRIER();
    EQP_PARALLEL {
        float r = 0.0f;
        for (int o = blockIdx.x * blockDim.x + threadIdx.x; o < cells; o += gridDim.x * blockDim.x) {
            int map = o / perMap;
            int y = (o % perMap) / p.pooled_w;
            int x = o % p.pooled_w;
            float u;
            if (p.base != 0) {
                u = p.base[o];
            } else {
                const float* z = p.conv + (size_t)map * h * w;
                float best = -__int_as_float(0x7f800000);
                float sum = 0.0f;
                int win = 0;
                for (int i = 0; i < p.pool; i++) {
                    for (int j = 0; j < p.pool; j++) {
                        float e = z[(y * p.pool + i) * w + x * p.pool + j];
                        sum += e;
                        if (e > best) {
                            best = e;
                            win = i * p.pool + j;
                        }
                    }
                }
                if (p.winners != 0) {
                    p.winners[o] = win;
                }
                float pooled = p.pooling == EQP_POOL_MAX ? best
                        : (p.pooling == EQP_POOL_AVG ? sum / (float)(p.pool * p.pool) : sum);
                u = pooled + p.bias[map % p.channels];
            }
            if (p.feedback != 0) {
                u += p.feedback[o];
            }
            if (p.extra != 0) {
                u += p.extra[o];
            }
            float s = p.state[o];
            if (p.force == EQP_FORCE_SQUARED && p.beta != 0.0f) {
                int b = o / (p.channels * perMap);
                u -= p.beta * p.force_scale * (s - p.labels[(size_t)b * p.channels * perMap + o % (p.channels * perMap)]);
            }
            if (p.drive_out != 0) {
                p.drive_out[o] = u;
            }
            float next = eqp_step(p.rule, s, u);
            float d = fabsf(next - s);
            r = (d > r || !(d == d)) ? d : r;
            p.next[o] = next;
        }
        eqp_residual_max(&block_residual, r);
    }
    EQP_BARRIER();
    EQP_PARALLEL {
        if (threadIdx.x == 0 && p.residual_bits != 0) {
            atomicMax(p.residual_bits, block_residual);
        }
    }
}

struct EqpUnpoolParams {
    int batch;
    int channels;
    int pooled_h;
    int pooled_w;
    int pool;
    int pooling;
    const float* pooled;   // h [batch, C, Hp, Wp]
    const int* winners;    // max-pool switches
    float* out;            // Pᵀ h [batch, C, Hp·pool, Wp·pool]
    const int* stop;       // a resident phase's stop flag, or null
};

/** One thread per pooled cell writes its whole window (so no zeroing pass is needed). */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_unpool(EqpUnpoolParams p) {
    if (p.stop != 0 && *p.stop != 0) {
        return;
    }
    int cells = p.batch * p.channels * p.pooled_h * p.pooled_w;
    int perMap = p.pooled_h * p.pooled_w;
    int w = p.pooled_w * p.pool;
    int h = p.pooled_h * p.pool;
    EQP_PARALLEL {
        for (int o = blockIdx.x * blockDim.x + threadIdx.x; o < cells; o += gridDim.x * blockDim.x) {
            int map = o / perMap;
            int y = (o % perMap) / p.pooled_w;
            int x = o % p.pooled_w;
            float v = p.pooled[o];
            float* dst = p.out + (size_t)map * h * w;
            int win = p.pooling == EQP_POOL_MAX ? p.winners[o] : -1;
            float share = p.pooling == EQP_POOL_AVG ? v / (float)(p.pool * p.pool) : v;
            for (int i = 0; i < p.pool; i++) {
                for (int j = 0; j < p.pool; j++) {
                    bool keep = p.pooling != EQP_POOL_MAX || win == i * p.pool + j;
                    dst[(y * p.pool + i) * w + x * p.pool + j] = keep ? share : 0.0f;
                }
            }
        }
    }
}
