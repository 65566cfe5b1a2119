// eqprop_common.cuh: what every kernel of the module shares: the phase macros (GPU or host emulation), the
// activations σ and the relaxation step of org.eqprop.layers.StateActivation / org.eqprop.dynamics.
#ifndef EQP_COMMON_CUH
#define EQP_COMMON_CUH

#ifdef __CUDACC__
#define EQP_PARALLEL if (true)
#define EQP_BARRIER() __syncthreads()
#define EQP_DYNAMIC_SHARED(type, name) extern __shared__ type name[]
#define EQP_REGISTERS(type, name, count) type name[count]
#define EQP_REG(name) (name)
#else
#include "cuda_host_compat.h"
#endif

#define EQP_MAX_LAYERS 8
#define EQP_MAX_PHASES 4
#define EQP_THREADS 256

// Activation kinds (StateActivation.Kind order) and dynamics rules.
#define EQP_HARD_SIGMOID 0
#define EQP_HALF_HARD_SIGMOID 1
#define EQP_SIGMOID 2
#define EQP_FIXED_POINT 0
#define EQP_EULER 1
// Nudging forces (org.eqprop.costs): none, squared error −βc(s − y), softmax readout β(y − softmax(W_out s + b_out))W_outᵀ.
#define EQP_FORCE_NONE 0
#define EQP_FORCE_SQUARED 1
#define EQP_FORCE_SOFTMAX 2
#define EQP_FORCE_HELD 3      // the constant −β ε (ε = ∂L/∂s_N at the free state, in `labels`)

/** The activation and step rule of a relaxing layer (Dynamics.step). */
struct EqpStepRule {
    int activation;   // EQP_HARD_SIGMOID, ...
    int dynamics;     // EQP_FIXED_POINT or EQP_EULER
    float leak;       // λ in σ(u) + λu
    float euler_eps;  // ε of the Euler rule (1 for the fixed point)
};

/**
 * s_{t+1} from s_t and the drive u = ∂Φ/∂s − β∂C/∂s: the fixed point σ(u) (Ernoult et al. 2019, eq. 2) or the Euler
 * step clip((1−ε)s + εu, 0, 1) (Scellier thesis eq. 3.25); the (half-)hard sigmoid as one clamp,
 * clip((1−ε)s + ε·a·u, 0, 1) + λu with a = 1 or ½, as FusedKernels.clampStep.
 */
__device__ __forceinline__ float eqp_step(const EqpStepRule& r, float s, float u) {
    if (r.activation == EQP_SIGMOID) {
        return 1.0f / (1.0f + expf(-4.0f * (u - 0.5f))) + r.leak * u;
    }
    float slope = r.activation == EQP_HARD_SIGMOID ? 1.0f : 0.5f;
    float eps = r.dynamics == EQP_EULER ? r.euler_eps : 1.0f;
    float v = (1.0f - eps) * s + (eps * slope) * u;
    return fminf(fmaxf(v, 0.0f), 1.0f) + r.leak * u;
}

// Operand precisions of the products (org.eqprop.cuda.Precision order): fp32, or the operands rounded to TF32
// (10 mantissa bits) or BF16 (7 mantissa bits), round-to-nearest-even, the products accumulated in fp32.
#define EQP_FP32 0
#define EQP_TF32 1
#define EQP_BF16 2

/**
 * x rounded to the precision's mantissa (RNE on the bit pattern: add half an ulp of the kept part minus one, plus the
 * kept part's lowest bit, then drop the low bits; overflow rounds to ±inf as RNE does; a NaN stays a quiet NaN).
 * The same integer code on the GPU and the host, so both round bit for bit alike (Precision.round in Java).
 */
__host__ __device__ __forceinline__ float eqp_round(float x, int precision) {
    if (precision == EQP_FP32) {
        return x;
    }
    unsigned int b = (unsigned int)__float_as_int(x);
    unsigned int drop = precision == EQP_BF16 ? 16u : 13u;
    unsigned int keep = ~((1u << drop) - 1u);
    if ((b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0u) {
        return __int_as_float((int)((b | 0x00400000u) & keep));
    }
    b += ((1u << (drop - 1u)) - 1u) + ((b >> drop) & 1u);
    return __int_as_float((int)(b & keep));
}

/**
 * partial[0] := Σ partial[0..EQP_THREADS): a tree reduction over the block. Block-uniform code: every thread calls
 * it, after the barrier that follows the writes of partial.
 */
__device__ __forceinline__ void eqp_block_sum(float* partial) {
    for (int half = EQP_THREADS / 2; half > 0; half /= 2) {
        EQP_PARALLEL {
            if ((int)threadIdx.x < half) {
                partial[threadIdx.x] += partial[threadIdx.x + half];
            }
        }
        EQP_BARRIER();
    }
}

/** Non-negative float max through its int bits (valid for values >= 0), NaN recorded as +inf bits. */
__device__ __forceinline__ void eqp_residual_max(int* slot, float r) {
    if (!(r == r)) {
        r = __int_as_float(0x7f800000);
    }
    atomicMax(slot, __float_as_int(r));
}

#endif
