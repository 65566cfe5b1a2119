// igemm_conv.cu: the convolutions of ConvPoolInteraction as implicit GEMMs (no im2col buffer: the im2col gather is
// computed on the fly while tiles are loaded into shared memory; igemm_tiled.cu holds the kernel). Cross-correlation ⋆ with a
// square stride and zero padding; maps NCHW, weights w [O, C, kH, kW] (DL4J's layout):
//   EQP_IGEMM_CONV_FWD:       z = w ⋆ h                 M = O, N = batch·oH·oW, K = C·kH·kW
//   EQP_IGEMM_CONV_TRANSPOSE: d = w ⋆ᵀ g (∂Φ/∂h_{k−1}) M = C, N = batch·H·W,   K = O·kH·kW
//   EQP_IGEMM_CONV_WGRAD:     dw = g ⋆ h (∂Φ/∂w)       M = O, N = C·kH·kW,     K = batch·oH·oW
// out = alpha · A·B (+ out when accumulate): thesis eq. 5.13 and its parameter gradient. With precision TF32 or
// BF16 the A and B operands are rounded (eqp_round) as the tiles are loaded, the products accumulated in fp32: the
// arithmetic of a tensor-core GEMM with those input types.
#include "eqprop_common.cuh"

#define EQP_IGEMM_CONV_FWD 0
#define EQP_IGEMM_CONV_TRANSPOSE 1
#define EQP_IGEMM_CONV_WGRAD 2
#define EQP_IGEMM_BM 128
#define EQP_IGEMM_BN 128
#define EQP_IGEMM_BK 16
#define EQP_IGEMM_LDS 136   // a shared-memory row: 128 floats and 8 of padding (the mma fragments' loads hit 32 banks)

struct EqpIgemmParams {
    int mode;
    int batch;
    int channels;       // C (lower map)
    int height;         // H
    int width;          // W
    int out_channels;   // O
    int kernel_h;
    int kernel_w;
    int stride;
    int padding;
    int out_h;          // oH
    int out_w;          // oW
    const float* weights;   // w [O, C, kH, kW]
    const float* lower;     // h [batch, C, H, W]
    const float* upper;     // g [batch, O, oH, oW]
    float* out;
    float alpha;
    int accumulate;
    int precision;      // EQP_FP32, EQP_TF32 or EQP_BF16
    const int* stop;    // a resident phase's stop flag (eqp_step_control), or null: nothing to do once it is set
};

__host__ __device__ inline void eqp_igemm_dims(const EqpIgemmParams& p, int* m, int* n, int* k) {
    int kernel = p.kernel_h * p.kernel_w;
    int positions = p.out_h * p.out_w;
    if (p.mode == EQP_IGEMM_CONV_FWD) {
        *m = p.out_channels; *n = p.batch * positions; *k = p.channels * kernel;
    } else if (p.mode == EQP_IGEMM_CONV_TRANSPOSE) {
        *m = p.channels; *n = p.batch * p.height * p.width; *k = p.out_channels * kernel;
    } else {
        *m = p.out_channels; *n = p.channels * kernel; *k = p.batch * positions;
    }
}

/** h[b, c, y·s + i − pad, x·s + j − pad], or 0 in the padding. */
__device__ __forceinline__ float eqp_gather_lower(const EqpIgemmParams& p, int b, int c, int i, int j, int y, int x) {
    int yy = y * p.stride + i - p.padding;
    int xx = x * p.stride + j - p.padding;
    if (yy < 0 || yy >= p.height || xx < 0 || xx >= p.width) {
        return 0.0f;
    }
    return p.lower[(((size_t)b * p.channels + c) * p.height + yy) * p.width + xx];
}

/** A(m, k) of the mode's GEMM. */
__device__ __forceinline__ float eqp_igemm_a(const EqpIgemmParams& p, int m, int k) {
    int kernel = p.kernel_h * p.kernel_w;
    if (p.mode == EQP_IGEMM_CONV_FWD) {
        return p.weights[(size_t)m * p.channels * kernel + k];
    }
    if (p.mode == EQP_IGEMM_CONV_TRANSPOSE) {
        int o = k / kernel;
        int ij = k % kernel;
        return p.weights[((size_t)o * p.channels + m) * kernel + ij];
    }
    int positions = p.out_h * p.out_w;
    int b = k / positions;
    int q = k % positions;
    return p.upper[((size_t)b * p.out_channels + m) * positions + q];
}

/** B(k, n) of the mode's GEMM. */
__device__ __forceinline__ float eqp_igemm_b(const EqpIgemmParams& p, int k, int n) {
    int kernel = p.kernel_h * p.kernel_w;
    int positions = p.out_h * p.out_w;
    if (p.mode == EQP_IGEMM_CONV_FWD) {
        int c = k / kernel;
        int i = (k % kernel) / p.kernel_w;
        int j = k % p.kernel_w;
        int b = n / positions;
        int q = n % positions;
        return eqp_gather_lower(p, b, c, i, j, q / p.out_w, q % p.out_w);
    }
    if (p.mode == EQP_IGEMM_CONV_TRANSPOSE) {
        int o = k / kernel;
        int i = (k % kernel) / p.kernel_w;
        int j = k % p.kernel_w;
        int image = p.height * p.width;
        int b = n / image;
        int yy = (n % image) / p.width;
        int xx = n % p.width;
        int ty = yy + p.padding - i;
        int tx = xx + p.padding - j;
        if (ty < 0 || tx < 0 || ty % p.stride != 0 || tx % p.stride != 0) {
            return 0.0f;
        }
        int y = ty / p.stride;
        int x = tx / p.stride;
        if (y >= p.out_h || x >= p.out_w) {
            return 0.0f;
        }
        return p.upper[(((size_t)b * p.out_channels + o) * p.out_h + y) * p.out_w + x];
    }
    int b = k / positions;
    int q = k % positions;
    int c = n / kernel;
    int i = (n % kernel) / p.kernel_w;
    int j = n % p.kernel_w;
    return eqp_gather_lower(p, b, c, i, j, q / p.out_w, q % p.out_w);
}

/** Where C(m, n) goes: NCHW maps for the convolutions, [O, C·kH·kW] for the weight gradient. */
__device__ __forceinline__ size_t eqp_igemm_out_index(const EqpIgemmParams& p, int m, int n, int bigM, int bigN) {
    if (p.mode == EQP_IGEMM_CONV_FWD) {
        int positions = p.out_h * p.out_w;
        return ((size_t)(n / positions) * bigM + m) * positions + n % positions;
    }
    if (p.mode == EQP_IGEMM_CONV_TRANSPOSE) {
        int image = p.height * p.width;
        return ((size_t)(n / image) * bigM + m) * image + n % image;
    }
    return (size_t)m * bigN + n;
}

#include "igemm_tiled.cu"
