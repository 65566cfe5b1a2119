// cuda_standin.cpp: a CPU stand-in of the CUDA driver library (libcuda.so.1) for machines without a GPU. The
// module's whole GPU path, Java → JNI → driver API → kernels, runs against it in the tests: the entry points that
// Device (eqprop_device.cpp) binds, with the kernels of eqprop_kernels.cu run through their host build.
//
// It behaves like a strict GPU:
//   * device memory: every allocation has exactly the requested size, ends at an inaccessible guard page (a read or
//     write past the end faults) with the few bytes of alignment slack before it filled with a canary that is checked
//     after every launch and at every free; copies and memsets must lie inside one live allocation;
//   * the launch limits of an H100 (sm_90): at most 1024 threads per block, grid.y and grid.z ≤ 65535, 48 KB of
//     dynamic shared memory unless cuFuncSetAttribute raised it, at most 227 KB; dynamic shared memory starts as
//     NaN bytes (0xff), never as zeros;
//   * a launch's blocks run in parallel on the host's cores (OpenMP), in forward or reverse order, and the emulated
//     threads of each phase in forward or reverse order (eqp_standin_set "reverse"), so a result that depends on
//     the order of blocks or threads shows up as a difference between runs;
//   * faults on request (eqp_standin_inject): the n-th launch from now fails with CUDA_ERROR_LAUNCH_FAILED, which
//     poisons the context until cuDevicePrimaryCtxReset as on a GPU, or the n-th allocation fails with
//     CUDA_ERROR_OUT_OF_MEMORY;
//   * the driver version it reports can be set (EQP_STANDIN_DRIVER_VERSION), to test the too-old-driver message.
// Environment: EQP_STANDIN_FAST=1 and EQP_STANDIN_REVERSE=1 set the two options below from the start;
// EQP_STANDIN_DRIVER_VERSION the version it reports (13000 by default).
// With eqp_standin_set("fast", 1) the implicit GEMMs are computed by a plain CPU convolution instead of the
// kernel's host build (the same function, summed in another order), which keeps end-to-end training tests short;
// the kernel-level tests always run the host build.
#include "eqprop_kernels.cu"
#include "standin_gemm.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

#include "cuda_driver_types.h"

namespace {

const CUresult OK = 0;
const CUresult INVALID_VALUE = 1;
const CUresult OUT_OF_MEMORY = 2;
const CUresult NOT_INITIALIZED = 3;
const CUresult NO_DEVICE = 100;
const CUresult INVALID_DEVICE = 101;
const CUresult INVALID_IMAGE = 200;
const CUresult INVALID_CONTEXT = 201;
const CUresult INVALID_HANDLE = 400;
const CUresult NOT_FOUND = 500;
const CUresult ILLEGAL_ADDRESS = 700;
const CUresult LAUNCH_OUT_OF_RESOURCES = 701;
const CUresult LAUNCH_FAILED = 719;

const int SHARED_DEFAULT = 48 * 1024;
const int SHARED_OPTIN = 232448;
const unsigned char CANARY = 0xa5;

struct Allocation {
    void* mapping;
    size_t mapped;
    size_t size;
    size_t slack;
};

typedef void (*Launcher)(dim3 grid, dim3 block, size_t shared, void* params);

struct Kernel {
    const char* name;
    Launcher launch;
    size_t paramBytes;    // the kernel's parameter struct (a captured launch keeps a copy)
    int maxDynamicShared;
    double seconds;       // time spent in it (EQP_STANDIN_PROFILE=1 prints the table at exit)
    long long calls;
};

/** A launch recorded while its stream captured a graph. */
struct Recorded {
    Kernel* kernel;
    dim3 grid, block;
    unsigned shared;
    std::vector<unsigned char> params;
};

struct Stream {
    bool capturing = false;
    std::vector<Recorded> recorded;
};

struct Graph {
    std::vector<Recorded> launches;
};

struct State {
    std::recursive_mutex mutex;
    bool initialized = false;
    int retained = 0;
    CUresult poisoned = OK;           // a sticky error: every call fails with it until the context is reset
    bool moduleLoaded = false;
    std::map<uintptr_t, Allocation> allocations;
    long long launchFailsIn = 0;      // > 0: the launch that brings it to 0 fails
    long long allocFailsIn = 0;
    int reverse = 0;
    int fast = 0;
    long long launches = 0;
    long long allocationCount = 0;
    long long resets = 0;
    long long graphLaunches = 0;
    int capturing = 0;                 // streams capturing now: synchronous copies are refused meanwhile
    std::vector<Stream*> streams;      // the context's streams (a reset destroys them)
    std::string lastFault;
};

State& state() {
    static State* s = [] {
        State* n = new State();
        const char* fast = std::getenv("EQP_STANDIN_FAST");
        const char* reverse = std::getenv("EQP_STANDIN_REVERSE");
        n->fast = fast && *fast == '1';
        n->reverse = reverse && *reverse == '1';
        return n;
    }();
    return *s;
}

/** The host's cores (not OMP_NUM_THREADS, which the eqprop launcher sets to 1 for ND4J's sake). */
int cores() {
    static int n = std::max(1, (int)sysconf(_SC_NPROCESSORS_ONLN));
    return n;
}

size_t pageSize() {
    static size_t p = (size_t)sysconf(_SC_PAGESIZE);
    return p;
}

/** The live allocation holding [p, p + bytes), or null. */
Allocation* holding(uintptr_t p, size_t bytes) {
    State& s = state();
    auto it = s.allocations.upper_bound(p);
    if (it == s.allocations.begin()) return 0;
    --it;
    if (p >= it->first && p + bytes <= it->first + it->second.size) return &it->second;
    return 0;
}

bool canaryIntact(uintptr_t p, const Allocation& a) {
    const unsigned char* c = reinterpret_cast<const unsigned char*>(p + a.size);
    for (size_t i = 0; i < a.slack; i++) {
        if (c[i] != CANARY) return false;
    }
    return true;
}

CUresult guard() {
    State& s = state();
    if (!s.initialized) return NOT_INITIALIZED;
    if (s.retained == 0) return INVALID_CONTEXT;
    return s.poisoned;
}

const CUresult STREAM_CAPTURE_UNSUPPORTED = 900;

/** A synchronous operation on the legacy stream while a stream captures: an error, as on a GPU. */
CUresult guardCopy() {
    if (CUresult r = guard()) return r;
    return state().capturing > 0 ? STREAM_CAPTURE_UNSUPPORTED : OK;
}

/** Runs one launch (now, or replayed from a graph) and checks every allocation's canary after it. */
CUresult execute(Kernel* k, dim3 grid, dim3 block, unsigned shared, void* params) {
    State& s = state();
    s.launches++;
    if (s.launchFailsIn > 0 && --s.launchFailsIn == 0) {
        s.poisoned = LAUNCH_FAILED;
        s.lastFault = std::string("injected failure of ") + k->name;
        return LAUNCH_FAILED;
    }
    auto t0 = std::chrono::steady_clock::now();
    k->launch(grid, block, shared, params);
    k->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    k->calls++;
    for (auto& a : s.allocations) {
        if (!canaryIntact(a.first, a.second)) {
            std::fprintf(stderr, "cuda stand-in: kernel %s wrote past the end of a %zu-byte allocation\n", k->name,
                         a.second.size);
            s.poisoned = ILLEGAL_ADDRESS;
            return ILLEGAL_ADDRESS;
        }
    }
    return OK;
}

void freeAll() {
    State& s = state();
    for (auto& a : s.allocations) munmap(a.second.mapping, a.second.mapped);
    s.allocations.clear();
}

// ---- the implicit GEMMs on the CPU ("fast" mode): the same function as eqp_igemm, summed in another order -----

float rounded(float v, int precision) {
    return eqp_round(v, precision);
}

/** col[(c, i, j), q] = h[b, c, y·s + i − pad, x·s + j − pad] (0 in the padding), q = y·oW + x. */
void im2col(const EqpIgemmParams& p, int b, std::vector<float>& col) {
    int kk = p.kernel_h * p.kernel_w;
    int positions = p.out_h * p.out_w;
    col.assign((size_t)p.channels * kk * positions, 0.0f);
    for (int c = 0; c < p.channels; c++) {
        for (int i = 0; i < p.kernel_h; i++) {
            for (int j = 0; j < p.kernel_w; j++) {
                float* row = col.data() + ((size_t)(c * kk + i * p.kernel_w + j)) * positions;
                for (int y = 0; y < p.out_h; y++) {
                    int yy = y * p.stride + i - p.padding;
                    if (yy < 0 || yy >= p.height) continue;
                    const float* src = p.lower + (((size_t)b * p.channels + c) * p.height + yy) * p.width;
                    for (int x = 0; x < p.out_w; x++) {
                        int xx = x * p.stride + j - p.padding;
                        if (xx >= 0 && xx < p.width) row[y * p.out_w + x] = rounded(src[xx], p.precision);
                    }
                }
            }
        }
    }
}

void fastIgemm(const EqpIgemmParams& p) {
    int kk = p.kernel_h * p.kernel_w;
    int K = p.channels * kk;
    int positions = p.out_h * p.out_w;
    int image = p.height * p.width;
    float beta = p.accumulate ? 1.0f : 0.0f;
    std::vector<float> w((size_t)p.out_channels * K);
    for (size_t i = 0; i < w.size(); i++) w[i] = rounded(p.weights[i], p.precision);
    if (kk == 1 && image == 1 && positions == 1) {
        // a dense product (1×1 maps): one matrix product over the whole batch
        std::vector<float> lo, up;
        const float* lower = p.lower;
        const float* upper = p.upper;
        if (p.precision != EQP_FP32) {
            if (lower) {
                lo.assign(lower, lower + (size_t)p.batch * p.channels);
                for (float& v : lo) v = rounded(v, p.precision);
                lower = lo.data();
            }
            if (upper) {
                up.assign(upper, upper + (size_t)p.batch * p.out_channels);
                for (float& v : up) v = rounded(v, p.precision);
                upper = up.data();
            }
        }
        if (p.mode == EQP_IGEMM_CONV_FWD) {
            standin::sgemm(false, true, p.batch, p.out_channels, p.channels, p.alpha, lower, p.channels, w.data(),
                           p.channels, beta, p.out, p.out_channels);
        } else if (p.mode == EQP_IGEMM_CONV_TRANSPOSE) {
            standin::sgemm(false, false, p.batch, p.channels, p.out_channels, p.alpha, upper, p.out_channels, w.data(),
                           p.channels, beta, p.out, p.channels);
        } else {
            standin::sgemm(true, false, p.out_channels, p.channels, p.batch, p.alpha, upper, p.out_channels, lower,
                           p.channels, beta, p.out, p.channels);
        }
        return;
    }
    if (p.mode == EQP_IGEMM_CONV_FWD) {
#pragma omp parallel num_threads(cores())
        {
            std::vector<float> col;
#pragma omp for schedule(static)
            for (int b = 0; b < p.batch; b++) {
                im2col(p, b, col);
                standin::sgemm(false, false, p.out_channels, positions, K, p.alpha, w.data(), K, col.data(), positions,
                               beta, p.out + (size_t)b * p.out_channels * positions, positions);
            }
        }
    } else if (p.mode == EQP_IGEMM_CONV_TRANSPOSE) {
#pragma omp parallel num_threads(cores())
        {
            std::vector<float> col((size_t)K * positions), g, img(image);
#pragma omp for schedule(static)
            for (int b = 0; b < p.batch; b++) {
                g.resize((size_t)p.out_channels * positions);
                const float* gb = p.upper + (size_t)b * p.out_channels * positions;
                for (size_t i = 0; i < g.size(); i++) g[i] = rounded(gb[i], p.precision);
                standin::sgemm(true, false, K, positions, p.out_channels, 1.0f, w.data(), K, g.data(), positions, 0.0f,
                               col.data(), positions);
                for (int c = 0; c < p.channels; c++) {
                    std::fill(img.begin(), img.end(), 0.0f);
                    for (int i = 0; i < p.kernel_h; i++) {
                        for (int j = 0; j < p.kernel_w; j++) {
                            const float* cr = col.data() + (size_t)(c * kk + i * p.kernel_w + j) * positions;
                            for (int y = 0; y < p.out_h; y++) {
                                int yy = y * p.stride + i - p.padding;
                                if (yy < 0 || yy >= p.height) continue;
                                for (int x = 0; x < p.out_w; x++) {
                                    int xx = x * p.stride + j - p.padding;
                                    if (xx >= 0 && xx < p.width) img[yy * p.width + xx] += cr[y * p.out_w + x];
                                }
                            }
                        }
                    }
                    float* out = p.out + ((size_t)b * p.channels + c) * image;
                    for (int q = 0; q < image; q++) out[q] = p.alpha * img[q] + (p.accumulate ? out[q] : 0.0f);
                }
            }
        }
    } else {
        std::vector<float> total((size_t)p.out_channels * K, 0.0f);
#pragma omp parallel num_threads(cores())
        {
            std::vector<float> col, g, part((size_t)p.out_channels * K, 0.0f);
#pragma omp for schedule(static)
            for (int b = 0; b < p.batch; b++) {
                im2col(p, b, col);
                g.resize((size_t)p.out_channels * positions);
                const float* gb = p.upper + (size_t)b * p.out_channels * positions;
                for (size_t i = 0; i < g.size(); i++) g[i] = rounded(gb[i], p.precision);
                standin::sgemm(false, true, p.out_channels, K, positions, 1.0f, g.data(), positions, col.data(),
                               positions, 1.0f, part.data(), K);
            }
#pragma omp critical
            for (size_t i = 0; i < total.size(); i++) total[i] += part[i];
        }
        for (size_t i = 0; i < total.size(); i++) {
            p.out[i] = p.alpha * total[i] + (p.accumulate ? p.out[i] : 0.0f);
        }
    }
}

// ---- kernels ----------------------------------------------------------------------------------------------------

/** Runs kernel's blocks on the host's cores, each block's emulated threads phase by phase. */
template <typename P>
void run(void (*kernel)(P), dim3 grid, dim3 block, size_t shared, void* params) {
    P p = *static_cast<P*>(params);
    int reverse = state().reverse;
    long long blocks = (long long)grid.x * grid.y;
#pragma omp parallel for schedule(dynamic, 1) num_threads(cores())
    for (long long i = 0; i < blocks; i++) {
        long long at = reverse ? blocks - 1 - i : i;
        gridDim = grid;
        blockDim = block;
        blockIdx = dim3((unsigned)(at % grid.x), (unsigned)(at / grid.x), 0);
        threadIdx = dim3(0, 0, 0);
        eqp_host_reverse_threads = reverse;
        eqp_host_dynamic_shared.assign(shared + 16, 0xff);
        kernel(p);
    }
}

void igemmLauncher(dim3 grid, dim3 block, size_t shared, void* params) {
    const EqpIgemmParams& p = *static_cast<EqpIgemmParams*>(params);
    if (state().fast && !(p.stop != 0 && *p.stop != 0)) {
        fastIgemm(p);
        return;
    }
    run(p.precision == EQP_FP32 ? eqp_igemm : (p.precision == EQP_TF32 ? eqp_igemm_tf32 : eqp_igemm_bf16), grid, block, shared, params);
}

template <typename P>
size_t paramSize(void (*)(P)) {
    return sizeof(P);
}

#define EQP_STANDIN_KERNEL(name) \
    {#name, [](dim3 g, dim3 b, size_t s, void* a) { run(name, g, b, s, a); }, paramSize(name), SHARED_DEFAULT, 0, 0}

Kernel kernels[] = {
        EQP_STANDIN_KERNEL(eqp_dense_relax),
        EQP_STANDIN_KERNEL(eqp_dense_contrast),
        EQP_STANDIN_KERNEL(eqp_channel_contrast),
        {"eqp_igemm", igemmLauncher, sizeof(EqpIgemmParams), SHARED_DEFAULT, 0, 0},
        {"eqp_igemm_tf32", igemmLauncher, sizeof(EqpIgemmParams), SHARED_DEFAULT, 0, 0},
        {"eqp_igemm_bf16", igemmLauncher, sizeof(EqpIgemmParams), SHARED_DEFAULT, 0, 0},
        EQP_STANDIN_KERNEL(eqp_conv_step),
        EQP_STANDIN_KERNEL(eqp_unpool),
        EQP_STANDIN_KERNEL(eqp_step_control),
        EQP_STANDIN_KERNEL(eqp_select_copy),
        EQP_STANDIN_KERNEL(eqp_readout_force),
        EQP_STANDIN_KERNEL(eqp_add_bias),
        EQP_STANDIN_KERNEL(eqp_gather),
        EQP_STANDIN_KERNEL(eqp_scale),
};

/** EQP_STANDIN_PROFILE=1: the time per kernel, printed to stderr when the process ends. */
struct Profile {
    ~Profile() {
        const char* on = std::getenv("EQP_STANDIN_PROFILE");
        if (!on || *on != '1') return;
        for (const Kernel& k : kernels) {
            if (k.calls) std::fprintf(stderr, "cuda stand-in: %-22s %9lld launches %10.3f s\n", k.name, k.calls, k.seconds);
        }
    }
} profile;

const char* errorName(CUresult r) {
    switch (r) {
        case OK: return "no error";
        case INVALID_VALUE: return "invalid argument";
        case OUT_OF_MEMORY: return "out of memory";
        case NOT_INITIALIZED: return "initialization error";
        case NO_DEVICE: return "no CUDA-capable device is detected";
        case INVALID_IMAGE: return "device kernel image is invalid";
        case INVALID_CONTEXT: return "invalid device context";
        case INVALID_HANDLE: return "invalid resource handle";
        case NOT_FOUND: return "named symbol not found";
        case ILLEGAL_ADDRESS: return "an illegal memory access was encountered";
        case LAUNCH_OUT_OF_RESOURCES: return "too many resources requested for launch";
        case LAUNCH_FAILED: return "unspecified launch failure";
        case STREAM_CAPTURE_UNSUPPORTED: return "operation not permitted when stream is capturing";
        default: return "unknown error";
    }
}

}  // namespace

extern "C" {

// ---- the stand-in's own controls (found with dlsym by Device; absent from a real driver) ------------------------

/** kind 1: the n-th launch from now fails (sticky, CUDA_ERROR_LAUNCH_FAILED); kind 2: the n-th allocation fails. */
int eqp_standin_inject(int kind, long long n) {
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (kind == 1) s.launchFailsIn = n;
    else if (kind == 2) s.allocFailsIn = n;
    else return -1;
    return 0;
}

/** "reverse" (0/1): blocks and emulated threads in reverse order; "fast" (0/1): CPU convolutions for eqp_igemm. */
int eqp_standin_set(const char* key, long long value) {
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    std::string k = key ? key : "";
    if (k == "reverse") s.reverse = value != 0;
    else if (k == "fast") s.fast = value != 0;
    else return -1;
    return 0;
}

/** 1 when [p, p + bytes) lies inside one live allocation (the cuDNN and cuBLAS stand-ins check their pointers). */
int eqp_standin_valid_range(const void* p, size_t bytes) {
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    return holding(reinterpret_cast<uintptr_t>(p), bytes) != 0;
}

/** live allocations, live bytes, allocations ever, launches ever, context resets, graph launches. */
int eqp_standin_stats(long long* out) {
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    long long bytes = 0;
    for (auto& a : s.allocations) bytes += (long long)a.second.size;
    out[0] = (long long)s.allocations.size();
    out[1] = bytes;
    out[2] = s.allocationCount;
    out[3] = s.launches;
    out[4] = s.resets;
    out[5] = s.graphLaunches;
    return 0;
}

// ---- the driver API -------------------------------------------------------------------------------------------

CUresult cuInit(unsigned int flags) {
    if (flags != 0) return INVALID_VALUE;
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    state().initialized = true;
    return OK;
}

CUresult cuDriverGetVersion(int* v) {
    if (!v) return INVALID_VALUE;
    const char* env = std::getenv("EQP_STANDIN_DRIVER_VERSION");
    *v = env && *env ? std::atoi(env) : 13000;
    return OK;
}

CUresult cuDeviceGetCount(int* n) {
    if (!n) return INVALID_VALUE;
    if (!state().initialized) return NOT_INITIALIZED;
    *n = 1;
    return OK;
}

CUresult cuDeviceGet(CUdevice* d, int ordinal) {
    if (!d) return INVALID_VALUE;
    if (!state().initialized) return NOT_INITIALIZED;
    if (ordinal != 0) return INVALID_DEVICE;
    *d = 0;
    return OK;
}

CUresult cuDeviceGetAttribute(int* v, int attribute, CUdevice d) {
    if (!v) return INVALID_VALUE;
    if (d != 0) return INVALID_DEVICE;
    switch (attribute) {
        case 1: *v = 1024; return OK;            // max threads per block
        case 16: *v = 132; return OK;            // multiprocessors (H100 SXM)
        case 75: *v = 9; return OK;              // compute capability
        case 76: *v = 0; return OK;
        case 97: *v = SHARED_OPTIN; return OK;   // opt-in shared memory per block
        case 8: *v = SHARED_DEFAULT; return OK;  // shared memory per block
        default: *v = 0; return OK;
    }
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice d) {
    if (!c) return INVALID_VALUE;
    if (d != 0) return INVALID_DEVICE;
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (!s.initialized) return NOT_INITIALIZED;
    s.retained++;
    *c = &s;
    return OK;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d) {
    if (d != 0) return INVALID_DEVICE;
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (s.retained > 0) s.retained--;
    return OK;
}

/** Destroys every allocation and the module and clears a sticky error, as on a GPU. */
CUresult cuDevicePrimaryCtxReset_v2(CUdevice d) {
    if (d != 0) return INVALID_DEVICE;
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    freeAll();
    for (Stream* st : s.streams) delete st;
    s.streams.clear();
    s.capturing = 0;
    s.moduleLoaded = false;
    s.poisoned = OK;
    s.resets++;
    for (Kernel& k : kernels) k.maxDynamicShared = SHARED_DEFAULT;
    return OK;
}

CUresult cuCtxSetCurrent(CUcontext c) {
    return c == &state() || c == 0 ? OK : INVALID_CONTEXT;
}

CUresult cuCtxSynchronize() {
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    return guard();
}

CUresult cuModuleLoadData(CUmodule* m, const void* image) {
    if (!m || !image) return INVALID_VALUE;
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (CUresult r = guard()) return r;
    uint32_t magic;
    std::memcpy(&magic, image, sizeof magic);
    if (magic != 0xBA55ED50u) return INVALID_IMAGE;  // a fatbin, as nvcc -fatbin writes it
    s.moduleLoaded = true;
    *m = kernels;
    return OK;
}

CUresult cuModuleGetFunction(CUfunction* f, CUmodule m, const char* name) {
    if (!f || !name) return INVALID_VALUE;
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (CUresult r = guard()) return r;
    if (m != kernels || !s.moduleLoaded) return INVALID_HANDLE;
    for (Kernel& k : kernels) {
        if (std::strcmp(k.name, name) == 0) {
            *f = &k;
            return OK;
        }
    }
    return NOT_FOUND;
}

CUresult cuFuncSetAttribute(CUfunction f, int attribute, int value) {
    if (!f) return INVALID_HANDLE;
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    if (CUresult r = guard()) return r;
    if (attribute != 8) return INVALID_VALUE;  // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
    if (value < 0 || value > SHARED_OPTIN) return INVALID_VALUE;
    static_cast<Kernel*>(f)->maxDynamicShared = value;
    return OK;
}

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
    if (!p || bytes == 0) return INVALID_VALUE;
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (CUresult r = guard()) return r;
    if (s.allocFailsIn > 0 && --s.allocFailsIn == 0) return OUT_OF_MEMORY;
    size_t page = pageSize();
    size_t padded = (bytes + 15) / 16 * 16;
    size_t body = (padded + page - 1) / page * page;
    size_t mapped = body + 2 * page;
    void* m = mmap(0, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return OUT_OF_MEMORY;
    char* base = static_cast<char*>(m);
    mprotect(base, page, PROT_NONE);
    mprotect(base + page + body, page, PROT_NONE);
    char* data = base + page + body - padded;
    std::memset(data, 0xff, bytes);  // device memory is not zeroed: NaN bytes reveal reads of unwritten memory
    std::memset(data + bytes, CANARY, padded - bytes);
    uintptr_t at = reinterpret_cast<uintptr_t>(data);
    s.allocations[at] = Allocation{m, mapped, bytes, padded - bytes};
    s.allocationCount++;
    *p = (CUdeviceptr)at;
    return OK;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (CUresult r = guard()) return r;
    auto it = s.allocations.find((uintptr_t)p);
    if (it == s.allocations.end()) return INVALID_VALUE;
    if (!canaryIntact(it->first, it->second)) {
        std::fprintf(stderr, "cuda stand-in: a kernel wrote past the end of a %zu-byte allocation (found at free)\n",
                     it->second.size);
        s.poisoned = ILLEGAL_ADDRESS;
    }
    munmap(it->second.mapping, it->second.mapped);
    s.allocations.erase(it);
    return s.poisoned;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t bytes) {
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    if (CUresult r = guardCopy()) return r;
    if (!src || !holding((uintptr_t)dst, bytes)) return INVALID_VALUE;
    std::memcpy(reinterpret_cast<void*>(dst), src, bytes);
    return OK;
}

CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t bytes) {
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    if (CUresult r = guardCopy()) return r;
    if (!dst || !holding((uintptr_t)src, bytes)) return INVALID_VALUE;
    std::memcpy(dst, reinterpret_cast<const void*>(src), bytes);
    return OK;
}

CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    if (CUresult r = guardCopy()) return r;
    if (!holding((uintptr_t)dst, bytes) || !holding((uintptr_t)src, bytes)) return INVALID_VALUE;
    std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes);
    return OK;
}

CUresult cuMemsetD8_v2(CUdeviceptr dst, unsigned char value, size_t bytes) {
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    if (CUresult r = guardCopy()) return r;
    if (!holding((uintptr_t)dst, bytes)) return INVALID_VALUE;
    std::memset(reinterpret_cast<void*>(dst), value, bytes);
    return OK;
}

CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, CUstream stream, void** params, void** extra) {
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (CUresult r = guard()) return r;
    if (!f) return INVALID_HANDLE;
    Kernel* k = static_cast<Kernel*>(f);
    if (extra != 0 || !params || !params[0]) return INVALID_VALUE;
    if (gx < 1 || gy < 1 || gz < 1 || gx > 2147483647u || gy > 65535 || gz > 65535) return INVALID_VALUE;
    if (bx < 1 || by < 1 || bz < 1 || bx > 1024 || by > 1024 || bz > 64 || (size_t)bx * by * bz > 1024) {
        return INVALID_VALUE;
    }
    if (gz != 1 || by != 1 || bz != 1) return INVALID_VALUE;  // the module's kernels are 1-D blocks on 2-D grids
    if ((int)shared > k->maxDynamicShared) return LAUNCH_OUT_OF_RESOURCES;
    if (stream) {
        Stream* st = static_cast<Stream*>(stream);
        if (st->capturing) {
            // recorded, not run: the graph's launch will run it with these parameters
            const unsigned char* bytes = static_cast<const unsigned char*>(params[0]);
            st->recorded.push_back(Recorded{k, dim3(gx, gy, 1), dim3(bx, 1, 1), shared,
                                            std::vector<unsigned char>(bytes, bytes + k->paramBytes)});
            return OK;
        }
    }
    return execute(k, dim3(gx, gy, 1), dim3(bx, 1, 1), shared, params[0]);
}

CUresult cuStreamCreate(CUstream* stream, unsigned int flags) {
    if (!stream || flags > 1) return INVALID_VALUE;
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    if (CUresult r = guard()) return r;
    Stream* st = new Stream();
    state().streams.push_back(st);
    *stream = st;
    return OK;
}

CUresult cuStreamDestroy_v2(CUstream stream) {
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    auto it = std::find(s.streams.begin(), s.streams.end(), static_cast<Stream*>(stream));
    if (it == s.streams.end()) return INVALID_HANDLE;
    if ((*it)->capturing) s.capturing--;
    delete *it;
    s.streams.erase(it);
    return OK;
}

CUresult cuStreamSynchronize(CUstream stream) {
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    if (stream && static_cast<Stream*>(stream)->capturing) return STREAM_CAPTURE_UNSUPPORTED;
    return guard();
}

CUresult cuStreamBeginCapture_v2(CUstream stream, int mode) {
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (CUresult r = guard()) return r;
    if (!stream || mode < 0 || mode > 2) return INVALID_VALUE;   // the legacy stream cannot capture
    Stream* st = static_cast<Stream*>(stream);
    if (st->capturing) return INVALID_VALUE;
    st->capturing = true;
    st->recorded.clear();
    s.capturing++;
    return OK;
}

CUresult cuStreamEndCapture(CUstream stream, CUgraph* graph) {
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (!stream || !graph) return INVALID_VALUE;
    Stream* st = static_cast<Stream*>(stream);
    if (!st->capturing) return INVALID_VALUE;
    st->capturing = false;
    s.capturing--;
    if (CUresult r = guard()) return r;
    Graph* g = new Graph();
    g->launches.swap(st->recorded);
    *graph = g;
    return OK;
}

CUresult cuGraphInstantiateWithFlags(CUgraphExec* exec, CUgraph graph, unsigned long long flags) {
    if (!exec || !graph || flags != 0) return INVALID_VALUE;
    *exec = new Graph(*static_cast<Graph*>(graph));
    return OK;
}

CUresult cuGraphLaunch(CUgraphExec exec, CUstream stream) {
    State& s = state();
    std::lock_guard<std::recursive_mutex> lock(s.mutex);
    if (CUresult r = guard()) return r;
    if (!exec) return INVALID_HANDLE;
    if (stream && static_cast<Stream*>(stream)->capturing) return STREAM_CAPTURE_UNSUPPORTED;
    s.graphLaunches++;
    for (Recorded& r : static_cast<Graph*>(exec)->launches) {
        if (CUresult e = execute(r.kernel, r.grid, r.block, r.shared, r.params.data())) return e;
    }
    return OK;
}

CUresult cuGraphExecDestroy(CUgraphExec exec) {
    delete static_cast<Graph*>(exec);
    return OK;
}

CUresult cuGraphDestroy(CUgraph graph) {
    delete static_cast<Graph*>(graph);
    return OK;
}

CUresult cuGetErrorString(CUresult r, const char** s) {
    if (!s) return INVALID_VALUE;
    *s = errorName(r);
    return OK;
}

CUresult cuEventCreate(CUevent* e, unsigned int) {
    if (!e) return INVALID_VALUE;
    *e = new double(0);
    return OK;
}

CUresult cuEventRecord(CUevent e, CUstream) {
    if (!e) return INVALID_HANDLE;
    *static_cast<double*>(e) =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
    return OK;
}

CUresult cuEventSynchronize(CUevent e) {
    std::lock_guard<std::recursive_mutex> lock(state().mutex);
    return e ? guard() : INVALID_HANDLE;
}

CUresult cuEventElapsedTime(float* ms, CUevent a, CUevent b) {
    if (!ms || !a || !b) return INVALID_VALUE;
    *ms = (float)(*static_cast<double*>(b) - *static_cast<double*>(a));
    return OK;
}

}  // extern "C"
