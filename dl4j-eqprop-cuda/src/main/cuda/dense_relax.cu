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
// With precision TF32 or BF16 both factors of every W·s product are rounded (eqp_round) and summed in fp32; the states,
// the input drive, the biases and the readout stay fp32.
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
    int precision;                           // EQP_FP32, EQP_TF32 or EQP_BF16 operands of the W·s products
};

/**
 * Shared memory floats a tile needs: two state buffers, the readout's logits and the drives' partial sums (at most
 * total·tile + layers·threads, see eqp_dense_splits).
 */
__host__ __device__ inline int eqp_dense_shared_floats(int total, int classes, int tile, int layers) {
    return (3 * total + classes) * tile + layers * EQP_THREADS;
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

/** The terms of unit j's drive sum in layer k: the lower layer, the upper layer, and the softmax readout. */
__device__ __forceinline__ int eqp_dense_terms(const EqpDenseRelaxParams& p, int k, int readout) {
    return (k > 0 ? p.widths[k - 1] : 0) + (k + 1 < p.layers ? p.widths[k + 1] : 0)
            + (readout && k + 1 == p.layers ? p.classes : 0);
}

/**
 * How many partial sums a drive is split into: chunks of at least 32 terms, only as many as the block has idle
 * threads for (cells × splits <= threads unless a layer alone fills the block), at most 32. Splitting shortens the
 * critical path of a step: a 10-unit output layer over 500 hidden units is 16 chunks of 32 terms instead of one
 * 500-term chain per thread.
 */
__host__ __device__ inline int eqp_dense_splits(int cells, int terms, int threads) {
    int want = (terms + 31) / 32;
    int room = threads / (cells > 0 ? cells : 1);
    int s = want < room ? want : room;
    return s < 1 ? 1 : (s > 32 ? 32 : s);
}

/**
 * Phase: the partial sums of the drives of the layers in mask. Item (j, part, e) of layer k sums its chunk of
 * ∂Φ/∂s_k[j] = Σ_i W_k[i, j] s_{k−1}[i] + Σ_m W_{k+1}[j, m] s_{k+1}[m] (+ Σ_c W_out[j, c] z_c for the softmax nudge,
 * z = β(y − o)) into partial[poff[k] + (j·splits + part)·nb + e].
 */
__device__ __forceinline__ void eqp_dense_partials(const EqpDenseRelaxParams& p, const float* s, const float* z,
                                                   int mask, int nb, const int* splits, const int* poff,
                                                   float* partial, int readout) {
    int tile = p.tile;
    for (int k = 0; k < p.layers; k++) {
        if (!((mask >> k) & 1)) {
            continue;
        }
        int terms = eqp_dense_terms(p, k, readout);
        int sp = splits[k];
        int nLow = k > 0 ? p.widths[k - 1] : 0;
        int nUp = k + 1 < p.layers ? p.widths[k + 1] : 0;
        int nk = p.widths[k];
        for (int i = threadIdx.x; i < nk * sp * nb; i += blockDim.x) {
            int e = i % nb;
            int part = (i / nb) % sp;
            int j = i / (nb * sp);
            int lo = part * terms / sp;
            int hi = (part + 1) * terms / sp;
            float v = 0.0f;
            int end = hi < nLow ? hi : nLow;
            if (lo < end) {
                const float* w = p.weights[k] + j;
                const float* lower = s + p.offsets[k - 1] * tile + e;
                for (int t = lo; t < end; t++) {
                    v += eqp_round(w[(size_t)t * nk], p.precision) * eqp_round(lower[t * tile], p.precision);
                }
            }
            int from = lo > nLow ? lo : nLow;
            end = hi < nLow + nUp ? hi : nLow + nUp;
            if (from < end) {
                const float* row = p.weights[k + 1] + (size_t)j * nUp;
                const float* upper = s + p.offsets[k + 1] * tile + e;
                for (int t = from; t < end; t++) {
                    v += eqp_round(row[t - nLow], p.precision) * eqp_round(upper[(t - nLow) * tile], p.precision);
                }
            }
            from = lo > nLow + nUp ? lo : nLow + nUp;
            if (from < hi) {
                const float* row = p.readout_w + (size_t)j * p.classes;
                const float* zc = z + e;
                for (int t = from; t < hi; t++) {
                    v += row[t - nLow - nUp] * zc[(t - nLow - nUp) * tile];
                }
            }
            partial[poff[k] + i] = v;
        }
    }
}

/**
 * Phase: the step of every layer k in mask: u = (input drive or b_k) + its partial sums (in order) − the squared or
 * held force on the output layer; s_{t+1} = eqp_step(s_t, u) from s into dst (dst = s in the alternating order: a
 * layer only reads its neighbours, which do not move in the same pass); the thread's largest |s_{t+1} − s_t| goes
 * into *residual.
 */
__device__ __forceinline__ void eqp_dense_finish(const EqpDenseRelaxParams& p, const float* s, float* dst, int mask,
                                                 int first, int nb, float beta, const int* splits, const int* poff,
                                                 const float* partial, int* residual) {
    float r = 0.0f;
    for (int k = 0; k < p.layers; k++) {
        if (!((mask >> k) & 1)) {
            continue;
        }
        int base = p.offsets[k] * p.tile;
        int sp = splits[k];
        bool top = k + 1 == p.layers;
        for (int i = threadIdx.x; i < p.widths[k] * nb; i += blockDim.x) {
            int j = i / nb;
            int e = i % nb;
            float u = k == 0 ? p.input_drive[(size_t)(first + e) * p.widths[0] + j] : p.bias[k][j];
            const float* part = partial + poff[k] + j * sp * nb + e;
            for (int q = 0; q < sp; q++) {
                u += part[q * nb];
            }
            float old = s[base + j * p.tile + e];
            if (top && beta != 0.0f) {
                if (p.force == EQP_FORCE_SQUARED) {
                    u -= beta * p.force_scale * (old - p.labels[(size_t)(first + e) * p.widths[k] + j]);
                } else if (p.force == EQP_FORCE_HELD) {
                    u -= beta * p.labels[(size_t)(first + e) * p.widths[k] + j];
                }
            }
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
    __shared__ int splits[2][EQP_MAX_LAYERS];   // [readout][k]: partial sums per drive
    __shared__ int poff[2][EQP_MAX_LAYERS];     // [readout][k]: where layer k's partial sums start
    int first = blockIdx.x * p.tile;
    int nb = p.batch - first < p.tile ? p.batch - first : p.tile;
    int tiles = (p.batch + p.tile - 1) / p.tile;
    float* cur = shared;
    float* nxt = shared + p.total * p.tile;
    float* z = shared + 2 * p.total * p.tile;
    float* partial = z + p.classes * p.tile;
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
            if (threadIdx.x < 2) {
                int at = 0;
                for (int k = 0; k < p.layers; k++) {
                    int cells = p.widths[k] * nb;
                    splits[threadIdx.x][k] = eqp_dense_splits(cells, eqp_dense_terms(p, k, threadIdx.x),
                                                              (int)blockDim.x);
                    poff[threadIdx.x][k] = at;
                    at += cells * splits[threadIdx.x][k];
                }
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
                int ro = nudge && p.force == EQP_FORCE_SOFTMAX ? 1 : 0;
                EQP_PARALLEL {
                    if (threadIdx.x == 0) {
                        residual[(slot + 1) % 3] = 0;
                    }
                    eqp_dense_partials(p, cur, z, mask, nb, splits[ro], poff[ro], partial, ro);
                }
                EQP_BARRIER();
                EQP_PARALLEL {
                    eqp_dense_finish(p, cur, p.alternating ? cur : nxt, mask, first, nb, nudge ? beta : 0.0f,
                                     splits[ro], poff[ro], partial, &residual[slot]);
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
