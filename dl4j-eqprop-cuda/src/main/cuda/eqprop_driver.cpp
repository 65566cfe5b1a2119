// eqprop_driver.cpp: the per-call GPU path of eqprop_native.h (cuda_*): each call copies its inputs to the device,
// launches one kernel and copies the outputs back. The kernels' tests and the GPU check use it; training uses the
// resident sessions of eqprop_session.cpp instead, which keep a whole iteration on the device. Both run on Device
// (eqprop_device.h): libcuda.so.1 opened at run time, or the CPU stand-in named by EQPROP_CUDA_DRIVER.
#include "eqprop_native.h"
#include "eqprop_params.h"
#include "eqprop_device.h"

#include <string>
#include <vector>

namespace eqprop {

void use_driver(const char* path);

void use_vendor_libraries(int on);

int cuda_use_vendor_libraries(int on) {
    use_vendor_libraries(on);
    return 0;
}

int cuda_use_graphs(int on) {
    Device::primary().useGraphs(on != 0);
    return 0;
}

int cuda_use_driver(const char* path) {
    use_driver(path);
    return 0;
}

const char* cuda_driver_path() {
    static std::string path;
    path = Device::primary().driverPath();
    return path.c_str();
}

void cuda_set_timing(int on) {
    Device::primary().setTiming(on != 0);
}

double cuda_last_kernel_ms() {
    return Device::primary().lastKernelMs();
}

int cuda_driver_version() {
    return Device::primary().driverVersion();
}

int cuda_probe(int* info) {
    return Device::primary().probe(info);
}

int cuda_load_module(const signed char* image, long long size) {
    return Device::primary().loadModule(image, (size_t)size);
}

int cuda_generation() {
    return Device::primary().generation();
}

int cuda_counters(long long* out) {
    Device& d = Device::primary();
    std::lock_guard<std::recursive_mutex> lock(d.mutex);
    out[0] = d.counters.h2d_bytes;
    out[1] = d.counters.d2h_bytes;
    out[2] = d.counters.allocations;
    out[3] = d.counters.frees;
    out[4] = d.counters.launches;
    out[5] = d.counters.bytes_allocated;
    return 0;
}

int cuda_standin_inject(int kind, long long n) {
    typedef int (*Inject)(int, long long);
    Inject f = reinterpret_cast<Inject>(Device::primary().symbol("eqp_standin_inject"));
    if (!f) return fail("the driver " + Device::primary().driverPath() + " is not the CPU stand-in");
    return f(kind, n);
}

int cuda_standin_set(const char* key, long long value) {
    typedef int (*Set)(const char*, long long);
    Set f = reinterpret_cast<Set>(Device::primary().symbol("eqp_standin_set"));
    if (!f) return fail("the driver " + Device::primary().driverPath() + " is not the CPU stand-in");
    return f(key, value) == 0 ? 0 : fail(std::string("the stand-in has no setting ") + (key ? key : "null"));
}

/** Device buffers of one call: inputs copied in at once, outputs copied back after the launch. */
class DeviceCall {
public:
    DeviceCall() : device(Device::primary()), scope(device) {}
    ~DeviceCall() {
        for (auto& b : buffers) device.release(b.first, b.second);
    }
    bool ok() const { return scope.ok() && error.empty(); }
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
        if (!scope.ok()) return -1;
        if (!error.empty()) return fail(error);
        if (!device.moduleLoaded()) return fail("the CUDA module is not loaded (call cuda_load_module first)");
        if (!device.launch(name, grid, shared, params) || !device.synchronize()) return -1;
        for (const Output& o : outputs) {
            if (!device.download(o.host, o.device, o.bytes)) return -1;
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
        CUdeviceptr d = device.alloc(bytes);
        if (!d) {
            error = device.error;
            return 0;
        }
        buffers.push_back({d, bytes});
        bool copied = host ? device.upload(d, host, bytes) : device.zero(d, bytes);
        if (!copied) error = device.error;
        return d;
    }
    Device& device;
    DeviceScope scope;
    std::vector<std::pair<CUdeviceptr, size_t>> buffers;
    std::vector<Output> outputs;
    std::string error;
};

int cuda_dense_relax(const int* icfg, const float* fcfg, const float* weights, const float* biases,
                     const float* inputDrive, const float* start, const float* labels, const float* readoutW,
                     const float* readoutB, float* out, int* residualBits, int* steps) {
    const char* bad = dense_check(icfg);
    if (bad) return fail(bad);
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
    return call.launch(eqp_igemm_kernel(p.precision), grid, 0, &p);
}

int cuda_conv_step(const int* icfg, const float* fcfg, const float* conv, const float* base, const float* bias,
                   const float* feedback, const float* extra, const float* state, float* next, float* driveOut,
                   int* winners, const float* labels, int* residualBits) {
    if ((conv == 0) == (base == 0)) return fail("conv_step needs exactly one of conv and base");
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
    size_t cells = (size_t)conv_cells(icfg);
    DeviceCall call;
    const float* dp = call.in(pooled, cells);
    const int* dw = call.in(winners, cells);
    float* o = call.out(out, cells * icfg[4] * icfg[4], false);
    EqpUnpoolParams p{icfg[0], icfg[1], icfg[2], icfg[3], icfg[4], icfg[5], dp, dw, o, 0};
    return call.launch("eqp_unpool", dim3(elementwise_blocks((int)cells)), 0, &p);
}

}  // namespace eqprop
