// contrast_grad.cu: the EqProp weight-gradient reductions, the contrast of ∂Φ/∂θ between two equilibria a and b
// (Scellier thesis eq. 2.11, 5.22; Laborieux et al. 2021):
//   dense:  dW[i, j] = scale · Σ_e (a_lower[e, i] a_upper[e, j] − b_lower[e, i] b_upper[e, j])   (∂Φ/∂W = s_{k−1}ᵀ s_k)
//   bias:   db[c]    = scale · Σ_e Σ_p (a_upper[e, c, p] − b_upper[e, c, p])                     (∂Φ/∂b = Σ s_k)
// (a dense layer is the case of one position p per channel). The convolution's ∂Φ/∂w is an implicit GEMM
// (igemm_conv.cu, EQP_IGEMM_CONV_WGRAD). With precision TF32 or BF16 the states entering the dW products are rounded
// (eqp_round), the sums kept in fp32; db has no products and stays fp32.
#include "eqprop_common.cuh"

#define EQP_GRAD_TILE 16

struct EqpDenseContrastParams {
    const float* a_lower;   // [batch, n_in] rows at stride lda
    const float* a_upper;   // [batch, n_out] rows at stride ldu
    const float* b_lower;
    const float* b_upper;
    int lda;
    int ldu;
    int batch;
    int n_in;
    int n_out;
    float scale;
    float* grad;            // dW [n_in, n_out]
    int precision;          // EQP_FP32, EQP_TF32 or EQP_BF16
};

/** One 16×16 tile of dW per block (256 threads), the batch swept in chunks of 16 through shared memory. */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_dense_contrast(EqpDenseContrastParams p) {
    __shared__ float al[EQP_GRAD_TILE][EQP_GRAD_TILE + 1];
    __shared__ float au[EQP_GRAD_TILE][EQP_GRAD_TILE + 1];
    __shared__ float bl[EQP_GRAD_TILE][EQP_GRAD_TILE + 1];
    __shared__ float bu[EQP_GRAD_TILE][EQP_GRAD_TILE + 1];
    EQP_REGISTERS(float, acc, 1);
    int i0 = blockIdx.y * EQP_GRAD_TILE;
    int j0 = blockIdx.x * EQP_GRAD_TILE;
    EQP_PARALLEL { EQP_REG(acc)[0] = 0.0f; }
    for (int e0 = 0; e0 < p.batch; e0 += EQP_GRAD_TILE) {
        EQP_PARALLEL {
            int e = threadIdx.x / EQP_GRAD_TILE;
            int c = threadIdx.x % EQP_GRAD_TILE;
            bool row = e0 + e < p.batch;
            size_t lo = (size_t)(e0 + e) * p.lda + i0 + c;
            size_t up = (size_t)(e0 + e) * p.ldu + j0 + c;
            bool inLower = row && i0 + c < p.n_in;
            bool inUpper = row && j0 + c < p.n_out;
            al[e][c] = inLower ? eqp_round(p.a_lower[lo], p.precision) : 0.0f;
            bl[e][c] = inLower ? eqp_round(p.b_lower[lo], p.precision) : 0.0f;
            au[e][c] = inUpper ? eqp_round(p.a_upper[up], p.precision) : 0.0f;
            bu[e][c] = inUpper ? eqp_round(p.b_upper[up], p.precision) : 0.0f;
        }
        EQP_BARRIER();
        EQP_PARALLEL {
            int i = threadIdx.x / EQP_GRAD_TILE;
            int j = threadIdx.x % EQP_GRAD_TILE;
            float v = EQP_REG(acc)[0];
            for (int e = 0; e < EQP_GRAD_TILE; e++) {
                v += al[e][i] * au[e][j] - bl[e][i] * bu[e][j];
            }
            EQP_REG(acc)[0] = v;
        }
        EQP_BARRIER();
    }
    EQP_PARALLEL {
        int i = i0 + threadIdx.x / EQP_GRAD_TILE;
        int j = j0 + threadIdx.x % EQP_GRAD_TILE;
        if (i < p.n_in && j < p.n_out) {
            p.grad[(size_t)i * p.n_out + j] = p.scale * EQP_REG(acc)[0];
        }
    }
}

struct EqpChannelContrastParams {
    const float* a;   // [batch, channels, positions] rows at stride ld (>= channels · positions)
    const float* b;
    int ld;
    int batch;
    int channels;
    int positions;
    float scale;
    float* grad;      // db [channels]
};

/** One block per channel: a strided sum over (example, position), then a tree reduction in shared memory. */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_channel_contrast(EqpChannelContrastParams p) {
    __shared__ float partial[EQP_THREADS];
    int c = blockIdx.x;
    int count = p.batch * p.positions;
    EQP_PARALLEL {
        float v = 0.0f;
        for (int i = threadIdx.x; i < count; i += blockDim.x) {
            int e = i / p.positions;
            int q = i % p.positions;
            size_t at = (size_t)e * p.ld + (size_t)c * p.positions + q;
            v += p.a[at] - p.b[at];
        }
        partial[threadIdx.x] = v;
    }
    EQP_BARRIER();
    eqp_block_sum(partial);
    EQP_PARALLEL {
        if (threadIdx.x == 0) {
            p.grad[c] = p.scale * partial[0];
        }
    }
}
