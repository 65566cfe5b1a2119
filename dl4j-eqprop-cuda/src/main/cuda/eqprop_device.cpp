// eqprop_device.cpp: Device, the driver API opened at run time (see eqprop_device.h).
#include "eqprop_device.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>

namespace eqprop {

static const int ATTR_MAX_THREADS_PER_BLOCK = 1;
static const int ATTR_MULTIPROCESSORS = 16;
static const int ATTR_CC_MAJOR = 75;
static const int ATTR_CC_MINOR = 76;
static const int ATTR_SHARED_OPTIN = 97;
static const int FUNC_ATTR_MAX_DYNAMIC_SHARED = 8;
static const int CUDA_ERROR_INVALID_IMAGE = 200;
static const int CUDA_ERROR_NO_BINARY_FOR_GPU = 209;
static const int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;
static const int CUDA_ERROR_OUT_OF_MEMORY = 2;

static std::string requestedDriver;
static std::mutex primaryMutex;

void use_driver(const char* path) {
    std::lock_guard<std::mutex> lock(primaryMutex);
    requestedDriver = path ? path : "";
}

Device& Device::primary() {
    static Device* device = 0;
    std::lock_guard<std::mutex> lock(primaryMutex);
    if (!device) {
        std::string path = requestedDriver;
        const char* env = std::getenv("EQPROP_CUDA_DRIVER");
        if (path.empty() && env && *env) path = env;
        device = new Device(path.empty() ? "libcuda.so.1" : path);
    }
    return *device;
}

Device::Device(const std::string& driverPath) : path_(driverPath) {
    std::memset(&api_, 0, sizeof api_);
}

Device::~Device() {
    // the process's devices live as long as the process; a context is released by the driver at exit
}

/** A CUDA error after which the context cannot be used again (the driver's "sticky" errors). */
static bool sticky(CUresult r) {
    return r == 700 || r == 702 || r == 709 || r == 710 || (r >= 714 && r <= 719) || r == 999 || r == 214;
}

std::string Device::describe(CUresult r) {
    const char* s = 0;
    if (api_.cuGetErrorString) api_.cuGetErrorString(r, &s);
    return std::string(s ? s : "unknown CUDA error") + " (" + std::to_string(r) + ")";
}

template <typename F>
static bool bindSymbol(void* handle, F* slot, const char* name, std::string* problem, const std::string& path) {
    *slot = reinterpret_cast<F>(dlsym(handle, name));
    if (!*slot) *problem = path + " lacks " + name + " (not a CUDA driver library?)";
    return *slot != 0;
}

bool Device::open() {
    handle_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle_) {
        const char* e = dlerror();
        problem_ = "no NVIDIA driver: cannot open " + path_ + " (" + (e ? e : "not found") + ")";
        return false;
    }
#define EQP_BIND(field, name) bindSymbol(handle_, &api_.field, name, &problem_, path_)
    bool ok = EQP_BIND(cuInit, "cuInit") && EQP_BIND(cuDriverGetVersion, "cuDriverGetVersion")
            && EQP_BIND(cuDeviceGetCount, "cuDeviceGetCount") && EQP_BIND(cuDeviceGet, "cuDeviceGet")
            && EQP_BIND(cuDeviceGetAttribute, "cuDeviceGetAttribute")
            && EQP_BIND(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
            && EQP_BIND(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2")
            && EQP_BIND(cuDevicePrimaryCtxReset, "cuDevicePrimaryCtxReset_v2")
            && EQP_BIND(cuCtxSetCurrent, "cuCtxSetCurrent") && EQP_BIND(cuCtxSynchronize, "cuCtxSynchronize")
            && EQP_BIND(cuModuleLoadData, "cuModuleLoadData")
            && EQP_BIND(cuModuleGetFunction, "cuModuleGetFunction")
            && EQP_BIND(cuFuncSetAttribute, "cuFuncSetAttribute") && EQP_BIND(cuMemAlloc, "cuMemAlloc_v2")
            && EQP_BIND(cuMemFree, "cuMemFree_v2") && EQP_BIND(cuMemcpyHtoD, "cuMemcpyHtoD_v2")
            && EQP_BIND(cuMemcpyDtoH, "cuMemcpyDtoH_v2") && EQP_BIND(cuMemcpyDtoD, "cuMemcpyDtoD_v2")
            && EQP_BIND(cuMemsetD8, "cuMemsetD8_v2") && EQP_BIND(cuLaunchKernel, "cuLaunchKernel")
            && EQP_BIND(cuGetErrorString, "cuGetErrorString") && EQP_BIND(cuEventCreate, "cuEventCreate")
            && EQP_BIND(cuEventRecord, "cuEventRecord") && EQP_BIND(cuEventSynchronize, "cuEventSynchronize")
            && EQP_BIND(cuEventElapsedTime, "cuEventElapsedTime");
#undef EQP_BIND
    if (!ok) return false;
    // graphs are optional: a driver without them launches step by step
    api_.cuStreamCreate = reinterpret_cast<decltype(api_.cuStreamCreate)>(dlsym(handle_, "cuStreamCreate"));
    api_.cuStreamSynchronize = reinterpret_cast<decltype(api_.cuStreamSynchronize)>(dlsym(handle_,
            "cuStreamSynchronize"));
    api_.cuStreamBeginCapture = reinterpret_cast<decltype(api_.cuStreamBeginCapture)>(dlsym(handle_,
            "cuStreamBeginCapture_v2"));
    api_.cuStreamEndCapture = reinterpret_cast<decltype(api_.cuStreamEndCapture)>(dlsym(handle_, "cuStreamEndCapture"));
    api_.cuGraphInstantiateWithFlags = reinterpret_cast<decltype(api_.cuGraphInstantiateWithFlags)>(dlsym(handle_,
            "cuGraphInstantiateWithFlags"));
    api_.cuGraphLaunch = reinterpret_cast<decltype(api_.cuGraphLaunch)>(dlsym(handle_, "cuGraphLaunch"));
    api_.cuGraphExecDestroy = reinterpret_cast<decltype(api_.cuGraphExecDestroy)>(dlsym(handle_,
            "cuGraphExecDestroy"));
    api_.cuGraphDestroy = reinterpret_cast<decltype(api_.cuGraphDestroy)>(dlsym(handle_, "cuGraphDestroy"));
    const char* graphsEnv = std::getenv("EQPROP_CUDA_GRAPHS");
    graphs_ = api_.cuStreamCreate && api_.cuStreamSynchronize && api_.cuStreamBeginCapture && api_.cuStreamEndCapture
            && api_.cuGraphInstantiateWithFlags && api_.cuGraphLaunch && api_.cuGraphExecDestroy
            && api_.cuGraphDestroy && !(graphsEnv && std::string(graphsEnv) == "0");
    CUresult r = api_.cuInit(0);
    if (r != 0) {
        problem_ = "cuInit failed: " + describe(r) + (r == 35 ? ": the installed NVIDIA driver is older than the "
                   "CUDA runtime it was asked for; update the driver" : "");
        return false;
    }
    int version = 0;
    api_.cuDriverGetVersion(&version);
    if (version < EQP_MIN_DRIVER) {
        problem_ = "the NVIDIA driver supports CUDA " + std::to_string(version / 1000) + "." +
                   std::to_string(version % 1000 / 10) + ", but the shipped kernels were built with CUDA 13.0 and need "
                   "a driver for CUDA 13.0 or newer (the R580 family); update the driver, or rebuild the module with "
                   "an older CUDA toolkit (mvn install -Dcuda.nvcc=/path/to/cuda-12/bin/nvcc)";
        return false;
    }
    int count = 0;
    r = api_.cuDeviceGetCount(&count);
    if (r != 0 || count < 1) {
        problem_ = r != 0 ? "cuDeviceGetCount failed: " + describe(r) : "the driver sees no CUDA device";
        return false;
    }
    r = api_.cuDeviceGet(&device_, 0);
    if (r == 0) r = api_.cuDevicePrimaryCtxRetain(&context_, device_);
    if (r != 0) {
        problem_ = "cannot create a context on device 0: " + describe(r);
        context_ = 0;
        return false;
    }
    api_.cuDeviceGetAttribute(&sharedOptin_, ATTR_SHARED_OPTIN, device_);
    if (graphs_) {
        api_.cuCtxSetCurrent(context_);
        // a blocking stream (flags 0): ordered with the synchronous copies of the legacy stream
        if (api_.cuStreamCreate(&stream_, 0) != 0) {
            stream_ = 0;
            graphs_ = false;
        }
    }
    return true;
}

bool Device::ready() {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    if (!opened_) {
        opened_ = true;
        if (!open()) context_ = 0;
    }
    if (context_ == 0) {
        fail(problem_);
        return false;
    }
    CUresult r = api_.cuCtxSetCurrent(context_);
    if (r != 0) {
        fail("cuCtxSetCurrent failed: " + describe(r));
        return false;
    }
    return true;
}

const std::string& Device::problem() {
    ready();
    return problem_;
}

int Device::driverVersion() {
    if (!ready()) return -1;
    int v = 0;
    api_.cuDriverGetVersion(&v);
    return v;
}

void* Device::symbol(const char* name) {
    std::lock_guard<std::recursive_mutex> lock(mutex);
    if (!opened_) ready();
    return handle_ ? dlsym(handle_, name) : 0;
}

int Device::probe(int* info) {
    for (int i = 0; i < 5; i++) info[i] = 0;
    DeviceScope scope(*this);
    if (!scope.ok()) return -1;
    api_.cuDeviceGetCount(&info[0]);
    api_.cuDeviceGetAttribute(&info[1], ATTR_CC_MAJOR, device_);
    api_.cuDeviceGetAttribute(&info[2], ATTR_CC_MINOR, device_);
    api_.cuDeviceGetAttribute(&info[3], ATTR_MULTIPROCESSORS, device_);
    api_.cuDeviceGetAttribute(&info[4], ATTR_SHARED_OPTIN, device_);
    return info[0];
}

int Device::loadModule(const void* image, size_t size) {
    DeviceScope scope(*this);
    if (!scope.ok()) return -1;
    if (module_) return 0;
    image_.assign(static_cast<const char*>(image), static_cast<const char*>(image) + size);
    CUresult r = api_.cuModuleLoadData(&module_, image_.data());
    if (r != 0) {
        module_ = 0;
        std::string why = describe(r);
        if (r == CUDA_ERROR_NO_BINARY_FOR_GPU || r == CUDA_ERROR_INVALID_IMAGE
                || r == CUDA_ERROR_UNSUPPORTED_PTX_VERSION) {
            why += ": the fatbin holds sm_80 and sm_90 machine code and compute_90 PTX (ISA 9.0, CUDA 13); this "
                   "GPU or driver can use none of them (a GPU older than sm_80, or a driver older than R580)";
        }
        return fail("cuModuleLoadData failed: " + why);
    }
    return 0;
}

bool Device::check(CUresult r, const std::string& what) {
    if (r == 0) return true;
    error = what + ": " + describe(r);
    if (sticky(r)) {
        error += "; the GPU context was reset (memory allocated before is gone)";
        recover();
    }
    fail(error);
    return false;
}

bool Device::recover() {
    functions_.clear();
    module_ = 0;
    events_[0] = events_[1] = 0;
    stream_ = 0;
    api_.cuDevicePrimaryCtxRelease(device_);
    api_.cuDevicePrimaryCtxReset(device_);
    generation_++;
    counters.bytes_allocated = 0;
    CUresult r = api_.cuDevicePrimaryCtxRetain(&context_, device_);
    if (r != 0) {
        context_ = 0;
        problem_ = "the GPU context could not be recreated after an error: " + describe(r);
        return false;
    }
    api_.cuCtxSetCurrent(context_);
    if (!image_.empty() && api_.cuModuleLoadData(&module_, image_.data()) != 0) {
        module_ = 0;
    }
    if (graphs_ && api_.cuStreamCreate(&stream_, 0) != 0) {
        stream_ = 0;
        graphs_ = false;
    }
    return true;
}

CUfunction Device::function(const char* name) {
    for (auto& f : functions_) {
        if (f.first == name) return f.second;
    }
    CUfunction f = 0;
    if (!module_) {
        error = "the CUDA module is not loaded";
        fail(error);
        return 0;
    }
    CUresult r = api_.cuModuleGetFunction(&f, module_, name);
    if (!check(r, std::string("no kernel ") + name + " in the module")) return 0;
    functions_.push_back({name, f});
    return f;
}

CUdeviceptr Device::alloc(size_t bytes, DeviceCounters* also) {
    DeviceScope scope(*this);
    if (!scope.ok()) return 0;
    CUdeviceptr d = 0;
    CUresult r = api_.cuMemAlloc(&d, bytes < 4 ? 4 : bytes);
    if (r != 0) {
        check(r, "cuMemAlloc of " + std::to_string(bytes) + " bytes failed" +
                 (r == CUDA_ERROR_OUT_OF_MEMORY ? " (out of GPU memory)" : ""));
        return 0;
    }
    counters.allocations++;
    counters.bytes_allocated += (long long)bytes;
    if (also) {
        also->allocations++;
        also->bytes_allocated += (long long)bytes;
    }
    return d;
}

void Device::release(CUdeviceptr p, size_t bytes, DeviceCounters* also) {
    if (!p) return;
    DeviceScope scope(*this);
    if (!scope.ok()) return;
    api_.cuMemFree(p);
    counters.frees++;
    counters.bytes_allocated -= (long long)bytes;
    if (also) {
        also->frees++;
        also->bytes_allocated -= (long long)bytes;
    }
}

bool Device::upload(CUdeviceptr dst, const void* src, size_t bytes, DeviceCounters* also) {
    if (bytes == 0) return true;
    DeviceScope scope(*this);
    if (!scope.ok()) return false;
    if (!check(api_.cuMemcpyHtoD(dst, src, bytes), "copy of " + std::to_string(bytes) + " bytes to the GPU failed")) {
        return false;
    }
    counters.h2d_bytes += (long long)bytes;
    if (also) also->h2d_bytes += (long long)bytes;
    return true;
}

bool Device::download(void* dst, CUdeviceptr src, size_t bytes, DeviceCounters* also) {
    if (bytes == 0) return true;
    DeviceScope scope(*this);
    if (!scope.ok()) return false;
    if (!check(api_.cuMemcpyDtoH(dst, src, bytes), "copy of " + std::to_string(bytes) + " bytes from the GPU failed")) {
        return false;
    }
    counters.d2h_bytes += (long long)bytes;
    if (also) also->d2h_bytes += (long long)bytes;
    return true;
}

bool Device::copy(CUdeviceptr dst, CUdeviceptr src, size_t bytes) {
    if (bytes == 0) return true;
    DeviceScope scope(*this);
    return scope.ok() && check(api_.cuMemcpyDtoD(dst, src, bytes), "device-to-device copy failed");
}

bool Device::zero(CUdeviceptr dst, size_t bytes) {
    if (bytes == 0) return true;
    DeviceScope scope(*this);
    return scope.ok() && check(api_.cuMemsetD8(dst, 0, bytes), "cuMemsetD8 failed");
}

bool Device::launch(const char* kernel, dim3 grid, size_t shared, void* params, DeviceCounters* also) {
    DeviceScope scope(*this);
    if (!scope.ok()) return false;
    CUfunction f = function(kernel);
    if (!f) return false;
    if (shared > 48 * 1024) {
        if ((int)shared > sharedOptin_) {
            error = std::string("kernel ") + kernel + " needs " + std::to_string(shared) + " bytes of shared memory, "
                    "the GPU offers " + std::to_string(sharedOptin_);
            fail(error);
            return false;
        }
        if (!check(api_.cuFuncSetAttribute(f, FUNC_ATTR_MAX_DYNAMIC_SHARED, (int)shared),
                   "cannot raise the shared memory limit")) {
            return false;
        }
    }
    void* args[] = {params};
    if (timing_ && !events_[0]) {
        api_.cuEventCreate(&events_[0], 0);
        api_.cuEventCreate(&events_[1], 0);
    }
    if (timing_) api_.cuEventRecord(events_[0], stream_);
    CUresult r = api_.cuLaunchKernel(f, grid.x, grid.y, 1, EQP_THREADS, 1, 1, (unsigned)shared, stream_, args, 0);
    if (!check(r, std::string("launch of ") + kernel + " failed")) return false;
    counters.launches++;
    if (also) also->launches++;
    if (timing_) {
        api_.cuEventRecord(events_[1], stream_);
        if (!check(api_.cuEventSynchronize(events_[1]), std::string("kernel ") + kernel + " failed")) return false;
        float ms = -1;
        api_.cuEventElapsedTime(&ms, events_[0], events_[1]);
        lastMs_ = ms;
    }
    return true;
}

bool Device::synchronize() {
    DeviceScope scope(*this);
    return scope.ok() && check(api_.cuCtxSynchronize(), "a kernel failed");
}

bool Device::graphsAvailable() {
    return graphsWanted_ && ready() && graphs_ && stream_ != 0;
}

bool Device::beginCapture() {
    DeviceScope scope(*this);
    // thread-local mode: other threads' work on the legacy stream does not break this capture
    return scope.ok() && check(api_.cuStreamBeginCapture(stream_, 1), "cuStreamBeginCapture failed");
}

CUgraphExec Device::endCapture() {
    DeviceScope scope(*this);
    if (!scope.ok()) return 0;
    CUgraph graph = 0;
    if (!check(api_.cuStreamEndCapture(stream_, &graph), "cuStreamEndCapture failed")) return 0;
    CUgraphExec exec = 0;
    bool ok = check(api_.cuGraphInstantiateWithFlags(&exec, graph, 0), "cuGraphInstantiate failed");
    api_.cuGraphDestroy(graph);
    return ok ? exec : 0;
}

bool Device::launchGraph(CUgraphExec exec, DeviceCounters* also) {
    DeviceScope scope(*this);
    if (!scope.ok() || !check(api_.cuGraphLaunch(exec, stream_), "cuGraphLaunch failed")) return false;
    counters.launches++;
    if (also) also->launches++;
    return true;
}

void Device::destroyGraph(CUgraphExec exec) {
    if (!exec) return;
    DeviceScope scope(*this);
    if (scope.ok()) api_.cuGraphExecDestroy(exec);
}

}  // namespace eqprop
