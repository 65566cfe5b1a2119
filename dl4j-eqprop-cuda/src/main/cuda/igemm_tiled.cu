// igemm_tiled.cu: the implicit GEMM C (M×N) = alpha · A (M×K) · B (K×N) (+ C) of igemm_conv.cu's three modes, as a
// blocked product of the usual structure: a 128×128 tile of C per block of 256 threads, K in steps of 16, both
// operand tiles double-buffered in shared memory (the next tile is read from global memory into registers while the
// current one is multiplied, one barrier per step), and the products
//   fp32:       on the CUDA cores, 8×8 outputs per thread in registers (8 + 8 operands per 64 FMAs);
//   tf32, bf16: on the tensor cores, mma.sync m16n8k8 (tf32) or m16n8k16 (bf16), each warp a 64×32 part of the
//               tile (4 × 4 mma tiles), operands rounded to the format (eqp_round) as they are stored.
// The im2col gather's index arithmetic is hoisted out of the inner loops: each thread loads one column of the B tile
// for the whole K loop, so its column's decomposition (example, output position) is computed once, and the rows' (channel,
// kernel offset) digits are advanced as counters, not divided. A transposed convolution with stride > 1 (whose
// gather needs divisibility tests) reads B element by element through eqp_igemm_b.
#include "eqprop_mma.cuh"

/** A mixed-radix counter (hi, mid, lo) with the radices of mid and lo: k's digits, advanced without division. */
struct EqpDigits {
    int hi, mid, lo;
};

__host__ __device__ __forceinline__ EqpDigits eqp_digits(int k, int r1, int r2) {
    EqpDigits d;
    d.lo = k % r2;
    d.mid = (k / r2) % r1;
    d.hi = k / (r1 * r2);
    return d;
}

__host__ __device__ __forceinline__ void eqp_advance(EqpDigits& d, int by, int r1, int r2) {
    d.lo += by;
    while (d.lo >= r2) {
        d.lo -= r2;
        d.mid += 1;
    }
    while (d.mid >= r1) {
        d.mid -= r1;
        d.hi += 1;
    }
}

/**
 * How the mode's operands are laid out: A(m, k) = a[m·aRow + kA.hi·aHi + kA.lo] with k's digits (hi, lo) of radix
 * aRadix; B(k, n) = b[col(n) + row(k)] when 0 <= colY(n) + rowY(k) < limY and likewise for x, with
 * row(k) = hi·s0 + mid·s1 + lo·s2, rowY = mid·ys, rowX = lo·xs over k's digits of radices (r1, r2), and the column
 * terms from n's digits (radices c1, c2).
 */
struct EqpGather {
    const float* a;
    const float* b;
    int aRow, aHi, aRadix;
    int r1, r2, s0, s1, s2, ys, xs;
    int c1, c2, limY, limX;
    int generic;   // B element by element (a transposed convolution with stride > 1)
};

__host__ __device__ inline EqpGather eqp_gather_plan(const EqpIgemmParams& p) {
    EqpGather g;
    int kernel = p.kernel_h * p.kernel_w;
    int positions = p.out_h * p.out_w;
    int image = p.height * p.width;
    g.generic = 0;
    if (p.mode == EQP_IGEMM_CONV_FWD) {
        g.a = p.weights;
        g.aRow = p.channels * kernel;
        g.aHi = 0;
        g.aRadix = 1 << 30;
        g.b = p.lower;
        g.r1 = p.kernel_h; g.r2 = p.kernel_w;
        g.s0 = image; g.s1 = p.width; g.s2 = 1; g.ys = 1; g.xs = 1;
        g.c1 = p.out_h; g.c2 = p.out_w; g.limY = p.height; g.limX = p.width;
    } else if (p.mode == EQP_IGEMM_CONV_TRANSPOSE) {
        g.a = p.weights;
        g.aRow = kernel;
        g.aHi = p.channels * kernel;
        g.aRadix = kernel;
        g.b = p.upper;
        g.r1 = p.kernel_h; g.r2 = p.kernel_w;
        g.s0 = positions; g.s1 = -p.out_w; g.s2 = -1; g.ys = -1; g.xs = -1;
        g.c1 = p.height; g.c2 = p.width; g.limY = p.out_h; g.limX = p.out_w;
        g.generic = p.stride != 1;
    } else {
        g.a = p.upper;
        g.aRow = positions;
        g.aHi = p.out_channels * positions;
        g.aRadix = positions;
        g.b = p.lower;
        g.r1 = p.out_h; g.r2 = p.out_w;
        g.s0 = p.channels * image; g.s1 = p.stride * p.width; g.s2 = p.stride; g.ys = p.stride; g.xs = p.stride;
        g.c1 = p.kernel_h; g.c2 = p.kernel_w; g.limY = p.height; g.limX = p.width;
    }
    return g;
}

/** n's column terms: offset, y and x (see EqpGather), from n's digits. */
__host__ __device__ inline void eqp_gather_column(const EqpIgemmParams& p, int n, int* off, int* y, int* x) {
    int kernel = p.kernel_h * p.kernel_w;
    if (p.mode == EQP_IGEMM_CONV_FWD) {
        int positions = p.out_h * p.out_w;
        int b = n / positions, q = n % positions;
        *y = (q / p.out_w) * p.stride - p.padding;
        *x = (q % p.out_w) * p.stride - p.padding;
        *off = b * p.channels * p.height * p.width + *y * p.width + *x;
    } else if (p.mode == EQP_IGEMM_CONV_TRANSPOSE) {
        int image = p.height * p.width;
        int b = n / image, q = n % image;
        *y = q / p.width + p.padding;
        *x = q % p.width + p.padding;
        *off = b * p.out_channels * p.out_h * p.out_w + *y * p.out_w + *x;
    } else {
        int c = n / kernel, q = n % kernel;
        *y = q / p.kernel_w - p.padding;
        *x = q % p.kernel_w - p.padding;
        *off = c * p.height * p.width + *y * p.width + *x;
    }
}

/** Stored operand: rounded to the precision's mantissa (tf32, bf16), as the tensor cores read it. */
__device__ __forceinline__ float eqp_operand(float v, int precision) {
    return eqp_round(v, precision);
}

/** The kernel's body for one operand precision: fp32 on the CUDA cores, tf32 or bf16 on the tensor cores. */
template <int PRECISION>
__device__ __forceinline__ void eqp_igemm_body(const EqpIgemmParams& p) {
    __shared__ float as[2][EQP_IGEMM_BK][EQP_IGEMM_LDS];
    __shared__ float bs[2][EQP_IGEMM_BK][EQP_IGEMM_LDS];
    EQP_REGISTERS(float, acc, 64);
    EQP_REGISTERS(float, stage, 16);
    // the thread's load state: B column (offset, y, x, valid), B rows' digits, A rows' k digits
    EQP_REGISTERS(int, col, 4);
    EQP_REGISTERS(int, rowk, 4);
    EQP_REGISTERS(int, ak, 3);
    EQP_REGISTERS(unsigned, afrag, 16);
    EQP_REGISTERS(unsigned, bfrag, 8);
    int bigM, bigN, bigK;
    eqp_igemm_dims(p, &bigM, &bigN, &bigK);
    int m0 = blockIdx.y * EQP_IGEMM_BM;
    int n0 = blockIdx.x * EQP_IGEMM_BN;
    int tiles = (bigK + EQP_IGEMM_BK - 1) / EQP_IGEMM_BK;
    EqpGather g = eqp_gather_plan(p);
    const bool tensor = PRECISION != EQP_FP32;
    const bool bf16 = PRECISION == EQP_BF16;

    // set-up: the thread's column of B (n0 + t % 128) and the k digits of its first rows
    EQP_PARALLEL {
        int t = (int)threadIdx.x;
        int n = n0 + t % EQP_IGEMM_BN;
        int* c = EQP_REG(col);
        c[3] = n < bigN;
        if (c[3]) {
            eqp_gather_column(p, n, &c[0], &c[1], &c[2]);
        }
        EqpDigits d = eqp_digits(t / EQP_IGEMM_BN, g.r1, g.r2);
        int* r = EQP_REG(rowk);
        r[0] = d.hi; r[1] = d.mid; r[2] = d.lo; r[3] = t / EQP_IGEMM_BN;
        int ka = t % EQP_IGEMM_BK;
        int* a = EQP_REG(ak);
        a[0] = ka / g.aRadix; a[1] = ka % g.aRadix; a[2] = ka;
        for (int i = 0; i < 64; i++) {
            EQP_REG(acc)[i] = 0.0f;
        }
    }
    // Loads the next K step of A and B into the thread's staging registers: A rows m0 + t/16 + 16r at k = (k digits),
    // B rows kk = t/128 + 2r of the thread's column. Advances the digits to the following step.
#define EQP_IGEMM_LOAD()                                                                                             \
    {                                                                                                               \
        int t = (int)threadIdx.x;                                                                                   \
        int* a = EQP_REG(ak);                                                                                       \
        float* st = EQP_REG(stage);                                                                                 \
        bool kin = a[2] < bigK;                                                                                     \
        int koff = a[0] * g.aHi + a[1];                                                                             \
        for (int r = 0; r < 8; r++) {                                                                               \
            int m = m0 + t / EQP_IGEMM_BK + 16 * r;                                                                 \
            st[r] = kin && m < bigM ? eqp_operand(g.a[(size_t)m * g.aRow + koff], PRECISION) : 0.0f;              \
        }                                                                                                           \
        a[2] += EQP_IGEMM_BK;                                                                                       \
        a[1] += EQP_IGEMM_BK;                                                                                       \
        while (a[1] >= g.aRadix) {                                                                                  \
            a[1] -= g.aRadix;                                                                                       \
            a[0] += 1;                                                                                              \
        }                                                                                                           \
        int* c = EQP_REG(col);                                                                                      \
        int* rk = EQP_REG(rowk);                                                                                    \
        for (int r = 0; r < 8; r++) {                                                                               \
            int k = rk[3];                                                                                          \
            float v = 0.0f;                                                                                         \
            if (c[3] && k < bigK) {                                                                                 \
                if (g.generic) {                                                                                    \
                    v = eqp_igemm_b(p, k, n0 + t % EQP_IGEMM_BN);                                                   \
                } else {                                                                                            \
                    int yy = c[1] + rk[1] * g.ys;                                                                   \
                    int xx = c[2] + rk[2] * g.xs;                                                                   \
                    if (yy >= 0 && yy < g.limY && xx >= 0 && xx < g.limX) {                                         \
                        v = g.b[(size_t)((long long)c[0] + (long long)rk[0] * g.s0 + rk[1] * g.s1 + rk[2] * g.s2)]; \
                    }                                                                                               \
                }                                                                                                   \
            }                                                                                                       \
            st[8 + r] = eqp_operand(v, PRECISION);                                                                \
            EqpDigits d{rk[0], rk[1], rk[2]};                                                                       \
            eqp_advance(d, 2, g.r1, g.r2);                                                                          \
            rk[0] = d.hi; rk[1] = d.mid; rk[2] = d.lo; rk[3] = k + 2;                                               \
        }                                                                                                           \
    }
#define EQP_IGEMM_STORE(buf)                                                                                         \
    {                                                                                                               \
        int t = (int)threadIdx.x;                                                                                   \
        const float* st = EQP_REG(stage);                                                                           \
        for (int r = 0; r < 8; r++) {                                                                               \
            as[buf][t % EQP_IGEMM_BK][t / EQP_IGEMM_BK + 16 * r] = st[r];                                           \
            bs[buf][t / EQP_IGEMM_BN + 2 * r][t % EQP_IGEMM_BN] = st[8 + r];                                        \
        }                                                                                                           \
    }
    EQP_PARALLEL {
        EQP_IGEMM_LOAD();
        EQP_IGEMM_STORE(0);
    }
    EQP_BARRIER();
    for (int kt = 0; kt < tiles; kt++) {
        int cur = kt & 1;
        bool more = kt + 1 < tiles;
        if (!tensor) {
            EQP_PARALLEL {
                if (more) EQP_IGEMM_LOAD();
                // 8×8 outputs: rows ty·4 + {0..3} and 64 + ty·4 + {0..3}, columns likewise with tx
                int ty = (int)threadIdx.x / 16, tx = (int)threadIdx.x % 16;
                float* c = EQP_REG(acc);
                for (int kk = 0; kk < EQP_IGEMM_BK; kk++) {
                    float a[8], b[8];
                    for (int i = 0; i < 4; i++) {
                        a[i] = as[cur][kk][ty * 4 + i];
                        a[4 + i] = as[cur][kk][64 + ty * 4 + i];
                        b[i] = bs[cur][kk][tx * 4 + i];
                        b[4 + i] = bs[cur][kk][64 + tx * 4 + i];
                    }
                    for (int i = 0; i < 8; i++) {
                        for (int j = 0; j < 8; j++) {
                            c[i * 8 + j] += a[i] * b[j];
                        }
                    }
                }
                if (more) EQP_IGEMM_STORE(cur ^ 1);
            }
        } else {
            EQP_PARALLEL {
                if (more) EQP_IGEMM_LOAD();
            }
            // warp w: rows (w / 4)·64, columns (w % 4)·32 of the tile; mma tiles mt (16 rows) × nt (8 columns)
            int steps = bf16 ? 1 : 2;
            for (int ks = 0; ks < steps; ks++) {
                EQP_PARALLEL {
                    int lane = (int)threadIdx.x % 32, w = (int)threadIdx.x / 32;
                    int gid = lane >> 2, tig = lane & 3;
                    int rowBase = (w / 4) * 64, colBase = (w % 4) * 32;
                    unsigned* af = EQP_REG(afrag);
                    unsigned* bf = EQP_REG(bfrag);
                    for (int mt = 0; mt < 4; mt++) {
                        int r0 = rowBase + mt * 16 + gid;
                        if (bf16) {
                            af[mt * 4 + 0] = eqp_pack_bf16(as[cur][2 * tig][r0], as[cur][2 * tig + 1][r0]);
                            af[mt * 4 + 1] = eqp_pack_bf16(as[cur][2 * tig][r0 + 8], as[cur][2 * tig + 1][r0 + 8]);
                            af[mt * 4 + 2] = eqp_pack_bf16(as[cur][2 * tig + 8][r0], as[cur][2 * tig + 9][r0]);
                            af[mt * 4 + 3] = eqp_pack_bf16(as[cur][2 * tig + 8][r0 + 8],
                                                           as[cur][2 * tig + 9][r0 + 8]);
                        } else {
                            int k0 = ks * 8 + tig;
                            af[mt * 4 + 0] = (unsigned)__float_as_int(as[cur][k0][r0]);
                            af[mt * 4 + 1] = (unsigned)__float_as_int(as[cur][k0][r0 + 8]);
                            af[mt * 4 + 2] = (unsigned)__float_as_int(as[cur][k0 + 4][r0]);
                            af[mt * 4 + 3] = (unsigned)__float_as_int(as[cur][k0 + 4][r0 + 8]);
                        }
                    }
                    for (int nt = 0; nt < 4; nt++) {
                        int cn = colBase + nt * 8 + gid;
                        if (bf16) {
                            bf[nt * 2 + 0] = eqp_pack_bf16(bs[cur][2 * tig][cn], bs[cur][2 * tig + 1][cn]);
                            bf[nt * 2 + 1] = eqp_pack_bf16(bs[cur][2 * tig + 8][cn], bs[cur][2 * tig + 9][cn]);
                        } else {
                            int k0 = ks * 8 + tig;
                            bf[nt * 2 + 0] = (unsigned)__float_as_int(bs[cur][k0][cn]);
                            bf[nt * 2 + 1] = (unsigned)__float_as_int(bs[cur][k0 + 4][cn]);
                        }
                    }
                }
                EQP_PARALLEL {
                    for (int mt = 0; mt < 4; mt++) {
                        for (int nt = 0; nt < 4; nt++) {
                            float* d = EQP_REG(acc) + (mt * 4 + nt) * 4;
                            if (bf16) {
                                EQP_MMA_BF16(d, afrag, mt * 4, bfrag, nt * 2);
                            } else {
                                EQP_MMA_TF32(d, afrag, mt * 4, bfrag, nt * 2);
                            }
                        }
                    }
                }
            }
            EQP_PARALLEL {
                if (more) EQP_IGEMM_STORE(cur ^ 1);
            }
        }
        EQP_BARRIER();
    }
#undef EQP_IGEMM_LOAD
#undef EQP_IGEMM_STORE
    EQP_PARALLEL {
        const float* c = EQP_REG(acc);
        int lane = (int)threadIdx.x % 32, w = (int)threadIdx.x / 32;
        int ty = (int)threadIdx.x / 16, tx = (int)threadIdx.x % 16;
        for (int e = 0; e < 64; e++) {
            int m, n;
            if (tensor) {
                int r, cc;
                eqp_mma_c(lane, e & 3, &r, &cc);
                int tile = e >> 2;
                m = m0 + (w / 4) * 64 + (tile / 4) * 16 + r;
                n = n0 + (w % 4) * 32 + (tile % 4) * 8 + cc;
            } else {
                int i = e / 8, j = e % 8;
                m = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
                n = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
            }
            if (m < bigM && n < bigN) {
                size_t at = eqp_igemm_out_index(p, m, n, bigM, bigN);
                float v = p.alpha * c[e];
                p.out[at] = p.accumulate ? p.out[at] + v : v;
            }
        }
    }
}

/** fp32 operands (CUDA cores). */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_igemm(EqpIgemmParams p) {
    if (p.stop != 0 && *p.stop != 0) {
        return;
    }
    eqp_igemm_body<EQP_FP32>(p);
}

/** tf32 operands (tensor cores, mma.sync m16n8k8). */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_igemm_tf32(EqpIgemmParams p) {
    if (p.stop != 0 && *p.stop != 0) {
        return;
    }
    eqp_igemm_body<EQP_TF32>(p);
}

/** bf16 operands (tensor cores, mma.sync m16n8k16). */
extern "C" __global__ void __launch_bounds__(EQP_THREADS) eqp_igemm_bf16(EqpIgemmParams p) {
    if (p.stop != 0 && *p.stop != 0) {
        return;
    }
    eqp_igemm_body<EQP_BF16>(p);
}

/** The kernel for an operand precision. */
__host__ __device__ inline const char* eqp_igemm_kernel(int precision) {
    return precision == EQP_FP32 ? "eqp_igemm" : (precision == EQP_TF32 ? "eqp_igemm_tf32" : "eqp_igemm_bf16");
}
