// eqprop_native.h: the C++ API the Java binding (org.eqprop.cuda.EqpropNative, JavaCPP) calls.
//   host_*  run the kernels' host build (cuda_host_compat.h): what the tests compare with the CPU engine;
//   cuda_*  run the same kernels on a GPU through the CUDA driver API (libcuda.so.1 opened at run time, so the
//           library loads and reports a clear reason on machines without a driver).
// Every function returns 0 on success or a negative code; last_error() says why.
#ifndef EQP_NATIVE_H
#define EQP_NATIVE_H

namespace eqprop {

const char* last_error();

int host_dense_relax(const int* icfg, const float* fcfg, const float* weights, const float* biases,
                     const float* inputDrive, const float* start, const float* labels, const float* readoutW,
                     const float* readoutB, float* out, int* residualBits, int* steps);
int host_dense_contrast(const int* cfg, float scale, const float* aLower, const float* aUpper, const float* bLower,
                        const float* bUpper, float* grad);
int host_channel_contrast(const int* cfg, float scale, const float* a, const float* b, float* grad);
int host_igemm(const int* icfg, float alpha, int accumulate, const float* weights, const float* lower,
               const float* upper, float* out);
int host_conv_step(const int* icfg, const float* fcfg, const float* conv, const float* base, const float* bias,
                   const float* feedback, const float* extra, const float* state, float* next, float* driveOut,
                   int* winners, const float* labels, int* residualBits);
int host_unpool(const int* icfg, const float* pooled, const int* winners, float* out);

int cuda_use_driver(const char* path);
int cuda_use_vendor_libraries(int on);   // 0: own kernels only; 1: cuDNN / cuBLAS when present; -1: EQPROP_VENDOR
                                         // decides (the default); applies to sessions created after it  // the driver library to open instead of libcuda.so.1 (before first use)
const char* cuda_driver_path();
int cuda_probe(int* info);
void cuda_set_timing(int on);      // time each launch with CUDA events (gpu-check)
double cuda_last_kernel_ms();      // the last timed launch, in ms
int cuda_driver_version();         // cuDriverGetVersion, e.g. 13000
int cuda_generation();             // bumped each time the context was reset after a sticky error
int cuda_counters(long long* out); // h2d bytes, d2h bytes, allocations, frees, launches, live bytes
// the CPU stand-in driver's controls (cuda_standin.cpp); -1 with a reason on a real driver
int cuda_standin_inject(int kind, long long n);   // 1: the n-th launch fails (sticky); 2: the n-th allocation fails
int cuda_standin_set(const char* key, long long value);  // "reverse", "fast"
int cuda_load_module(const signed char* image, long long size);
int cuda_dense_relax(const int* icfg, const float* fcfg, const float* weights, const float* biases,
                     const float* inputDrive, const float* start, const float* labels, const float* readoutW,
                     const float* readoutB, float* out, int* residualBits, int* steps);
int cuda_dense_contrast(const int* cfg, float scale, const float* aLower, const float* aUpper, const float* bLower,
                        const float* bUpper, float* grad);
int cuda_channel_contrast(const int* cfg, float scale, const float* a, const float* b, float* grad);
int cuda_igemm(const int* icfg, float alpha, int accumulate, const float* weights, const float* lower,
               const float* upper, float* out);
int cuda_conv_step(const int* icfg, const float* fcfg, const float* conv, const float* base, const float* bias,
                   const float* feedback, const float* extra, const float* state, float* next, float* driveOut,
                   int* winners, const float* labels, int* residualBits);
int cuda_unpool(const int* icfg, const float* pooled, const int* winners, float* out);

}  // namespace eqprop

#endif
