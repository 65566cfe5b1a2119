// mma_check.cpp: the tensor-core fragment layouts of eqprop_mma.cuh and their host emulation, checked against the PTX
// ISA's tables ("Matrix Fragments for mma.m16n8k8" with .tf32, "mma.m16n8k16 with floating point type" with .bf16)
// and against plain products. Run by MmaLayoutTest; prints one line per check and exits 0 when all pass.
#include "eqprop_jni.h"

#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (!ok) failures++;
    std::printf("%-72s %s\n", what.c_str(), ok ? "ok" : "FAILED");
}

typedef void (*Layout)(int lane, int e, int* r, int* c);

/** Every (row, col) of a rows×cols matrix held by exactly one (lane, element). */
bool bijective(Layout f, int elements, int rows, int cols) {
    std::set<std::pair<int, int>> seen;
    for (int lane = 0; lane < 32; lane++) {
        for (int e = 0; e < elements; e++) {
            int r, c;
            f(lane, e, &r, &c);
            if (r < 0 || r >= rows || c < 0 || c >= cols || !seen.insert({r, c}).second) return false;
        }
    }
    return (int)seen.size() == rows * cols;
}

bool at(Layout f, int lane, int e, int row, int col) {
    int r, c;
    f(lane, e, &r, &c);
    return r == row && c == col;
}

/** The host mma of one warp (256 emulated threads, warp 3) against the product of A and B. */
void product(bool bf16) {
    std::mt19937 g(bf16 ? 2 : 1);
    std::uniform_int_distribution<int> d(-8, 8);
    int kSize = bf16 ? 16 : 8;
    float A[16][16], B[16][8];
    for (int r = 0; r < 16; r++) for (int k = 0; k < kSize; k++) A[r][k] = d(g) * 0.25f;
    for (int k = 0; k < kSize; k++) for (int n = 0; n < 8; n++) B[k][n] = d(g) * 0.5f;
    blockDim = dim3(256);
    EQP_REGISTERS(unsigned, af, 4);
    EQP_REGISTERS(unsigned, bfr, 2);
    EQP_REGISTERS(float, acc, 4);
    EQP_PARALLEL {
        int lane = threadIdx.x % 32;
        for (int e = 0; e < 4; e++) EQP_REG(acc)[e] = 1.0f;   // D = C + A·B with C = 1
        if (bf16) {
            float v[8], w[4];
            int r, c;
            for (int e = 0; e < 8; e++) { eqp_mma_bf16_a(lane, e, &r, &c); v[e] = A[r][c]; }
            for (int e = 0; e < 4; e++) { eqp_mma_bf16_b(lane, e, &r, &c); w[e] = B[r][c]; }
            for (int q = 0; q < 4; q++) EQP_REG(af)[q] = eqp_pack_bf16(v[2 * q], v[2 * q + 1]);
            for (int q = 0; q < 2; q++) EQP_REG(bfr)[q] = eqp_pack_bf16(w[2 * q], w[2 * q + 1]);
        } else {
            int r, c;
            for (int e = 0; e < 4; e++) { eqp_mma_tf32_a(lane, e, &r, &c); EQP_REG(af)[e] = __float_as_int(A[r][c]); }
            for (int e = 0; e < 2; e++) { eqp_mma_tf32_b(lane, e, &r, &c); EQP_REG(bfr)[e] = __float_as_int(B[r][c]); }
        }
    }
    EQP_PARALLEL {
        if (threadIdx.x / 32 == 3) {
            if (bf16) EQP_MMA_BF16(EQP_REG(acc), af, 0, bfr, 0);
            else EQP_MMA_TF32(EQP_REG(acc), af, 0, bfr, 0);
        }
    }
    bool ok = true;
    EQP_PARALLEL {
        if (threadIdx.x / 32 == 3) {
            int lane = threadIdx.x % 32;
            for (int e = 0; e < 4; e++) {
                int r, c;
                eqp_mma_c(lane, e, &r, &c);
                float want = 1.0f;
                for (int k = 0; k < kSize; k++) want += A[r][k] * B[k][c];
                ok &= EQP_REG(acc)[e] == want;   // small integers and quarters: exact
            }
        }
    }
    check(ok, std::string("host mma ") + (bf16 ? "m16n8k16 bf16" : "m16n8k8 tf32") + ": D = C + A·B on every lane");
}

}  // namespace

int main() {
    // the PTX tables' formulas at a few lanes (g = lane >> 2, t = lane % 4)
    check(at(eqp_mma_tf32_a, 0, 0, 0, 0) && at(eqp_mma_tf32_a, 5, 0, 1, 1) && at(eqp_mma_tf32_a, 5, 1, 9, 1)
          && at(eqp_mma_tf32_a, 5, 2, 1, 5) && at(eqp_mma_tf32_a, 5, 3, 9, 5) && at(eqp_mma_tf32_a, 31, 3, 15, 7),
          "tf32 A: a0 (g,t) a1 (g+8,t) a2 (g,t+4) a3 (g+8,t+4)");
    check(at(eqp_mma_tf32_b, 5, 0, 1, 1) && at(eqp_mma_tf32_b, 5, 1, 5, 1) && at(eqp_mma_tf32_b, 30, 1, 6, 7),
          "tf32 B: b0 (k=t, n=g) b1 (k=t+4, n=g)");
    check(at(eqp_mma_bf16_a, 5, 0, 1, 2) && at(eqp_mma_bf16_a, 5, 1, 1, 3) && at(eqp_mma_bf16_a, 5, 2, 9, 2)
          && at(eqp_mma_bf16_a, 5, 3, 9, 3) && at(eqp_mma_bf16_a, 5, 4, 1, 10) && at(eqp_mma_bf16_a, 5, 7, 9, 11),
          "bf16 A: a0,a1 (g,2t+i) a2,a3 (g+8,2t+i) a4,a5 (g,2t+8+i) a6,a7 (g+8,2t+8+i)");
    check(at(eqp_mma_bf16_b, 5, 0, 2, 1) && at(eqp_mma_bf16_b, 5, 1, 3, 1) && at(eqp_mma_bf16_b, 5, 2, 10, 1)
          && at(eqp_mma_bf16_b, 5, 3, 11, 1), "bf16 B: b0,b1 (k=2t+i, n=g) b2,b3 (k=2t+8+i, n=g)");
    check(at(eqp_mma_c, 5, 0, 1, 2) && at(eqp_mma_c, 5, 1, 1, 3) && at(eqp_mma_c, 5, 2, 9, 2) && at(eqp_mma_c, 5, 3, 9, 3),
          "C/D: c0,c1 (g,2t+i) c2,c3 (g+8,2t+i)");
    // each layout covers its matrix once
    check(bijective(eqp_mma_tf32_a, 4, 16, 8), "tf32 A covers 16x8 once");
    check(bijective(eqp_mma_tf32_b, 2, 8, 8), "tf32 B covers 8x8 once");
    check(bijective(eqp_mma_bf16_a, 8, 16, 16), "bf16 A covers 16x16 once");
    check(bijective(eqp_mma_bf16_b, 4, 16, 8), "bf16 B covers 16x8 once");
    check(bijective(eqp_mma_c, 4, 16, 8), "C/D covers 16x8 once");
    check(eqp_pack_bf16(1.0f, -2.0f) == 0xc0003f80u, "bf16 pair: low half first (1.0 = 0x3f80, -2.0 = 0xc000)");
    product(false);
    product(true);
    std::printf("%s: %d failure(s)\n", failures ? "FAILED" : "passed", failures);
    return failures ? 1 : 0;
}
