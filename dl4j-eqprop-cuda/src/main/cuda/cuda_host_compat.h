// cuda_host_compat.h: compiles the CUDA kernels of this module with a plain C++ compiler (g++), for the host.
//
// A kernel here is written as block-uniform code (run by every thread on the GPU, once per block on the host)
// around explicit phases:
//
//     EQP_PARALLEL { ...work of thread threadIdx.x... }   // one phase
//     EQP_BARRIER();                                       // __syncthreads()
//
// On the GPU a phase is an ordinary block and the barrier is __syncthreads(). On the host the launcher
// (eqp_host_launch) runs the kernel once per block, each phase loops threadIdx.x over the block, and the barrier
// is a no-op: every thread finishes a phase before any starts the next, which is exactly the ordering that
// __syncthreads() guarantees on the GPU, so the host run computes what the GPU computes (up to the floating-point
// rounding of intrinsics). Rules that keep the emulation exact: no break/continue/return at the top level of a
// phase; per-thread values that must survive a barrier live in EQP_REGISTERS (registers on the GPU, one slot per
// thread on the host); block-uniform variables are written only in block-uniform code.
#ifndef EQP_CUDA_HOST_COMPAT_H
#define EQP_CUDA_HOST_COMPAT_H

#ifdef __CUDACC__
#error "cuda_host_compat.h is for host compilers only"
#endif

#include <cmath>
#include <math.h>
#include <cstring>
#include <cstddef>
#include <vector>

struct dim3 {
    unsigned int x, y, z;
    dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

// The built-in indices of the thread being emulated (thread_local: several Java threads may run host kernels).
static thread_local dim3 threadIdx(0, 0, 0);
static thread_local dim3 blockIdx(0, 0, 0);
static thread_local dim3 blockDim(1, 1, 1);
static thread_local dim3 gridDim(1, 1, 1);
static thread_local std::vector<unsigned char> eqp_host_dynamic_shared;
// Emulated threads run each phase in reverse order when set (the CPU stand-in driver's check that a kernel's result
// does not depend on the order of its threads).
static thread_local int eqp_host_reverse_threads = 0;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __restrict__
#define __grid_constant__
// Variables declared in block-uniform code are per-block on the host (the kernel body runs once per block).
#define __shared__
#define __syncthreads() ((void)0)

#define EQP_PARALLEL                                                                                    \
    for (unsigned int eqp_thread_ = 0;                                                                  \
         eqp_thread_ < blockDim.x &&                                                                    \
         ((threadIdx.x = eqp_host_reverse_threads ? blockDim.x - 1 - eqp_thread_ : eqp_thread_), true); \
         ++eqp_thread_)
#define EQP_BARRIER() __syncthreads()
#define EQP_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(eqp_host_dynamic_shared.data())
// Per-thread registers that survive barriers: one row per emulated thread.
#define EQP_REGISTERS(type, name, count)                                              \
    std::vector<type> name##_host_store(static_cast<size_t>(blockDim.x) * (count));   \
    type* name##_host_base = name##_host_store.data();                                \
    const int name##_host_count = (count)
#define EQP_REG(name) (name##_host_base + static_cast<size_t>(threadIdx.x) * name##_host_count)

inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, sizeof i); return i; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, sizeof f); return f; }
// Atomics: real ones, since the CPU stand-in driver runs a launch's blocks on several OS threads.
inline float atomicAdd(float* a, float v) {
    unsigned int* bits = reinterpret_cast<unsigned int*>(a);
    unsigned int old = __atomic_load_n(bits, __ATOMIC_RELAXED);
    for (;;) {
        float f;
        std::memcpy(&f, &old, sizeof f);
        f += v;
        unsigned int next;
        std::memcpy(&next, &f, sizeof next);
        if (__atomic_compare_exchange_n(bits, &old, next, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            std::memcpy(&f, &old, sizeof f);
            return f;
        }
    }
}
inline int atomicAdd(int* a, int v) { return __atomic_fetch_add(a, v, __ATOMIC_RELAXED); }
inline int atomicMax(int* a, int v) {
    int old = __atomic_load_n(a, __ATOMIC_RELAXED);
    while (v > old && !__atomic_compare_exchange_n(a, &old, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return old;
}
inline int atomicOr(int* a, int v) { return __atomic_fetch_or(a, v, __ATOMIC_RELAXED); }
inline float __expf(float x) { return std::exp(x); }
inline float __fdividef(float a, float b) { return a / b; }

/**
 * Runs kernel(args...) on grid × block emulated threads with dynamicShared bytes of dynamic shared memory:
 * the kernel body once per block (its phases loop over the block's threads).
 */
template <typename... KernelArgs, typename... Args>
void eqp_host_launch(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, size_t dynamicShared, Args... args) {
    gridDim = grid;
    blockDim = block;
    eqp_host_dynamic_shared.assign(dynamicShared + 16, 0);
    for (unsigned int by = 0; by < grid.y; ++by) {
        for (unsigned int bx = 0; bx < grid.x; ++bx) {
            blockIdx = dim3(bx, by, 0);
            threadIdx = dim3(0, 0, 0);
            kernel(args...);
        }
    }
}

#endif
