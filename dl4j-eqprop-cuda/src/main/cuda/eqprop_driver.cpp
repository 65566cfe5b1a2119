// eqprop_driver.cpp: the GPU path of eqprop_native.h through the CUDA driver API. libcuda.so.1 (installed with the
// NVIDIA driver, not with the toolkit) is opened with dlopen at the first call, so the library loads everywhere
// and a machine without a driver or GPU gets a clear reason instead of a crash. The module is the fatbin the build
// made with nvcc (sm_80 and sm_90 machine code, compute_90 PTX that the driver JIT-compiles for newer GPUs),
// handed over by Java from the jar. Device memory is owned here: each call copies its inputs in, launches, and
// copies the outputs back (ND4J host arrays at the boundary).
#include "eqprop_native.h"
#include "eqprop_params.h"

#include <dlfcn.h>
#include <mutex>
#include <string>
#include <vector>

namespace eqprop {

int fail(const std::string& message);

typedef int CUresult;
typedef int CUdevice;
typedef void* CUcontext;
typedef void* CUmodule;
typedef void* CUfunction;
typedef void* CUstream;
typedef unsigned long long CUdeviceptr;

struct DriverApi {
    CUresult (*cuInit)(unsigned int);
    CUresult (*cuDeviceGetCount)(int*);
    CUresult (*cuDeviceGet)(CUdevice*, int);
    CUresult (*cuDeviceGetAttribute)(int*, int, CUdevice);
    CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, CUdevice);
    CUresult (*cuCtxSetCurrent)(CUcontext);
    CUresult (*cuCtxSynchronize)();
    CUresult (*cuModuleLoadData)(CUmodule*, const void*);
    CUresult (*cuModuleGetFunction)(CUfunction*, CUmodule, const char*);
    CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
    CUresult (*cuMemAlloc)(CUdeviceptr*, size_t);
    CUresult (*cuMemFree)(CUdeviceptr);
    CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void*, size_t);
    CUresult (*cuMemcpyDtoH)(void*, CUdeviceptr, size_t);
    CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                               CUstream, void**, void**);
    CUresult (*cuGetErrorString)(CUresult, const char**);
};

static DriverApi api;
static void* driverHandle = 0;
static std::string driverProblem;
static CUcontext context = 0;
static CUmodule module = 0;
static std::once_flag driverOnce;
static std::mutex moduleMutex;

static const int ATTR_MULTIPROCESSORS = 16;
static const int ATTR_CC_MAJOR = 75;
static const int ATTR_CC_MINOR = 76;
static const int ATTR_SHARED_OPTIN = 97;
static const int FUNC_ATTR_MAX_DYNAMIC_SHARED = 8;

static std::string describe(CUresult r) {
    const char* s = 0;
    if (api.cuGetErrorString) api.cuGetErrorString(r, &s);
    return std::string(s ? s : "unknown CUDA error") + " (" + std::to_string(r) + ")";
}

template <typename F>
static bool bind(F* slot, const char* name) {
    *slot = reinterpret_cast<F>(dlsym(driverHandle, name));
    if (!*slot) driverProblem = std::string("libcuda.so.1 lacks ") + name;
    return *slot != 0;
}

static void openDriver() {
    driverHandle = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!driverHandle) {
        const char* e = dlerror();
        driverProblem = std::string("no NVIDIA driver: cannot open libcuda.so.1 (") + (e ? e : "not found") + ")";
        return;
    }
    bool ok = bind(&api.cuInit, "cuInit") && bind(&api.cuDeviceGetCount, "cuDeviceGetCount")
            && bind(&api.cuDeviceGet, "cuDeviceGet") && bind(&api.cuDeviceGetAttribute, "cuDeviceGetAttribute")
            && bind(&api.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
            && bind(&api.cuCtxSetCurrent, "cuCtxSetCurrent") && bind(&api.cuCtxSynchronize, "cuCtxSynchronize")
            && bind(&api.cuModuleLoadData, "cuModuleLoadData")
            && bind(&api.cuModuleGetFunction, "cuModuleGetFunction")
            && bind(&api.cuFuncSetAttribute, "cuFuncSetAttribute") && bind(&api.cuMemAlloc, "cuMemAlloc_v2")
            && bind(&api.cuMemFree, "cuMemFree_v2") && bind(&api.cuMemcpyHtoD, "cuMemcpyHtoD_v2")
            && bind(&api.cuMemcpyDtoH, "cuMemcpyDtoH_v2") && bind(&api.cuLaunchKernel, "cuLaunchKernel")
            && bind(&api.cuGetErrorString, "cuGetErrorString");
    if (!ok) return;
    CUresult r = api.cuInit(0);
    if (r != 0) {
        driverProblem = "cuInit failed: " + describe(r);
        return;
    }
    int count = 0;
    r = api.cuDeviceGetCount(&count);
    if (r != 0 || count < 1) {
        driverProblem = r != 0 ? "cuDeviceGetCount failed: " + describe(r) : "the driver sees no CUDA device";
        return;
    }
    CUdevice dev;
    r = api.cuDeviceGet(&dev, 0);
    if (r == 0) r = api.cuDevicePrimaryCtxRetain(&context, dev);
    if (r != 0) {
        driverProblem = "cannot create a context on device 0: " + describe(r);
        context = 0;
    }
}

static bool driverReady() {
    std::call_once(driverOnce, openDriver);
    if (context == 0) {
        fail(driverProblem);
        return false;
    }
    CUresult r = api.cuCtxSetCurrent(context);
    if (r != 0) {
        fail("cuCtxSetCurrent failed: " + describe(r));
        return false;
    }
    return true;
}

int cuda_probe(int* info) {
    for (int i = 0; i < 5; i++) info[i] = 0;
    if (!driverReady()) return -1;
    CUdevice dev;
    api.cuDeviceGet(&dev, 0);
    api.cuDeviceGetCount(&info[0]);
    api.cuDeviceGetAttribute(&info[1], ATTR_CC_MAJOR, dev);
    api.cuDeviceGetAttribute(&info[2], ATTR_CC_MINOR, dev);
    api.cuDeviceGetAttribute(&info[3], ATTR_MULTIPROCESSORS, dev);
    api.cuDeviceGetAttribute(&info[4], ATTR_SHARED_OPTIN, dev);
    return info[0];
}

int cuda_load_module(const signed char* image, long long size) {
    if (!driverReady()) return -1;
    std::lock_guard<std::mutex> lock(moduleMutex);
    if (module) return 0;
    std::vector<signed char> copy(image, image + size);
    CUresult r = api.cuModuleLoadData(&module, copy.data());
    if (r != 0) {
        module = 0;
        return fail("cuModuleLoadData failed (does the fatbin hold code for this GPU?): " + describe(r));
    }
    return 0;
}

/** Device buffers of one call: inputs copied in at once, outputs copied back by finish(). */
class DeviceCall {
public:
    ~DeviceCall() {
        for (CUdeviceptr d : buffers) api.cuMemFree(d);
    }
    bool ok() const { return error.empty(); }
    template <typename T>
    T* in(const T* host, size_t count) {
        if (!host || !ok()) return 0;
        return reinterpret_cast<T*>(allocate(host, count * sizeof(T)));
    }
    template <typename T>
    T* out(T* host, size_t count, bool copyIn) {
        if (!host || !ok()) return 0;
        CUdeviceptr d = allocate(copyIn ? host : 0, count * sizeof(T));
        if (d) outputs.push_back({host, d, count * sizeof(T)});
        return reinterpret_cast<T*>(d);
    }
    int launch(const char* name, dim3 grid, size_t shared, void* params) {
        if (!ok()) return fail(error);
        if (!module) return fail("the CUDA module is not loaded (call cuda_load_module first)");
        CUfunction f;
        CUresult r = api.cuModuleGetFunction(&f, module, name);
        if (r != 0) return fail(std::string("no kernel ") + name + " in the module: " + describe(r));
        if (shared > 48 * 1024) {
            r = api.cuFuncSetAttribute(f, FUNC_ATTR_MAX_DYNAMIC_SHARED, (int)shared);
            if (r != 0) return fail("cannot raise the shared memory limit: " + describe(r));
        }
        void* args[] = {params};
        r = api.cuLaunchKernel(f, grid.x, grid.y, 1, EQP_THREADS, 1, 1, (unsigned)shared, 0, args, 0);
        if (r == 0) r = api.cuCtxSynchronize();
        if (r != 0) return fail(std::string("kernel ") + name + " failed: " + describe(r));
        for (const Output& o : outputs) {
            r = api.cuMemcpyDtoH(o.host, o.device, o.bytes);
            if (r != 0) return fail("copy back failed: " + describe(r));
        }
        return 0;
    }

private:
    struct Output {
        void* host;
        CUdeviceptr device;
        size_t bytes;
    };
    CUdeviceptr allocate(const void* host, size_t bytes) {
        CUdeviceptr d = 0;
        CUresult r = api.cuMemAlloc(&d, bytes < 4 ? 4 : bytes);
        if (r != 0) {
            error = "cuMemAlloc of " + std::to_string(bytes) + " bytes failed: " + describe(r);
            return 0;
        }
        buffers.push_back(d);
        if (host) {
            r = api.cuMemcpyHtoD(d, host, bytes);
            if (r != 0) error = "copy to the device failed: " + describe(r);
        } else {
            std::vector<unsigned char> zeros(bytes, 0);
            api.cuMemcpyHtoD(d, zeros.data(), bytes);
        }
        return d;
    }
    std::vector<CUdeviceptr> buffers;
    std::vector<Output> outputs;
    std::string error;
};

int cuda_dense_relax(const int* icfg, const float* fcfg, const float* weights, const float* biases,
                     const float* inputDrive, const float* start, const float* labels, const float* readoutW,
                     const float* readoutB, float* out, int* residualBits, int* steps) {
    const char* bad = dense_check(icfg);
    if (bad) return fail(bad);
    if (!driverReady()) return -1;
    size_t wf, bf;
    int total;
    dense_sizes(icfg, &wf, &bf, &total);
    int layers = icfg[0], batch = icfg[1], tile = icfg[2], phases = icfg[3], force = icfg[5], classes = icfg[6];
    int top = icfg[9 + layers - 1];
    int tiles = (batch + tile - 1) / tile;
    DeviceCall call;
    float* dW = call.in(weights, wf);
    float* dB = call.in(biases, bf);
    float* dX = call.in(inputDrive, (size_t)batch * icfg[9]);
    float* dS = call.in(start, (size_t)batch * total);
    float* dY = call.in(labels, (size_t)batch * (force == EQP_FORCE_SOFTMAX ? classes : top));
    float* dRw = call.in(readoutW, (size_t)top * classes);
    float* dRb = call.in(readoutB, (size_t)classes);
    float* dOut = call.out(out, (size_t)phases * batch * total, false);
    int* dRes = call.out(residualBits, (size_t)phases * tiles, false);
    int* dSteps = call.out(steps, (size_t)phases * tiles, false);
    EqpDenseRelaxParams p = dense_params(icfg, fcfg, dW, dB, dX, dS, dY, dRw, dRb, dOut, dRes, dSteps);
    size_t smem = sizeof(float) * (size_t)eqp_dense_shared_floats(p.total, p.classes, p.tile, p.layers);
    return call.launch("eqp_dense_relax", dim3(tiles), smem, &p);
}

int cuda_dense_contrast(const int* cfg, float scale, const float* aLower, const float* aUpper, const float* bLower,
                        const float* bUpper, float* grad) {
    if (const char* bad = precision_check(cfg[5])) return fail(bad);
    if (!driverReady()) return -1;
    int batch = cfg[0], nIn = cfg[1], nOut = cfg[2], lda = cfg[3], ldu = cfg[4];
    DeviceCall call;
    const float* al = call.in(aLower, (size_t)batch * lda);
    const float* bl = call.in(bLower, (size_t)batch * lda);
    const float* au = call.in(aUpper, (size_t)batch * ldu);
    const float* bu = call.in(bUpper, (size_t)batch * ldu);
    float* g = call.out(grad, (size_t)nIn * nOut, false);
    EqpDenseContrastParams p{al, au, bl, bu, lda, ldu, batch, nIn, nOut, scale, g, cfg[5]};
    dim3 grid((nOut + EQP_GRAD_TILE - 1) / EQP_GRAD_TILE, (nIn + EQP_GRAD_TILE - 1) / EQP_GRAD_TILE);
    return call.launch("eqp_dense_contrast", grid, 0, &p);
}

int cuda_channel_contrast(const int* cfg, float scale, const float* a, const float* b, float* grad) {
    if (!driverReady()) return -1;
    DeviceCall call;
    const float* da = call.in(a, (size_t)cfg[0] * cfg[3]);
    const float* db = call.in(b, (size_t)cfg[0] * cfg[3]);
    float* g = call.out(grad, (size_t)cfg[1], false);
    EqpChannelContrastParams p{da, db, cfg[3], cfg[0], cfg[1], cfg[2], scale, g};
    return call.launch("eqp_channel_contrast", dim3(cfg[1]), 0, &p);
}

int cuda_igemm(const int* icfg, float alpha, int accumulate, const float* weights, const float* lower,
               const float* upper, float* out) {
    if (const char* bad = precision_check(icfg[12])) return fail(bad);
    if (!driverReady()) return -1;
    EqpIgemmParams shape = igemm_params(icfg, alpha, accumulate, 0, 0, 0, 0);
    int m, n, k;
    eqp_igemm_dims(shape, &m, &n, &k);
    size_t kernel = (size_t)shape.kernel_h * shape.kernel_w;
    size_t lowerSize = (size_t)shape.batch * shape.channels * shape.height * shape.width;
    size_t upperSize = (size_t)shape.batch * shape.out_channels * shape.out_h * shape.out_w;
    size_t outSize = shape.mode == EQP_IGEMM_CONV_FWD ? upperSize
            : (shape.mode == EQP_IGEMM_CONV_TRANSPOSE ? lowerSize : (size_t)shape.out_channels * shape.channels * kernel);
    DeviceCall call;
    const float* w = call.in(weights, (size_t)shape.out_channels * shape.channels * kernel);
    const float* lo = call.in(lower, lowerSize);
    const float* up = call.in(upper, upperSize);
    float* o = call.out(out, outSize, accumulate != 0);
    EqpIgemmParams p = igemm_params(icfg, alpha, accumulate, w, lo, up, o);
    dim3 grid((n + EQP_IGEMM_BN - 1) / EQP_IGEMM_BN, (m + EQP_IGEMM_BM - 1) / EQP_IGEMM_BM);
    return call.launch("eqp_igemm", grid, 0, &p);
}

int cuda_conv_step(const int* icfg, const float* fcfg, const float* conv, const float* base, const float* bias,
                   const float* feedback, const float* extra, const float* state, float* next, float* driveOut,
                   int* winners, const float* labels, int* residualBits) {
    if ((conv == 0) == (base == 0)) return fail("conv_step needs exactly one of conv and base");
    if (!driverReady()) return -1;
    size_t cells = (size_t)conv_cells(icfg);
    size_t pre = cells * icfg[4] * icfg[4];
    DeviceCall call;
    const float* dConv = call.in(conv, pre);
    const float* dBase = call.in(base, cells);
    const float* dBias = call.in(bias, (size_t)icfg[1]);
    const float* dFb = call.in(feedback, cells);
    const float* dExtra = call.in(extra, cells);
    const float* dState = call.in(state, cells);
    const float* dLabels = call.in(labels, cells);
    float* dNext = call.out(next, cells, false);
    float* dDrive = call.out(driveOut, cells, false);
    int* dWin = call.out(winners, cells, false);
    int* dRes = call.out(residualBits, 1, true);
    EqpConvStepParams p = conv_step_params(icfg, fcfg, dConv, dBase, dBias, dFb, dExtra, dState, dNext, dDrive, dWin,
                                           dLabels, dRes);
    return call.launch("eqp_conv_step", dim3(elementwise_blocks((int)cells)), 0, &p);
}

int cuda_unpool(const int* icfg, const float* pooled, const int* winners, float* out) {
    if (!driverReady()) return -1;
    size_t cells = (size_t)conv_cells(icfg);
    DeviceCall call;
    const float* dp = call.in(pooled, cells);
    const int* dw = call.in(winners, cells);
    float* o = call.out(out, cells * icfg[4] * icfg[4], false);
    EqpUnpoolParams p{icfg[0], icfg[1], icfg[2], icfg[3], icfg[4], icfg[5], dp, dw, o};
    return call.launch("eqp_unpool", dim3(elementwise_blocks((int)cells)), 0, &p);
}

}  // namespace eqprop
