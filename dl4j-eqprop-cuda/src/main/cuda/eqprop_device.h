// eqprop_device.h: one GPU through the CUDA driver API, opened at run time (dlopen), so that the library loads
// on every machine and a machine without a driver gets a reason instead of a crash. The driver is libcuda.so.1, or
// the library named by EQPROP_CUDA_DRIVER / cuda_use_driver(): the project's CPU stand-in (cuda_standin.cpp) runs
// the whole GPU path on machines without a GPU.
//
// Every operation counts what it moves (bytes up and down, allocations, launches): the resident sessions report
// these per iteration. An error that leaves the context unusable (an illegal address, a failed launch: CUDA's
// "sticky" errors) resets the primary context, reloads the module and bumps generation(): memory allocated before
// is gone, and whoever held it (a session) must be rebuilt. Nothing stays broken for later calls.
#ifndef EQP_DEVICE_H
#define EQP_DEVICE_H

#include "cuda_driver_types.h"
#include "eqprop_common.cuh"

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace eqprop {

int fail(const std::string& message);


/** The driver API entry points this module uses (the _v2 ABI where the driver has one). */
struct DriverApi {
    CUresult (*cuInit)(unsigned int);
    CUresult (*cuDriverGetVersion)(int*);
    CUresult (*cuDeviceGetCount)(int*);
    CUresult (*cuDeviceGet)(CUdevice*, int);
    CUresult (*cuDeviceGetAttribute)(int*, int, CUdevice);
    CUresult (*cuDevicePrimaryCtxRetain)(CUcontext*, CUdevice);
    CUresult (*cuDevicePrimaryCtxRelease)(CUdevice);
    CUresult (*cuDevicePrimaryCtxReset)(CUdevice);
    CUresult (*cuCtxSetCurrent)(CUcontext);
    CUresult (*cuCtxSynchronize)();
    CUresult (*cuModuleLoadData)(CUmodule*, const void*);
    CUresult (*cuModuleGetFunction)(CUfunction*, CUmodule, const char*);
    CUresult (*cuFuncSetAttribute)(CUfunction, int, int);
    CUresult (*cuMemAlloc)(CUdeviceptr*, size_t);
    CUresult (*cuMemFree)(CUdeviceptr);
    CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void*, size_t);
    CUresult (*cuMemcpyDtoH)(void*, CUdeviceptr, size_t);
    CUresult (*cuMemcpyDtoD)(CUdeviceptr, CUdeviceptr, size_t);
    CUresult (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t);
    CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                               CUstream, void**, void**);
    CUresult (*cuGetErrorString)(CUresult, const char**);
    CUresult (*cuEventCreate)(CUevent*, unsigned int);
    CUresult (*cuEventRecord)(CUevent, CUstream);
    CUresult (*cuEventSynchronize)(CUevent);
    CUresult (*cuEventElapsedTime)(float*, CUevent, CUevent);
    CUresult (*cuStreamCreate)(CUstream*, unsigned int);
    CUresult (*cuStreamSynchronize)(CUstream);
    CUresult (*cuStreamBeginCapture)(CUstream, int);
    CUresult (*cuStreamEndCapture)(CUstream, CUgraph*);
    CUresult (*cuGraphInstantiateWithFlags)(CUgraphExec*, CUgraph, unsigned long long);
    CUresult (*cuGraphLaunch)(CUgraphExec, CUstream);
    CUresult (*cuGraphExecDestroy)(CUgraphExec);
    CUresult (*cuGraphDestroy)(CUgraph);
};

/** What a device (or a session on it) has done: the figures bench reports per iteration. */
struct DeviceCounters {
    long long h2d_bytes = 0;
    long long d2h_bytes = 0;
    long long allocations = 0;
    long long frees = 0;
    long long launches = 0;
    long long bytes_allocated = 0;   // live device memory
};

/** The oldest driver (cuDriverGetVersion) that loads the fatbin nvcc 13 builds: CUDA 13.0, the R580 drivers. */
const int EQP_MIN_DRIVER = 13000;

class Device {
public:
    /** The process's device: the driver named by cuda_use_driver(), else EQPROP_CUDA_DRIVER, else libcuda.so.1. */
    static Device& primary();

    /** A device behind the driver library at path (several can coexist: the GPU check compares two). */
    explicit Device(const std::string& driverPath);
    ~Device();

    /** Opens the driver and device 0 once; false (and fail() with the reason) when there is none. */
    bool ready();
    /** Why ready() is false (empty when it is true). */
    const std::string& problem();
    const std::string& driverPath() const { return path_; }
    int driverVersion();
    /** A symbol of the driver library that the API table does not hold (the CPU stand-in's controls), or null. */
    void* symbol(const char* name);
    /** count, cc major, cc minor, SMs, opt-in shared memory per block. */
    int probe(int* info);

    /** Loads the fatbin (kept, so that a reset context can reload it). 0 or fail(). */
    int loadModule(const void* image, size_t size);
    bool moduleLoaded() const { return module_ != 0; }
    /** Bumped whenever the context is reset after a sticky error: device memory from before is gone. */
    int generation() const { return generation_; }

    CUdeviceptr alloc(size_t bytes, DeviceCounters* also = 0);
    void release(CUdeviceptr p, size_t bytes, DeviceCounters* also = 0);
    bool upload(CUdeviceptr dst, const void* src, size_t bytes, DeviceCounters* also = 0);
    bool download(void* dst, CUdeviceptr src, size_t bytes, DeviceCounters* also = 0);
    bool copy(CUdeviceptr dst, CUdeviceptr src, size_t bytes);
    bool zero(CUdeviceptr dst, size_t bytes);
    /** Launches kernel(params) on grid × EQP_THREADS threads (asynchronous). */
    bool launch(const char* kernel, dim3 grid, size_t shared, void* params, DeviceCounters* also = 0);
    bool synchronize();

    /**
     * CUDA graphs (EQPROP_CUDA_GRAPHS=0 switches them off): the launches between beginCapture and endCapture are
     * recorded on the device's stream instead of run, and replayed by launchGraph, one launch for all of them.
     */
    bool graphsAvailable();
    /** Turns the graphs off (or back on, when the driver has them) for the sessions made afterwards. */
    void useGraphs(bool on) { graphsWanted_ = on; }
    bool beginCapture();
    CUgraphExec endCapture();
    bool launchGraph(CUgraphExec exec, DeviceCounters* also = 0);
    void destroyGraph(CUgraphExec exec);

    /** Times each launch with events (the GPU check); lastKernelMs() is the last one. */
    void setTiming(bool on) { timing_ = on; }
    double lastKernelMs() const { return lastMs_; }

    DeviceCounters counters;
    /** The last error's text (also passed to fail()). */
    std::string error;

    std::recursive_mutex mutex;

private:
    bool open();
    bool check(CUresult r, const std::string& what);
    std::string describe(CUresult r);
    bool recover();
    CUfunction function(const char* name);

    std::string path_;
    DriverApi api_;
    void* handle_ = 0;
    bool opened_ = false;
    std::string problem_;
    CUdevice device_ = 0;
    CUcontext context_ = 0;
    CUmodule module_ = 0;
    std::vector<char> image_;
    std::vector<std::pair<std::string, CUfunction>> functions_;
    int generation_ = 0;
    int sharedOptin_ = 48 * 1024;
    bool timing_ = false;
    double lastMs_ = -1;
    CUevent events_[2] = {0, 0};
    CUstream stream_ = 0;   // the device's blocking stream (ordered with the legacy stream's copies)
    bool graphs_ = false;
    bool graphsWanted_ = true;
};

/** RAII: the device's lock, and its context current on this thread. */
class DeviceScope {
public:
    explicit DeviceScope(Device& d) : lock_(d.mutex), ok_(d.ready()) {}
    bool ok() const { return ok_; }

private:
    std::lock_guard<std::recursive_mutex> lock_;
    bool ok_;
};

}  // namespace eqprop

#endif
