// standin_gemm.h: a blocked single-precision matrix product for the CPU stand-in driver's "fast" mode (the implicit
// GEMMs of eqp_igemm computed as explicit products, so that end-to-end training tests through the stand-in take
// seconds, not minutes). C = alpha · op(A) · op(B) + beta · C, row-major, op(A) M×K, op(B) K×N.
//
// Structure (the usual one of BLIS-style products): B is packed in K-blocks of KC rows into column panels of NR
// floats, A in blocks of MC rows into row panels of MR floats, and an MR×NR micro-kernel keeps its accumulators in
// registers (GCC vector extensions; cloned for AVX-512, AVX2 and plain x86-64, chosen at run time). Edges are padded
// with zeros in the packed panels and written through a small tile.
#ifndef EQP_STANDIN_GEMM_H
#define EQP_STANDIN_GEMM_H

#include <algorithm>
#include <cstring>
#include <vector>

namespace standin {

const int MR = 6;
const int NR = 32;
const int KC = 256;
const int MC = 96;

typedef float v8 __attribute__((vector_size(32)));

/** acc[MR×NR] = Σ_k a[k·MR + i] · b[k·NR + j] over kc steps of the packed panels. */
__attribute__((target_clones("avx512f", "avx2", "default")))
inline void microKernel(int kc, const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ acc) {
    v8 c[MR][NR / 8];
    for (int i = 0; i < MR; i++) {
        for (int j = 0; j < NR / 8; j++) c[i][j] = v8{0, 0, 0, 0, 0, 0, 0, 0};
    }
    for (int k = 0; k < kc; k++) {
        v8 bv[NR / 8];
        for (int j = 0; j < NR / 8; j++) std::memcpy(&bv[j], b + k * NR + 8 * j, sizeof(v8));
        for (int i = 0; i < MR; i++) {
            float s = a[k * MR + i];
            v8 av = v8{s, s, s, s, s, s, s, s};
            for (int j = 0; j < NR / 8; j++) c[i][j] += av * bv[j];
        }
    }
    for (int i = 0; i < MR; i++) {
        for (int j = 0; j < NR / 8; j++) std::memcpy(acc + i * NR + 8 * j, &c[i][j], sizeof(v8));
    }
}

/** C = alpha · op(A) · op(B) + beta · C; op(A)(i, k) = transA ? A[k·lda + i] : A[i·lda + k], likewise B. */
inline void sgemm(bool transA, bool transB, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                  int ldb, float beta, float* C, int ldc) {
    if (beta != 1.0f) {
        for (int i = 0; i < M; i++) {
            float* row = C + (size_t)i * ldc;
            for (int j = 0; j < N; j++) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
        }
    }
    if (M == 0 || N == 0 || K == 0 || alpha == 0.0f) return;
    int nPanels = (N + NR - 1) / NR;
    std::vector<float> bp((size_t)nPanels * NR * KC);
    std::vector<float> ap((size_t)((MC + MR - 1) / MR) * MR * KC);
    float acc[MR * NR];
    for (int k0 = 0; k0 < K; k0 += KC) {
        int kc = std::min(KC, K - k0);
        // pack op(B)[k0:k0+kc, :] into NR-wide panels, k-major
        for (int p = 0; p < nPanels; p++) {
            float* dst = bp.data() + (size_t)p * NR * kc;
            for (int k = 0; k < kc; k++) {
                for (int j = 0; j < NR; j++) {
                    int n = p * NR + j;
                    dst[k * NR + j] = n >= N ? 0.0f
                            : (transB ? B[(size_t)n * ldb + k0 + k] : B[(size_t)(k0 + k) * ldb + n]);
                }
            }
        }
        for (int m0 = 0; m0 < M; m0 += MC) {
            int mc = std::min(MC, M - m0);
            int mPanels = (mc + MR - 1) / MR;
            for (int q = 0; q < mPanels; q++) {
                float* dst = ap.data() + (size_t)q * MR * kc;
                for (int k = 0; k < kc; k++) {
                    for (int i = 0; i < MR; i++) {
                        int m = m0 + q * MR + i;
                        dst[k * MR + i] = m >= M ? 0.0f
                                : (transA ? A[(size_t)(k0 + k) * lda + m] : A[(size_t)m * lda + k0 + k]);
                    }
                }
            }
            for (int q = 0; q < mPanels; q++) {
                for (int p = 0; p < nPanels; p++) {
                    microKernel(kc, ap.data() + (size_t)q * MR * kc, bp.data() + (size_t)p * NR * kc, acc);
                    int rows = std::min(MR, M - m0 - q * MR);
                    int cols = std::min(NR, N - p * NR);
                    for (int i = 0; i < rows; i++) {
                        float* c = C + (size_t)(m0 + q * MR + i) * ldc + p * NR;
                        for (int j = 0; j < cols; j++) c[j] += alpha * acc[i * NR + j];
                    }
                }
            }
        }
    }
}

}  // namespace standin

#endif
