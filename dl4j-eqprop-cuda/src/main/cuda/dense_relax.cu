// dense_relax.cu: the persistent dense relaxation kernel. One thread block relaxes a tile of the batch through
// every phase of an EqProp iteration (the free phase of T steps, then the nudged phases of K steps with ±β) with
// all states of the tile in shared memory; only the weights are read from global memory (through L2). No launch
// per step: a T=30, K=10 symmetric iteration is one launch instead of 50 steps × several operations.
//
// Per step and layer k (synchronous order, Ernoult et al. 2019 eq. 2; or alternating: even layers, then odd):
//   u_k = ∂Φ/∂s_k = b_k + W_kᵀ s_{k−1} + W_{k+1} s_{k+1}     (W_k [n_{k−1}, n_k], DL4J layout; u_1 uses the
//                                                              precomputed input drive W_1 x + b_1)
//   u_N −= β ∂C/∂s_N                                         (squared error or softmax readout, thesis 5.17–5.20)
//   s_k ← eqp_step(s_k, u_k)                                 (σ(u) or the Euler step)
#include "eqprop_common.cuh"

/** Everything the dense kernel reads: pointers are device pointers on the GPU, host pointers in the host build. */
struct EqpDenseRelaxParams {
    int layers;                              // N
    int widths[EQP_MAX_LAYERS];              // n_k
    int offsets[EQP_MAX_LAYERS];             // start of layer k in a packed example row
    int total;                               // Σ n_k: length of a packed example row
    const float* weights[EQP_MAX_LAYERS];    // W_k [n_{k−1}, n_k] row-major for k >= 1 (index 0 unused)
    const float* bias[EQP_MAX_LAYERS];       // b_k [n_k] for k >= 1 (index 0 unused: in the input drive)
    const float* input_drive;                // W_1 x + b_1, [batch, n_1]
    const float* start;                      // packed start states [batch, total]
    float* out;                              // packed end states, [phases, batch, total]
    int* residual_bits;                      // last residual per phase and tile (float bits), [phases, tiles]
    int* steps;                              // steps used per phase and tile, [phases, tiles]
    int batch;
    int tile;                                // examples per block
    int phases;
    int phase_steps[EQP_MAX_PHASES];         // T or K
    float phase_beta[EQP_MAX_PHASES];        // 0 for the free phase, ±β for nudged ones
    int phase_from[EQP_MAX_PHASES];          // −1: start from `start`; p: from the end of phase p
    EqpStepRule rule;
    int alternating;                         // 0 synchronous, 1 even layers then odd layers
    float tolerance;                         // stop a tile's phase when max |s_{t+1} − s_t| <= tolerance (0: never)
    int force;                               // EQP_FORCE_*
    float force_scale;                       // c in C = (c/2)‖s_N − y‖²
    const float* labels;                     // [batch, classes]
    const float* readout_w;                  // W_out [n_N, classes] (softmax readout)
    const float* readout_b;                  // b_out [classes]
    int classes;
};

/** Shared memory floats a tile needs: two state buffers and the readout's logits. */
__host__ __device__ inline int eqp_dense_shared_floats(int total, int classes, int tile) {
    return (2 * total + classes) * tile;
}

/** Phase: copies a tile's start states (example-major in global memory) into shared memory (feature-major). */
__device__ __forceinline__ void eqp_dense_load(const EqpDenseRelaxParams& p, const float* src, float* s, int first,
                                               int nb) {
    for (int i = threadIdx.x; i < p.total * nb; i += blockDim.x) {
        int unit = i % p.total;
        int e = i / p.total;
        s[unit * p.tile + e] = src[(size_t)(first + e) * p.total + unit];
    }
}

/** Phase: logits z_c = b_c + Σ_j W_out[j, c] s_N[j] of the softmax readout, for every example of the tile. */
__device__ __forceinline__ void eqp_dense_logits(const EqpDenseRelaxParams& p, const float* s, float* z, int nb) {
    int top = p.layers - 1;
    const float* sN = s + p.offsets[top] * p.tile;
    for (int i = threadIdx.x; i < p.classes * nb; i += blockDim.x) {
        int c = i / nb;
        int e = i % nb;
        float v = p.readout_b[c];
        for (int j = 0; j < p.widths[top]; j++) {
            v += p.readout_w[j * p.classes + c] * sN[j * p.tile + e];
        }
        z[c * p.tile + e] = v;
    }
}

/** Phase: z := β (y − softmax(z)) per example (one thread per example). */
__device__ __forceinline__ void eqp_dense_softmax_error(const EqpDenseRelaxParams& p, float* z, int first, int nb,
                                                        float beta) {
    for (int e = threadIdx.x; e < nb; e += blockDim.x) {
        float m = -__int_as_float(0x7f800000);
        for (int c = 0; c < p.classes; c++) {
            m = fmaxf(m, z[c * p.tile + e]);
        }
        float sum = 0.0f;
        for (int c = 0; c < p.classes; c++) {
            float v = expf(z[c * p.tile + e] - m);
            z[c * p.tile + e] = v;
            sum += v;
        }
        const float* y = p.labels + (size_t)(first + e) * p.classes;
        for (int c = 0; c < p.classes; c++) {
            z[c * p.tile + e] = beta * (y[c] - z[c * p.tile + e] / sum);
        }
    }
}

/** u_k[j] for example e of the tile: ∂Φ/∂s_k at the states s, plus the nudging force on the output layer. */
__device__ __forceinline__ float eqp_dense_drive(const EqpDenseRelaxParams& p, const float* s, const float* z, int k,
                                                 int j, int e, int first, float beta) {
    int tile = p.tile;
    float u;
    if (k == 0) {
        u = p.input_drive[(size_t)(first + e) * p.widths[0] + j];
    } else {
        const float* w = p.weights[k];
        int nOut = p.widths[k];
        const float* lower = s + p.offsets[k - 1] * tile + e;
        u = p.bias[k][j];
        for (int i = 0; i < p.widths[k - 1]; i++) {
            u += w[i * nOut + j] * lower[i * tile];
        }
    }
    if (k + 1 < p.layers) {
        const float* w = p.weights[k + 1];
        int nOut = p.widths[k + 1];
        const float* upper = s + p.offsets[k + 1] * tile + e;
        const float* row = w + (size_t)j * nOut;
        for (int m = 0; m < nOut; m++) {
            u += row[m] * upper[m * tile];
        }
    } else if (beta != 0.0f) {
        if (p.force == EQP_FORCE_SQUARED) {
            float y = p.labels[(size_t)(first + e) * p.widths[k] + j];
            u -= beta * p.force_scale * (s[(p.offsets[k] + j) * tile + e] - y);
        } else if (p.force == EQP_FORCE_HELD) {
            u -= beta * p.labels[(size_t)(first + e) * p.widths[k] + j];
        } else if (p.force == EQP_FORCE_SOFTMAX) {
            const float* row = p.readout_w + (size_t)j * p.classes;
            for (int c = 0; c < p.classes; c++) {
                u += row[c] * z[c * tile + e];
            }
        }
    }
    return u;
}

/**
 * Phase: the step of every layer k with (mask >> k) & 1, reading s and writing dst (dst = s in the alternating
 * order: a layer only reads its neighbours, which do not move in the same pass); the largest |s_{t+1} − s_t| of the
 * thread goes into *residual.
 */
__device__ __forceinline__ void eqp_dense_update(const EqpDenseRelaxParams& p, const float* s, float* dst,
                                                 const float* z, int mask, int first, int nb, float beta,
                                                 int* residual) {
    float r = 0.0f;
    for (int k = 0; k < p.layers; k++) {
        if (!((mask >> k) & 1)) {
            continue;
        }
        int base = p.offsets[k] * p.tile;
        for (int i = threadIdx.x; i < p.widths[k] * nb; i += blockDim.x) {
            int j = i / nb;
            int e = i % nb;
            float u = eqp_dense_drive(p, s, z, k, j, e, first, beta);
            float old = s[base + j * p.tile + e];
            float next = eqp_step(p.rule, old, u);
            float d = fabsf(next - old);
            r = (d > r || !(d == d)) ? d : r;
            dst[base + j * p.tile + e] = next;
        }
    }
    eqp_residual_max(residual, r);
}

/** Phase: writes the tile's states back, example-major. */
__device__ __forceinline__ void eqp_dense_store(const EqpDenseRelaxParams& p, const float* s, float* dst, int first,
                                                int nb) {
    for (int i = threadIdx.x; i < p.total * nb; i += blockDim.x) {
        int unit = i % p.total;
        int e = i / p.total;
        dst[(size_t)(first + e) * p.total + unit] = s[unit * p.tile + e];
    }
}

extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_dense_relax(__grid_constant__ const EqpDenseRelaxParams p) {
    EQP_DYNAMIC_SHARED(float, shared);
    __shared__ int residual[3];   // three slots: the one being reset is never the one still being read
    int first = blockIdx.x * p.tile;
    int nb = p.batch - first < p.tile ? p.batch - first : p.tile;
    int tiles = (p.batch + p.tile - 1) / p.tile;
    float* cur = shared;
    float* nxt = shared + p.total * p.tile;
    float* z = shared + 2 * p.total * p.tile;
    int all = (1 << p.layers) - 1;
    int even = 0x55555555 & all;
    int odd = 0x2aaaaaaa & all;
    int top = p.layers - 1;
    for (int ph = 0; ph < p.phases; ph++) {
        float beta = p.phase_beta[ph];
        const float* src = p.phase_from[ph] < 0 ? p.start : p.out + (size_t)p.phase_from[ph] * p.batch * p.total;
        EQP_PARALLEL {
            eqp_dense_load(p, src, cur, first, nb);
            if (threadIdx.x < 3) {
                residual[threadIdx.x] = 0;
            }
        }
        EQP_BARRIER();
        int t = 0;
        float last = 0.0f;
        while (t < p.phase_steps[ph]) {
            int slot = t % 3;
            for (int pass = 0; pass < (p.alternating ? 2 : 1); pass++) {
                int mask = p.alternating ? (pass == 0 ? even : odd) : all;
                bool nudge = beta != 0.0f && ((mask >> top) & 1);
                if (nudge && p.force == EQP_FORCE_SOFTMAX) {
                    EQP_PARALLEL { eqp_dense_logits(p, cur, z, nb); }
                    EQP_BARRIER();
                    EQP_PARALLEL { eqp_dense_softmax_error(p, z, first, nb, beta); }
                    EQP_BARRIER();
                }
                EQP_PARALLEL {
                    if (threadIdx.x == 0) {
                        residual[(slot + 1) % 3] = 0;
                    }
                    eqp_dense_update(p, cur, p.alternating ? cur : nxt, z, mask, first, nb, nudge ? beta : 0.0f,
                                     &residual[slot]);
                }
                EQP_BARRIER();
                if (!p.alternating) {
                    float* tmp = cur;
                    cur = nxt;
                    nxt = tmp;
                }
            }
            t++;
            last = __int_as_float(residual[slot]);
            if (!(last <= 3.0e38f) || (p.tolerance > 0.0f && last <= p.tolerance)) {
                break;   // NaN/inf, or converged (block-uniform: every thread read the same slot after a barrier)
            }
        }
        EQP_PARALLEL {
            eqp_dense_store(p, cur, p.out + (size_t)ph * p.batch * p.total, first, nb);
            if (threadIdx.x == 0) {
                p.residual_bits[ph * tiles + blockIdx.x] = __float_as_int(last);
                p.steps[ph * tiles + blockIdx.x] = t;
            }
        }
        EQP_BARRIER();
    }
}
