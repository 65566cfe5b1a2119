// eqprop_mma.cuh: the tensor-core products the implicit GEMM issues, on the GPU as mma.sync and in the host build as
// their emulation. Fragment layouts are those of the PTX ISA ("Matrix Fragments for mma.m16n8k8" with .tf32, and
// "mma.m16n8k16 with floating point type" with .bf16); with groupID g = lane >> 2 and t = lane % 4:
//
//   m16n8k8, tf32:  A (16×8):  a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4)
//                   B (8×8):   b0 (k = t, n = g), b1 (k = t+4, n = g)
//   m16n8k16, bf16: A (16×16): register r holds two bf16 (low, high): r0 = (g, 2t), (g, 2t+1); r1 = (g+8, 2t), (g+8,
//                   2t+1); r2 = (g, 2t+8), (g, 2t+9); r3 = (g+8, 2t+8), (g+8, 2t+9)
//                   B (16×8):  r0 = (k = 2t, n = g), (2t+1, g); r1 = (2t+8, g), (2t+9, g)
//   both, f32 accumulators C/D (16×8): c0 (g, 2t), c1 (g, 2t+1), c2 (g+8, 2t), c3 (g+8, 2t+1)
//
// A warp's mma needs every lane's fragments: the host build computes a lane's D from the fragment registers of all
// 32 lanes of its warp (EQP_REGISTERS storage), so a kernel loads fragments in one phase and multiplies in the next.
// The operands are already rounded to the format (eqp_round), so the products are exact in fp32 on both sides; the
// sums may be added in another order.
#ifndef EQP_MMA_CUH
#define EQP_MMA_CUH

#include "eqprop_common.cuh"

/** (row, column) of element e of a lane's fragment: the PTX layouts above (also what the tests check). */
__host__ __device__ inline void eqp_mma_tf32_a(int lane, int e, int* row, int* col) {
    *row = (lane >> 2) + ((e & 1) ? 8 : 0);
    *col = (lane & 3) + ((e & 2) ? 4 : 0);
}
__host__ __device__ inline void eqp_mma_tf32_b(int lane, int e, int* k, int* n) {
    *k = (lane & 3) + (e ? 4 : 0);
    *n = lane >> 2;
}
/** e = 2·register + half (0 low, 1 high). */
__host__ __device__ inline void eqp_mma_bf16_a(int lane, int e, int* row, int* col) {
    *row = (lane >> 2) + (((e >> 1) & 1) ? 8 : 0);
    *col = 2 * (lane & 3) + (e & 1) + ((e >= 4) ? 8 : 0);
}
__host__ __device__ inline void eqp_mma_bf16_b(int lane, int e, int* k, int* n) {
    *k = 2 * (lane & 3) + (e & 1) + ((e >= 2) ? 8 : 0);
    *n = lane >> 2;
}
__host__ __device__ inline void eqp_mma_c(int lane, int e, int* row, int* col) {
    *row = (lane >> 2) + ((e >= 2) ? 8 : 0);
    *col = 2 * (lane & 3) + (e & 1);
}

/** Two bf16 (the high halves of values already rounded to bf16) in one register, low first. */
__host__ __device__ __forceinline__ unsigned eqp_pack_bf16(float low, float high) {
    return ((unsigned)__float_as_int(high) & 0xffff0000u) | ((unsigned)__float_as_int(low) >> 16);
}

#ifdef __CUDACC__

/** d (4 f32) += A (4 tf32 registers) · B (2 tf32 registers), one m16n8k8 product of the warp. */
__device__ __forceinline__ void eqp_mma_tf32(float* d, const unsigned* a, const unsigned* b) {
    asm volatile(
            "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
            "{%0,%1,%2,%3};\n"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

/** d (4 f32) += A (4 bf16x2 registers) · B (2 bf16x2 registers), one m16n8k16 product of the warp. */
__device__ __forceinline__ void eqp_mma_bf16(float* d, const unsigned* a, const unsigned* b) {
    asm volatile(
            "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
            "{%0,%1,%2,%3};\n"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
            : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// d, a, b: this thread's registers (name, offset)
#define EQP_MMA_TF32(d, a, aOff, b, bOff) eqp_mma_tf32((d), EQP_REG(a) + (aOff), EQP_REG(b) + (bOff))
#define EQP_MMA_BF16(d, a, aOff, b, bOff) eqp_mma_bf16((d), EQP_REG(a) + (aOff), EQP_REG(b) + (bOff))

#else

/**
 * The host's mma: this lane's D (4 f32) += A·B of its warp, A and B gathered from the fragment registers of the
 * warp's 32 lanes (each thread's registers at base + thread·count + offset), by the layouts above.
 */
inline void eqp_host_mma(bool bf16, float* d, const unsigned* aBase, int aCount, int aOff, const unsigned* bBase,
                         int bCount, int bOff) {
    int lane = (int)threadIdx.x % 32;
    int first = (int)threadIdx.x - lane;
    int kSize = bf16 ? 16 : 8;
    float A[16][16], B[16][8];
    for (int l = 0; l < 32; l++) {
        const unsigned* a = aBase + (size_t)(first + l) * aCount + aOff;
        const unsigned* b = bBase + (size_t)(first + l) * bCount + bOff;
        int r, c;
        if (bf16) {
            for (int e = 0; e < 8; e++) {
                eqp_mma_bf16_a(l, e, &r, &c);
                A[r][c] = __int_as_float((int)((e & 1) ? (a[e >> 1] & 0xffff0000u) : (a[e >> 1] << 16)));
            }
            for (int e = 0; e < 4; e++) {
                eqp_mma_bf16_b(l, e, &r, &c);
                B[r][c] = __int_as_float((int)((e & 1) ? (b[e >> 1] & 0xffff0000u) : (b[e >> 1] << 16)));
            }
        } else {
            for (int e = 0; e < 4; e++) {
                eqp_mma_tf32_a(l, e, &r, &c);
                A[r][c] = __int_as_float((int)a[e]);
            }
            for (int e = 0; e < 2; e++) {
                eqp_mma_tf32_b(l, e, &r, &c);
                B[r][c] = __int_as_float((int)b[e]);
            }
        }
    }
    for (int e = 0; e < 4; e++) {
        int r, c;
        eqp_mma_c(lane, e, &r, &c);
        float sum = 0.0f;
        for (int k = 0; k < kSize; k++) sum += A[r][k] * B[k][c];
        d[e] += sum;
    }
}

#define EQP_MMA_TF32(d, a, aOff, b, bOff) \
    eqp_host_mma(false, (d), a##_host_base, a##_host_count, (aOff), b##_host_base, b##_host_count, (bOff))
#define EQP_MMA_BF16(d, a, aOff, b, bOff) \
    eqp_host_mma(true, (d), a##_host_base, a##_host_count, (aOff), b##_host_base, b##_host_count, (bOff))

#endif

#endif
