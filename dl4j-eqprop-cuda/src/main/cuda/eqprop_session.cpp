// eqprop_session.cpp: resident EqProp iterations on Device (see eqprop_session.h).
#include "eqprop_session.h"
#include "eqprop_device.h"
#include "eqprop_params.h"
#include "eqprop_vendor.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace eqprop {

bool vendor_libraries_wanted();

namespace {

/** One state layer and the interaction below it (from the layer below, or from the input for k = 0). */
struct Layer {
    bool conv;
    int channels, height, width;           // the state map (a dense layer: n, 1, 1)
    int lowerChannels, lowerHeight, lowerWidth;
    int kernel, stride, padding, pool, pooling;
    int convHeight, convWidth;             // the convolution's output before pooling
    size_t units, lowerUnits;              // per example
    size_t wOffset, wSize, bOffset, bSize; // in the flat parameter array
    size_t offset;                         // units of the layers below (its place in a packed example row)
};

/** A device buffer owned by a session. */
struct Buffer {
    CUdeviceptr ptr = 0;
    size_t bytes = 0;
    float* f() const { return reinterpret_cast<float*>(ptr); }
    int* i() const { return reinterpret_cast<int*>(ptr); }
};

const int SLOTS = 3;   // free, nudged 1, nudged 2

/** cuDNN's descriptors and algorithms for one convolutional layer. */
struct ConvPlan {
    CudnnDescriptor lower = 0, filter = 0, conv = 0, upper = 0;
    int forward = -1, backwardData = -1, backwardFilter = -1;
};

/** How often a layered phase whose products are library calls (they cannot read the stop flag) asks the device
 * whether it has converged: every this many steps, one copy of the phase's control struct. */
const int POLL_STEPS = 8;

class Session {
public:
    Session(Device& device) : dev(device), generation(device.generation()) {}
    ~Session() {
        // after a context reset the device memory is already gone; cuDNN's descriptors are host objects
        if (dev.generation() == generation) {
            for (Buffer* b : owned) dev.release(b->ptr, b->bytes, &counters);
        }
        if (dev.generation() == generation) {
            for (StepGraph& g : graphs) dev.destroyGraph(g.exec);
        }
        const CudnnApi* d = vendor ? &vendor->dnn() : 0;
        for (ConvPlan& p : plans) {
            if (p.lower) d->cudnnDestroyTensorDescriptor(p.lower);
            if (p.upper) d->cudnnDestroyTensorDescriptor(p.upper);
            if (p.filter) d->cudnnDestroyFilterDescriptor(p.filter);
            if (p.conv) d->cudnnDestroyConvolutionDescriptor(p.conv);
        }
    }

    int configure(const int* icfg, const float* fcfg);
    int freePhase(const float* x, const float* params, int maxSteps, float tolerance, float* output, int* stats);
    int setForce(int kind, const float* labels, int classes, const float* readoutW, const float* readoutB, float scale);
    int nudgedPhase(int slot, float beta, int maxSteps, float tolerance, int* stats);
    int gradient(int slotA, int slotB, float scale, float* grad);
    int readStates(int slot, float* out);

    Device& dev;
    DeviceCounters counters;
    int generation;
    bool persistent = false;
    bool useDnn = false, useBlas = false;
    std::string libraries;   // what computes the products, for reports
    int layers = 0, batch = 0;
    size_t paramCount = 0, totalUnits = 0;
    std::vector<Layer> L;

private:
    bool alive();
    int gpuError();
    bool allocate(Buffer& b, size_t bytes);
    float* state(const Buffer& set, int k) const {
        return set.f() + (persistent ? L[k].offset : (size_t)batch * L[k].offset);
    }
    int stride(int k) const { return persistent ? (int)totalUnits : (int)L[k].units; }
    const float* weights(int k) const { return params.f() + L[k].wOffset; }
    const float* bias(int k) const { return params.f() + L[k].bOffset; }
    const int* stopFlag() const { return &reinterpret_cast<EqpPhaseControl*>(control.ptr)->stop; }
    int* residualSlot() const { return &reinterpret_cast<EqpPhaseControl*>(control.ptr)->residual_acc; }

    EqpIgemmParams igemmShape(int k) const;
    bool igemm(const EqpIgemmParams& shape, int mode, float alpha, int accumulate, const float* weights,
               const float* lower, const float* upper, float* out, const int* stop);
    bool upward(int k, const float* lower, float* out, const int* stop);
    bool feedback(int k, const float* upper, const int* winners, float* out, const int* stop);
    bool convStep(int k, const float* conv, const float* base, const float* feedbackDrive, const float* extra,
                  const float* stateIn, float* next, float* driveOut, bool top, float beta, bool measure,
                  const int* stop);
    bool relaxLayered(float beta, int maxSteps, float tolerance, int* stats);
    bool relaxPersistent(int slotIndex, int from, float beta, int maxSteps, float tolerance, int* stats);
    bool layeredStep(float beta);
    bool switches(int k, const float* lower, const float* stateIn);
    bool elementwise(const char* kernel, void* params, long long n);
    bool planConvolutions();
    bool dnn(int status, const char* what);
    bool sgemm(int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
               float beta, float* c, int ldc);
    bool denseContrast(int k, const float* lowerA, const float* upperA, const float* lowerB, const float* upperB,
                       int ldLower, float scale, float* gw);

    EqpStepRule rule{};
    int alternating = 0, precision = 0;
    int inChannels = 0, inHeight = 0, inWidth = 0;
    int tile = 1, tiles = 1;
    int forceKind = EQP_FORCE_NONE, classes = 0;
    float forceScale = 1.0f;
    bool freeDone = false;

    Buffer params, grad, x, base, control, work[2], slots[SLOTS], out, labels, readoutW, readoutB, extra, tileSteps,
            tileResiduals;
    std::vector<Buffer> z, routed, fb, winners;
    std::vector<Buffer*> owned;
    Vendor* vendor = 0;
    ConvPlan plans[EQP_MAX_LAYERS];
    Buffer workspace;
    /** Two steps of a layered phase (even buffer to odd and back) captured as a CUDA graph, per β and tolerance. */
    struct StepGraph {
        float beta, tolerance;
        CUgraphExec exec;
    };
    std::vector<StepGraph> graphs;
    CUgraphExec stepGraph(float beta, float tolerance, const Buffer& even, const Buffer& odd);
};


bool Session::allocate(Buffer& b, size_t bytes) {
    b.bytes = bytes < 4 ? 4 : bytes;
    b.ptr = dev.alloc(b.bytes, &counters);
    if (!b.ptr) return false;
    owned.push_back(&b);
    return true;
}

bool Session::alive() {
    if (dev.generation() != generation) {
        fail("the GPU context was reset after an error; this session's memory is gone (create a new session)");
        return false;
    }
    return true;
}

int Session::gpuError() {
    return -2;
}

int Session::configure(const int* icfg, const float* fcfg) {
    layers = icfg[EQP_CFG_LAYERS];
    batch = icfg[EQP_CFG_BATCH];
    rule.activation = icfg[EQP_CFG_ACTIVATION];
    rule.dynamics = icfg[EQP_CFG_DYNAMICS];
    rule.leak = fcfg[0];
    rule.euler_eps = rule.dynamics == EQP_EULER ? fcfg[1] : 1.0f;
    alternating = icfg[EQP_CFG_ALTERNATING] != 0;
    precision = icfg[EQP_CFG_PRECISION];
    inChannels = icfg[EQP_CFG_IN_CHANNELS];
    inHeight = icfg[EQP_CFG_IN_HEIGHT];
    inWidth = icfg[EQP_CFG_IN_WIDTH];
    int mode = icfg[EQP_CFG_MODE];
    if (layers < 1 || layers > EQP_MAX_LAYERS) return fail("a session takes 1 to 8 state layers, got " + std::to_string(layers));
    if (batch < 1) return fail("batch must be >= 1, got " + std::to_string(batch));
    if (rule.activation < EQP_HARD_SIGMOID || rule.activation > EQP_SIGMOID) return fail("unknown activation code");
    if (rule.dynamics != EQP_FIXED_POINT && rule.dynamics != EQP_EULER) return fail("unknown dynamics code");
    if (const char* bad = precision_check(precision)) return fail(bad);
    if (inChannels < 1 || inHeight < 1 || inWidth < 1) return fail("the input shape must be positive");
    if (mode < 0 || mode > 2) return fail("mode must be 0 (automatic), 1 (persistent) or 2 (layered)");
    int c = inChannels, h = inHeight, w = inWidth;
    size_t offset = 0;
    bool allDense = true;
    for (int k = 0; k < layers; k++) {
        const int* lc = icfg + EQP_CFG_HEADER + EQP_CFG_PER_LAYER * k;
        Layer l{};
        l.conv = lc[0] == 1;
        if (lc[0] != 0 && lc[0] != 1) return fail("layer kind must be 0 (dense) or 1 (conv)");
        l.lowerChannels = c;
        l.lowerHeight = h;
        l.lowerWidth = w;
        l.lowerUnits = (size_t)c * h * w;
        l.channels = lc[1];
        if (l.channels < 1) return fail("layer " + std::to_string(k) + " has no units");
        if (l.conv) {
            allDense = false;
            l.kernel = lc[2];
            l.stride = lc[3];
            l.padding = lc[4];
            l.pool = lc[5];
            l.pooling = lc[6];
            if (l.kernel < 1 || l.stride < 1 || l.padding < 0 || l.pool < 1 || l.pooling < EQP_POOL_MAX
                    || l.pooling > EQP_POOL_NONE || (l.pooling == EQP_POOL_NONE) != (l.pool == 1)) {
                return fail("layer " + std::to_string(k) + ": bad convolution (kernel, stride, padding, pool)");
            }
            l.convHeight = (h + 2 * l.padding - l.kernel) / l.stride + 1;
            l.convWidth = (w + 2 * l.padding - l.kernel) / l.stride + 1;
            if (l.convHeight < 1 || l.convWidth < 1 || l.convHeight % l.pool || l.convWidth % l.pool) {
                return fail("layer " + std::to_string(k) + ": a " + std::to_string(l.kernel) + "x" +
                            std::to_string(l.kernel) + " convolution of a " + std::to_string(h) + "x" +
                            std::to_string(w) + " map gives " + std::to_string(l.convHeight) + "x" +
                            std::to_string(l.convWidth) + ", which " + std::to_string(l.pool) +
                            "-wide pooling windows do not tile");
            }
            l.height = l.convHeight / l.pool;
            l.width = l.convWidth / l.pool;
            l.wSize = (size_t)l.channels * c * l.kernel * l.kernel;
        } else {
            l.kernel = l.stride = l.pool = 1;
            l.padding = 0;
            l.pooling = EQP_POOL_NONE;
            l.height = l.width = l.convHeight = l.convWidth = 1;
            l.wSize = l.lowerUnits * l.channels;
        }
        l.units = (size_t)l.channels * l.height * l.width;
        l.bSize = l.channels;
        l.wOffset = paramCount;
        l.bOffset = paramCount + l.wSize;
        paramCount += l.wSize + l.bSize;
        l.offset = offset;
        offset += l.units;
        L.push_back(l);
        c = l.channels;
        h = l.height;
        w = l.width;
    }
    totalUnits = offset;
    // the persistent kernel: dense chains whose tile of states fits 48 KB of shared memory
    int perExample = (int)(3 * totalUnits) + 1024;   // room for up to 1024 readout classes
    int fits = (48 * 1024 / 4 - layers * EQP_THREADS) / perExample;
    bool persistentFits = allDense && fits >= 1;
    if (mode == 1 && !persistentFits) {
        return fail(allDense ? "the dense layers' states (" + std::to_string(totalUnits) + " units per example) do not "
                               "fit a thread block's 48 KB of shared memory: use the layered mode"
                             : "the persistent kernel runs dense layers only");
    }
    persistent = mode == 1 || (mode == 0 && persistentFits);
    if (persistent) {
        int sms = 132;
        int info[5];
        if (dev.probe(info) > 0 && info[3] > 0) sms = info[3];
        int spread = (batch + sms - 1) / sms;
        tile = std::max(1, std::min(fits, std::min(spread, batch)));
        tiles = (batch + tile - 1) / tile;
    }
    // NVIDIA's libraries for the products when present (bf16 operands keep the own kernels)
    vendor = &Vendor::of(dev);
    bool wanted = vendor_libraries_wanted();
    bool anyConv = false;
    for (const Layer& l : L) anyConv |= l.conv;
    useDnn = wanted && anyConv && precision != EQP_BF16 && vendor->cudnn();
    bool anyDense = false;
    for (const Layer& l : L) anyDense |= !l.conv;
    useBlas = wanted && anyDense && precision != EQP_BF16 && vendor->cublas();
    if (useDnn && !planConvolutions()) {
        libraries += "cuDNN refused these convolutions (" + vendor->dnnError(0) + "): own kernels; ";
        useDnn = false;
    }
    auto own = [&](const std::string& why) {
        return !wanted ? std::string("own kernels (libraries off)") : precision == EQP_BF16
                ? std::string("own kernels (bf16)") : "own kernels (" + why + ")";
    };
    libraries += std::string("convolutions: ") + (!anyConv ? "none" : useDnn ? vendor->cudnnDescription()
            : own(vendor->cudnnDescription()));
    libraries += std::string("; dense products: ") + (!anyDense ? "none" : useBlas ? vendor->cublasDescription()
            : own(vendor->cublasDescription()));
    // every buffer of the session, once
    size_t set = (size_t)batch * totalUnits * sizeof(float);
    Layer& top = L[layers - 1];
    bool ok = allocate(params, paramCount * 4) && allocate(grad, paramCount * 4)
            && allocate(x, (size_t)batch * L[0].lowerUnits * 4) && allocate(base, (size_t)batch * L[0].units * 4)
            && allocate(control, sizeof(EqpPhaseControl)) && allocate(work[0], set) && allocate(work[1], set)
            && (!persistent || allocate(out, (size_t)batch * top.units * 4));
    for (int s = 0; ok && s < SLOTS; s++) ok = allocate(slots[s], set);
    z.resize(layers);
    routed.resize(layers);
    fb.resize(layers);
    winners.resize(layers);
    for (int k = 0; ok && k < layers; k++) {
        size_t pre = (size_t)batch * L[k].channels * L[k].convHeight * L[k].convWidth * 4;
        ok = allocate(z[k], pre);
        if (ok && L[k].conv && L[k].pooling != EQP_POOL_NONE) ok = allocate(routed[k], pre);
        if (ok && L[k].conv && L[k].pooling == EQP_POOL_MAX) ok = allocate(winners[k], (size_t)batch * L[k].units * 4);
        if (ok && k + 1 < layers) ok = allocate(fb[k], (size_t)batch * L[k].units * 4);
    }
    if (ok && persistent) ok = allocate(tileSteps, (size_t)tiles * 4) && allocate(tileResiduals, (size_t)tiles * 4);
    if (ok && useDnn && workspace.bytes > 0) ok = allocate(workspace, workspace.bytes);
    if (!ok) return -2;
    return 0;
}

bool Session::dnn(int status, const char* what) {
    if (status == 0) return true;
    fail(std::string("cuDNN ") + what + " failed: " + vendor->dnnError(status));
    return false;
}

/** cuDNN's descriptors, algorithms and the largest workspace of every convolution of the chain. */
bool Session::planConvolutions() {
    const CudnnApi& d = vendor->dnn();
    CudnnHandle h = vendor->dnnHandle();
    size_t most = 0;
    int mathType = precision == EQP_TF32 ? EQP_CUDNN_TENSOR_OP_MATH : EQP_CUDNN_FMA_MATH;
    for (int k = 0; k < layers; k++) {
        const Layer& l = L[k];
        if (!l.conv) continue;
        ConvPlan& p = plans[k];
        bool ok = dnn(d.cudnnCreateTensorDescriptor(&p.lower), "descriptor")
                && dnn(d.cudnnSetTensor4dDescriptor(p.lower, EQP_CUDNN_TENSOR_NCHW, EQP_CUDNN_DATA_FLOAT, batch,
                                                    l.lowerChannels, l.lowerHeight, l.lowerWidth), "lower map")
                && dnn(d.cudnnCreateTensorDescriptor(&p.upper), "descriptor")
                && dnn(d.cudnnSetTensor4dDescriptor(p.upper, EQP_CUDNN_TENSOR_NCHW, EQP_CUDNN_DATA_FLOAT, batch,
                                                    l.channels, l.convHeight, l.convWidth), "convolution map")
                && dnn(d.cudnnCreateFilterDescriptor(&p.filter), "descriptor")
                && dnn(d.cudnnSetFilter4dDescriptor(p.filter, EQP_CUDNN_DATA_FLOAT, EQP_CUDNN_TENSOR_NCHW, l.channels,
                                                    l.lowerChannels, l.kernel, l.kernel), "filter")
                && dnn(d.cudnnCreateConvolutionDescriptor(&p.conv), "descriptor")
                && dnn(d.cudnnSetConvolution2dDescriptor(p.conv, l.padding, l.padding, l.stride, l.stride, 1, 1,
                                                         EQP_CUDNN_CROSS_CORRELATION, EQP_CUDNN_DATA_FLOAT),
                       "convolution")
                && dnn(d.cudnnSetConvolutionMathType(p.conv, mathType), "math type");
        CudnnAlgoPerf perf;
        int found = 0;
        size_t bytes = 0;
        ok = ok && dnn(d.cudnnGetConvolutionForwardAlgorithm_v7(h, p.lower, p.filter, p.conv, p.upper, 1, &found,
                                                                 &perf), "forward algorithm")
                && found > 0 && perf.status == 0;
        if (ok) p.forward = perf.algo;
        ok = ok && dnn(d.cudnnGetConvolutionForwardWorkspaceSize(h, p.lower, p.filter, p.conv, p.upper, p.forward,
                                                                 &bytes), "forward workspace");
        most = std::max(most, bytes);
        if (ok && k > 0) {
            ok = dnn(d.cudnnGetConvolutionBackwardDataAlgorithm_v7(h, p.filter, p.upper, p.conv, p.lower, 1, &found,
                                                                    &perf), "backward-data algorithm")
                    && found > 0 && perf.status == 0;
            if (ok) p.backwardData = perf.algo;
            ok = ok && dnn(d.cudnnGetConvolutionBackwardDataWorkspaceSize(h, p.filter, p.upper, p.conv, p.lower,
                                                                          p.backwardData, &bytes), "workspace");
            most = std::max(most, bytes);
        }
        if (ok) {
            ok = dnn(d.cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, p.lower, p.upper, p.conv, p.filter, 1, &found,
                                                                      &perf), "backward-filter algorithm")
                    && found > 0 && perf.status == 0;
            if (ok) p.backwardFilter = perf.algo;
            ok = ok && dnn(d.cudnnGetConvolutionBackwardFilterWorkspaceSize(h, p.lower, p.upper, p.conv, p.filter,
                                                                            p.backwardFilter, &bytes), "workspace");
            most = std::max(most, bytes);
        }
        if (!ok) return false;
    }
    workspace.bytes = most;
    return true;
}

/** Row-major C[m×n] = alpha · op(A) · op(B) + beta · C through cuBLAS (column-major: Cᵀ = op(B)ᵀ · op(A)ᵀ). */
bool Session::sgemm(int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                    int ldb, float beta, float* c, int ldc) {
    if (!vendor->cublasMath(precision)) {
        fail("cublasSetMathMode failed");
        return false;
    }
    int s = vendor->blas().cublasSgemm_v2(vendor->blasHandle(), tb ? EQP_CUBLAS_OP_T : EQP_CUBLAS_OP_N,
                                          ta ? EQP_CUBLAS_OP_T : EQP_CUBLAS_OP_N, n, m, k, &alpha, b, ldb, a, lda,
                                          &beta, c, ldc);
    counters.launches++;
    if (s != 0) {
        fail("cublasSgemm failed (status " + std::to_string(s) + ")");
        return false;
    }
    return true;
}

/** gw [L, n] := scale · (aLowerᵀ aUpper − bLowerᵀ bUpper) for a dense layer (thesis eq. 5.22). */
bool Session::denseContrast(int k, const float* lowerA, const float* upperA, const float* lowerB,
                            const float* upperB, int ldLower, float scale, float* gw) {
    const Layer& l = L[k];
    if (useBlas) {
        return sgemm(1, 0, (int)l.lowerUnits, l.channels, batch, scale, lowerA, ldLower, upperA, stride(k), 0.0f, gw,
                     l.channels)
                && sgemm(1, 0, (int)l.lowerUnits, l.channels, batch, -scale, lowerB, ldLower, upperB, stride(k), 1.0f,
                         gw, l.channels);
    }
    EqpDenseContrastParams d{lowerA, upperA, lowerB, upperB, ldLower, stride(k), batch, (int)l.lowerUnits, l.channels,
                             scale, gw, precision};
    dim3 g2((l.channels + EQP_GRAD_TILE - 1) / EQP_GRAD_TILE, ((int)l.lowerUnits + EQP_GRAD_TILE - 1) / EQP_GRAD_TILE);
    return dev.launch("eqp_dense_contrast", g2, 0, &d, &counters);
}

// ---- launches ---------------------------------------------------------------------------------------------------

EqpIgemmParams Session::igemmShape(int k) const {
    const Layer& l = L[k];
    EqpIgemmParams p;
    std::memset(&p, 0, sizeof p);
    p.batch = batch;
    p.precision = precision;
    if (l.conv) {
        p.channels = l.lowerChannels;
        p.height = l.lowerHeight;
        p.width = l.lowerWidth;
        p.out_channels = l.channels;
        p.kernel_h = p.kernel_w = l.kernel;
        p.stride = l.stride;
        p.padding = l.padding;
        p.out_h = l.convHeight;
        p.out_w = l.convWidth;
    } else {
        // W_k [n_{k−1}, n_k] is the weight [O = n_{k−1}, C = n_k] of a 1×1 convolution on 1×1 maps: s_{k−1} W_k is its
        // transpose product, s_k W_kᵀ its forward product
        p.channels = l.channels;
        p.height = p.width = 1;
        p.out_channels = (int)l.lowerUnits;
        p.kernel_h = p.kernel_w = 1;
        p.stride = 1;
        p.padding = 0;
        p.out_h = p.out_w = 1;
    }
    return p;
}

bool Session::igemm(const EqpIgemmParams& shape, int mode, float alpha, int accumulate, const float* w,
                    const float* lower, const float* upper, float* o, const int* stop) {
    EqpIgemmParams p = shape;
    p.mode = mode;
    p.alpha = alpha;
    p.accumulate = accumulate;
    p.weights = w;
    p.lower = lower;
    p.upper = upper;
    p.out = o;
    p.stop = stop;
    int m, n, kk;
    eqp_igemm_dims(p, &m, &n, &kk);
    dim3 grid((n + EQP_IGEMM_BN - 1) / EQP_IGEMM_BN, (m + EQP_IGEMM_BM - 1) / EQP_IGEMM_BM);
    return dev.launch(eqp_igemm_kernel(p.precision), grid, 0, &p, &counters);
}

/** out = the product of layer k's weights with the lower state: w_k ⋆ s_{k−1} (before pooling), or s_{k−1} W_k. */
bool Session::upward(int k, const float* lower, float* o, const int* stop) {
    if (L[k].conv && useDnn) {
        const float one = 1.0f, zero = 0.0f;
        const ConvPlan& p = plans[k];
        counters.launches++;
        return dnn(vendor->dnn().cudnnConvolutionForward(vendor->dnnHandle(), &one, p.lower, lower, p.filter,
                                                         weights(k), p.conv, p.forward, workspace.f(),
                                                         workspace.ptr ? workspace.bytes : 0, &zero, p.upper, o),
                   "forward convolution");
    }
    if (!L[k].conv && useBlas) {
        return sgemm(0, 0, batch, L[k].channels, (int)L[k].lowerUnits, 1.0f, lower, (int)L[k].lowerUnits, weights(k),
                     L[k].channels, 0.0f, o, L[k].channels);
    }
    int mode = L[k].conv ? EQP_IGEMM_CONV_FWD : EQP_IGEMM_CONV_TRANSPOSE;
    if (L[k].conv) return igemm(igemmShape(k), mode, 1.0f, 0, weights(k), lower, 0, o, stop);
    return igemm(igemmShape(k), mode, 1.0f, 0, weights(k), 0, lower, o, stop);
}

/** out = layer k's feedback to layer k−1: w_k ⋆ᵀ P⁻¹(s_k), or s_k W_kᵀ. */
bool Session::feedback(int k, const float* upper, const int* win, float* o, const int* stop) {
    const Layer& l = L[k];
    if (!l.conv && useBlas) {
        return sgemm(0, 1, batch, (int)l.lowerUnits, l.channels, 1.0f, upper, l.channels, weights(k), l.channels, 0.0f,
                     o, (int)l.lowerUnits);
    }
    if (!l.conv) return igemm(igemmShape(k), EQP_IGEMM_CONV_FWD, 1.0f, 0, weights(k), upper, 0, o, stop);
    const float* g = upper;
    if (l.pooling != EQP_POOL_NONE) {
        EqpUnpoolParams u{batch, l.channels, l.height, l.width, l.pool, l.pooling, upper, win, routed[k].f(), stop};
        if (!dev.launch("eqp_unpool", dim3(elementwise_blocks((int)(batch * l.units))), 0, &u, &counters)) return false;
        g = routed[k].f();
    }
    if (useDnn) {
        const float one = 1.0f, zero = 0.0f;
        const ConvPlan& p = plans[k];
        counters.launches++;
        return dnn(vendor->dnn().cudnnConvolutionBackwardData(vendor->dnnHandle(), &one, p.filter, weights(k), p.upper,
                                                              g, p.conv, p.backwardData, workspace.f(),
                                                              workspace.ptr ? workspace.bytes : 0, &zero, p.lower, o),
                   "transposed convolution");
    }
    return igemm(igemmShape(k), EQP_IGEMM_CONV_TRANSPOSE, 1.0f, 0, weights(k), 0, g, o, stop);
}

bool Session::convStep(int k, const float* conv, const float* baseDrive, const float* feedbackDrive,
                       const float* extraForce, const float* stateIn, float* next, float* driveOut, bool top,
                       float beta, bool measure, const int* stop) {
    const Layer& l = L[k];
    EqpConvStepParams p;
    std::memset(&p, 0, sizeof p);
    p.batch = batch;
    p.channels = l.channels;
    p.pooled_h = l.height;
    p.pooled_w = l.width;
    p.pool = l.pool;
    p.pooling = l.pooling;
    p.conv = conv;
    p.base = baseDrive;
    p.bias = bias(k);
    p.feedback = feedbackDrive;
    p.extra = extraForce;
    p.state = stateIn;
    p.next = next;
    p.drive_out = driveOut;
    p.winners = conv && l.pooling == EQP_POOL_MAX ? winners[k].i() : 0;
    p.rule = rule;
    p.force = top && forceKind == EQP_FORCE_SQUARED && beta != 0.0f ? EQP_FORCE_SQUARED : EQP_FORCE_NONE;
    p.beta = beta;
    p.force_scale = forceScale;
    p.labels = p.force == EQP_FORCE_SQUARED ? labels.f() : 0;
    p.residual_bits = measure ? residualSlot() : 0;
    p.stop = stop;
    return dev.launch("eqp_conv_step", dim3(elementwise_blocks((int)(batch * l.units))), 0, &p, &counters);
}

bool Session::elementwise(const char* kernel, void* p, long long n) {
    return dev.launch(kernel, dim3(elementwise_blocks((int)std::min<long long>(n, 1 << 30))), 0, p, &counters);
}

/** Layer k's max-pooling switches at the lower state (the feedback of the layer below needs them). */
bool Session::switches(int k, const float* lower, const float* stateIn) {
    if (!upward(k, lower, z[k].f(), stopFlag())) return false;
    return convStep(k, z[k].f(), 0, 0, 0, stateIn, state(work[1], k), 0, false, 0.0f, false, stopFlag());
}

// ---- the layered relaxation ------------------------------------------------------------------------------------

/** One step from work[0] (synchronous: into work[1]; alternating: in place, even layers then odd ones). */
bool Session::layeredStep(float beta) {
    const int* stop = stopFlag();
    int top = layers - 1;
    float* force = 0;
    for (int pass = 0; pass < (alternating ? 2 : 1); pass++) {
        const Buffer& cur = work[0];
        const Buffer& nxt = alternating ? work[0] : work[1];
        for (int k = top; k >= 0; k--) {
            bool moves = !alternating || k % 2 == pass;
            if (!moves) {
                // a layer that stays: only its switches, when the layer below moves and needs its feedback
                if (k > 0 && L[k].conv && L[k].pooling == EQP_POOL_MAX && !switches(k, state(cur, k - 1), state(cur, k))) {
                    return false;
                }
                continue;
            }
            const float* fbk = 0;
            if (k < top) {
                if (!feedback(k + 1, state(cur, k + 1), winners[k + 1].i(), fb[k].f(), stop)) return false;
                fbk = fb[k].f();
            }
            force = 0;
            if (k == top && beta != 0.0f && forceKind == EQP_FORCE_SOFTMAX) {
                EqpReadoutForceParams r{batch, (int)L[top].units, classes, state(cur, top), readoutW.f(), readoutB.f(),
                                        labels.f(), beta, extra.f(), stop};
                if (!dev.launch("eqp_readout_force", dim3(batch), 0, &r, &counters)) return false;
                force = extra.f();
            } else if (k == top && beta != 0.0f && forceKind == EQP_FORCE_HELD) {
                force = extra.f();
            }
            const float* zk = 0;
            if (k > 0) {
                if (!upward(k, state(cur, k - 1), z[k].f(), stop)) return false;
                zk = z[k].f();
            }
            if (!convStep(k, zk, k == 0 ? base.f() : 0, fbk, force, state(cur, k), state(nxt, k), 0, k == top, beta,
                          true, stop)) {
                return false;
            }
        }
    }
    return true;
}

bool Session::relaxLayered(float beta, int maxSteps, float tolerance, int* stats) {
    if (!dev.zero(control.ptr, sizeof(EqpPhaseControl))) return false;
    if (forceKind == EQP_FORCE_HELD && beta != 0.0f) {
        EqpScaleParams s{(long long)batch * (long long)L[layers - 1].units, -beta, labels.f(), extra.f()};
        if (!elementwise("eqp_scale", &s, s.n)) return false;
    }
    EqpStepControlParams c{reinterpret_cast<EqpPhaseControl*>(control.ptr), tolerance};
    // step t reads work[0] and (synchronous) writes work[1]: the buffers swap roles every step, and the host does
    // not know how many steps the device took, so the phase ends with the even buffer back in work[0]
    const Buffer even = work[0], odd = work[1];
    bool poll = (useDnn || useBlas) && tolerance > 0;
    EqpPhaseControl result;
    int first = 0;
    if (!useDnn && !useBlas && maxSteps >= 2 && dev.graphsAvailable()) {
        // the own kernels read the stop flag: the phase's steps replay a two-step graph, one launch per two steps
        CUgraphExec exec = stepGraph(beta, tolerance, even, odd);
        if (!exec) return false;
        for (; first + 2 <= maxSteps; first += 2) {
            if (!dev.launchGraph(exec, &counters)) return false;
        }
    }
    for (int t = first; t < maxSteps; t++) {
        if (!alternating) {
            work[0] = t % 2 == 0 ? even : odd;
            work[1] = t % 2 == 0 ? odd : even;
        }
        bool ok = layeredStep(beta) && dev.launch("eqp_step_control", dim3(1), 0, &c, &counters);
        if (!ok) {
            work[0] = even;
            work[1] = odd;
            return false;
        }
        if (poll && (t + 1) % POLL_STEPS == 0 && t + 1 < maxSteps) {
            // library calls do not read the stop flag: ask the device now and then instead of every step
            if (!dev.download(&result, control.ptr, sizeof result, &counters)) return false;
            if (result.stop) break;
        }
    }
    work[0] = even;
    work[1] = odd;
    if (!dev.download(&result, control.ptr, sizeof result, &counters)) return false;
    stats[EQP_STAT_STEPS] = result.steps;
    stats[EQP_STAT_RESIDUAL_BITS] = result.residual_bits;
    stats[EQP_STAT_CONVERGED] = result.converged;
    stats[EQP_STAT_NONFINITE] = result.nonfinite;
    return true;
}

/** The graph of two layered steps with this β and tolerance (captured on first use, kept for the session). */
CUgraphExec Session::stepGraph(float beta, float tolerance, const Buffer& even, const Buffer& odd) {
    for (StepGraph& g : graphs) {
        if (g.beta == beta && g.tolerance == tolerance) return g.exec;
    }
    EqpStepControlParams c{reinterpret_cast<EqpPhaseControl*>(control.ptr), tolerance};
    if (!dev.beginCapture()) return 0;
    bool ok = true;
    for (int t = 0; ok && t < 2; t++) {
        // synchronous: the buffers swap roles every step; alternating: in place in the even one (the odd one is the
        // scratch of the layers that only compute their switches)
        bool swap = !alternating && t == 1;
        work[0] = swap ? odd : even;
        work[1] = swap ? even : odd;
        ok = layeredStep(beta) && dev.launch("eqp_step_control", dim3(1), 0, &c, &counters);
    }
    work[0] = even;
    work[1] = odd;
    CUgraphExec exec = dev.endCapture();   // ends the capture whatever happened
    if (!ok || !exec) {
        dev.destroyGraph(exec);
        return 0;
    }
    // the captured launches did not run: they are not this iteration's launches
    graphs.push_back({beta, tolerance, exec});
    return exec;
}

bool Session::relaxPersistent(int slotIndex, int from, float beta, int maxSteps, float tolerance, int* stats) {
    EqpDenseRelaxParams p;
    std::memset(&p, 0, sizeof p);
    p.layers = layers;
    for (int k = 0; k < layers; k++) {
        p.widths[k] = (int)L[k].units;
        p.offsets[k] = (int)L[k].offset;
        if (k > 0) {
            p.weights[k] = weights(k);
            p.bias[k] = bias(k);
        }
    }
    p.total = (int)totalUnits;
    p.input_drive = base.f();
    p.start = from < 0 ? work[0].f() : slots[from].f();
    p.out = slots[slotIndex].f();
    p.residual_bits = tileResiduals.i();
    p.steps = tileSteps.i();
    p.batch = batch;
    p.tile = tile;
    p.phases = 1;
    p.phase_steps[0] = maxSteps;
    p.phase_beta[0] = beta;
    p.phase_from[0] = -1;
    p.rule = rule;
    p.alternating = alternating;
    p.tolerance = tolerance;
    p.force = beta == 0.0f ? EQP_FORCE_NONE : forceKind;
    p.force_scale = forceScale;
    p.labels = p.force == EQP_FORCE_NONE ? 0 : labels.f();
    p.readout_w = p.force == EQP_FORCE_SOFTMAX ? readoutW.f() : 0;
    p.readout_b = p.force == EQP_FORCE_SOFTMAX ? readoutB.f() : 0;
    p.classes = p.force == EQP_FORCE_SOFTMAX ? classes : 0;
    p.precision = precision;
    size_t smem = sizeof(float) * (size_t)eqp_dense_shared_floats(p.total, p.classes, p.tile, p.layers);
    if (!dev.launch("eqp_dense_relax", dim3(tiles), smem, &p, &counters)) return false;
    std::vector<int> steps(tiles), residuals(tiles);
    if (!dev.download(steps.data(), tileSteps.ptr, tiles * 4, &counters)
            || !dev.download(residuals.data(), tileResiduals.ptr, tiles * 4, &counters)) {
        return false;
    }
    int maxStep = 0, maxBits = 0;
    for (int t = 0; t < tiles; t++) {
        maxStep = std::max(maxStep, steps[t]);
        maxBits = std::max(maxBits, residuals[t]);   // non-negative floats order as their bits; +inf / NaN last
    }
    float r;
    std::memcpy(&r, &maxBits, 4);
    bool finite = (maxBits & 0x7f800000) != 0x7f800000;
    stats[EQP_STAT_STEPS] = maxStep;
    stats[EQP_STAT_RESIDUAL_BITS] = finite ? maxBits : 0x7f800000;
    stats[EQP_STAT_CONVERGED] = finite && tolerance > 0 && r <= tolerance;
    stats[EQP_STAT_NONFINITE] = !finite;
    return true;
}

// ---- phases -----------------------------------------------------------------------------------------------------

int Session::freePhase(const float* xs, const float* ps, int maxSteps, float tolerance, float* output, int* stats) {
    if (maxSteps < 1) return fail("a phase needs at least 1 step");
    if (!(tolerance >= 0)) return fail("tolerance must be >= 0");
    DeviceScope scope(dev);
    if (!scope.ok() || !alive()) return -2;
    size_t set = (size_t)batch * totalUnits * 4;
    bool ok = dev.upload(x.ptr, xs, (size_t)batch * L[0].lowerUnits * 4, &counters)
            && dev.upload(params.ptr, ps, paramCount * 4, &counters) && dev.zero(work[0].ptr, set);
    // the input drive ∂Φ_1/∂s_1(x) = P(w_1 ⋆ x) + b_1 (or W_1ᵀ x + b_1), once for every phase of the iteration
    ok = ok && upward(0, x.f(), z[0].f(), 0)
            && convStep(0, z[0].f(), 0, 0, 0, state(work[0], 0), state(work[1], 0), base.f(), false, 0.0f, false, 0);
    if (!ok) return gpuError();
    if (persistent) {
        ok = relaxPersistent(0, -1, 0.0f, maxSteps, tolerance, stats);
        if (ok) {
            const Layer& top = L[layers - 1];
            EqpGatherParams g{batch, (int)top.units, slots[0].f(), (int)totalUnits, (int)top.offset, out.f()};
            ok = elementwise("eqp_gather", &g, (long long)batch * top.units);
        }
    } else {
        ok = relaxLayered(0.0f, maxSteps, tolerance, stats);
        if (ok) {
            if (alternating) {
                ok = dev.copy(slots[0].ptr, work[0].ptr, set);
            } else {
                EqpSelectCopyParams s{reinterpret_cast<EqpPhaseControl*>(control.ptr), work[0].f(), work[1].f(),
                                      slots[0].f(), (long long)(set / 4)};
                ok = elementwise("eqp_select_copy", &s, s.n);
            }
        }
    }
    // s_N of the free phase: contiguous in a layered slot, gathered out of the packed rows of a persistent one
    CUdeviceptr top = persistent ? out.ptr : reinterpret_cast<CUdeviceptr>(state(slots[0], layers - 1));
    ok = ok && dev.download(output, top, (size_t)batch * L[layers - 1].units * 4, &counters);
    if (!ok) return gpuError();
    freeDone = true;
    return 0;
}

int Session::setForce(int kind, const float* ys, int nClasses, const float* w, const float* b, float scale) {
    const Layer& top = L[layers - 1];
    if (kind != EQP_FORCE_SQUARED && kind != EQP_FORCE_SOFTMAX && kind != EQP_FORCE_HELD) {
        return fail("force must be squared (1), softmax (2) or held (3)");
    }
    if (kind == EQP_FORCE_SOFTMAX && (nClasses < 1 || nClasses > EQP_MAX_CLASSES || !w || !b)) {
        return fail("a softmax readout needs 1 to 1024 classes, its weights and its bias");
    }
    if (!ys) return fail("the force needs its labels (or ε)");
    DeviceScope scope(dev);
    if (!scope.ok() || !alive()) return -2;
    size_t labelFloats = (size_t)batch * (kind == EQP_FORCE_SOFTMAX ? nClasses : top.units);
    if (labels.bytes < labelFloats * 4) {
        if (labels.ptr) return fail("the force's size changed within a session");
        size_t most = (size_t)batch * std::max<size_t>(top.units, kind == EQP_FORCE_SOFTMAX ? nClasses : 0);
        if (!allocate(labels, most * 4) || !allocate(extra, (size_t)batch * top.units * 4)) return -2;
    }
    bool ok = dev.upload(labels.ptr, ys, labelFloats * 4, &counters);
    if (ok && kind == EQP_FORCE_SOFTMAX) {
        if (!readoutW.ptr && !(allocate(readoutW, top.units * nClasses * 4) && allocate(readoutB, nClasses * 4))) {
            return -2;
        }
        if (readoutW.bytes != top.units * nClasses * 4) return fail("the readout's size changed within a session");
        ok = dev.upload(readoutW.ptr, w, top.units * nClasses * 4, &counters)
                && dev.upload(readoutB.ptr, b, nClasses * 4, &counters);
    }
    if (!ok) return gpuError();
    forceKind = kind;
    classes = kind == EQP_FORCE_SOFTMAX ? nClasses : 0;
    forceScale = scale;
    return 0;
}

int Session::nudgedPhase(int slot, float beta, int maxSteps, float tolerance, int* stats) {
    if (slot != 1 && slot != 2) return fail("a nudged phase goes into slot 1 or 2");
    if (!freeDone) return fail("run the free phase first");
    if (forceKind == EQP_FORCE_NONE) return fail("set the nudging force first");
    if (maxSteps < 1) return fail("a phase needs at least 1 step");
    if (!(tolerance >= 0)) return fail("tolerance must be >= 0");
    DeviceScope scope(dev);
    if (!scope.ok() || !alive()) return -2;
    size_t set = (size_t)batch * totalUnits * 4;
    bool ok;
    if (persistent) {
        ok = relaxPersistent(slot, 0, beta, maxSteps, tolerance, stats);
    } else {
        ok = dev.copy(work[0].ptr, slots[0].ptr, set) && relaxLayered(beta, maxSteps, tolerance, stats);
        if (ok && alternating) {
            ok = dev.copy(slots[slot].ptr, work[0].ptr, set);
        } else if (ok) {
            EqpSelectCopyParams s{reinterpret_cast<EqpPhaseControl*>(control.ptr), work[0].f(), work[1].f(),
                                  slots[slot].f(), (long long)(set / 4)};
            ok = elementwise("eqp_select_copy", &s, s.n);
        }
    }
    return ok ? 0 : gpuError();
}

int Session::gradient(int a, int b, float scale, float* out) {
    if (a < 0 || a >= SLOTS || b < 0 || b >= SLOTS || a == b) return fail("gradient slots must be two of 0, 1, 2");
    if (!freeDone) return fail("run the phases first");
    DeviceScope scope(dev);
    if (!scope.ok() || !alive()) return -2;
    bool ok = true;
    for (int k = 0; ok && k < layers; k++) {
        const Layer& l = L[k];
        const float* lowerA = k == 0 ? x.f() : state(slots[a], k - 1);
        const float* lowerB = k == 0 ? x.f() : state(slots[b], k - 1);
        int ldLower = k == 0 ? (int)l.lowerUnits : stride(k - 1);
        float* gw = grad.f() + l.wOffset;
        if (l.conv) {
            EqpIgemmParams shape = igemmShape(k);
            for (int side = 0; ok && side < 2; side++) {
                const float* lower = side == 0 ? lowerA : lowerB;
                const float* upper = state(slots[side == 0 ? a : b], k);
                const float* g = upper;
                if (l.pooling != EQP_POOL_NONE) {
                    if (l.pooling == EQP_POOL_MAX) {
                        ok = igemm(shape, EQP_IGEMM_CONV_FWD, 1.0f, 0, weights(k), lower, 0, z[k].f(), 0)
                                && convStep(k, z[k].f(), 0, 0, 0, upper, state(work[1], k), 0, false, 0.0f, false, 0);
                    }
                    EqpUnpoolParams u{batch, l.channels, l.height, l.width, l.pool, l.pooling, upper, winners[k].i(),
                                      routed[k].f(), 0};
                    ok = ok && elementwise("eqp_unpool", &u, (long long)batch * l.units);
                    g = routed[k].f();
                }
                if (ok && useDnn) {
                    const float alpha = side == 0 ? scale : -scale, beta = side == 0 ? 0.0f : 1.0f;
                    const ConvPlan& p = plans[k];
                    counters.launches++;
                    ok = dnn(vendor->dnn().cudnnConvolutionBackwardFilter(vendor->dnnHandle(), &alpha, p.lower, lower,
                                                                          p.upper, g, p.conv, p.backwardFilter,
                                                                          workspace.f(), workspace.ptr ?
                                                                          workspace.bytes : 0, &beta, p.filter, gw),
                             "weight gradient");
                } else {
                    ok = ok && igemm(shape, EQP_IGEMM_CONV_WGRAD, side == 0 ? scale : -scale, side, weights(k), lower,
                                     g, gw, 0);
                }
            }
        } else {
            ok = denseContrast(k, lowerA, state(slots[a], k), lowerB, state(slots[b], k), ldLower, scale, gw);
        }
        EqpChannelContrastParams c{state(slots[a], k), state(slots[b], k), stride(k), batch, l.channels,
                                   l.height * l.width, scale, grad.f() + l.bOffset};
        ok = ok && dev.launch("eqp_channel_contrast", dim3(l.channels), 0, &c, &counters);
    }
    ok = ok && dev.download(out, grad.ptr, paramCount * 4, &counters);
    return ok ? 0 : gpuError();
}

int Session::readStates(int slot, float* outStates) {
    if (slot < 0 || slot >= SLOTS) return fail("slots are 0, 1 and 2");
    DeviceScope scope(dev);
    if (!scope.ok() || !alive()) return -2;
    std::vector<float> host((size_t)batch * totalUnits);
    if (!dev.download(host.data(), slots[slot].ptr, host.size() * 4, &counters)) return -2;
    if (!persistent) {
        std::memcpy(outStates, host.data(), host.size() * 4);
        return 0;
    }
    float* o = outStates;
    for (int k = 0; k < layers; k++) {
        for (int e = 0; e < batch; e++) {
            std::memcpy(o, host.data() + (size_t)e * totalUnits + L[k].offset, L[k].units * 4);
            o += L[k].units;
        }
    }
    return 0;
}

// ---- the registry of sessions -----------------------------------------------------------------------------------

std::mutex registryMutex;
std::map<long long, std::unique_ptr<Session>> registry;
long long nextHandle = 1;

Session* find(long long handle) {
    std::lock_guard<std::mutex> lock(registryMutex);
    auto it = registry.find(handle);
    if (it == registry.end()) {
        fail("no session " + std::to_string(handle) + " (destroyed, or never created)");
        return 0;
    }
    return it->second.get();
}

}  // namespace

long long session_create_on(Device& dev, const int* icfg, const float* fcfg) {
    {
        DeviceScope scope(dev);
        if (!scope.ok()) return -1;
        if (!dev.moduleLoaded()) return fail("the CUDA module is not loaded (cuda_load_module first)");
    }
    std::unique_ptr<Session> s(new Session(dev));
    int r = s->configure(icfg, fcfg);
    if (r != 0) return r;
    std::lock_guard<std::mutex> lock(registryMutex);
    long long h = nextHandle++;
    registry[h] = std::move(s);
    return h;
}

long long session_create(const int* icfg, const float* fcfg) {
    return session_create_on(Device::primary(), icfg, fcfg);
}

int session_destroy(long long handle) {
    std::unique_ptr<Session> s;
    {
        std::lock_guard<std::mutex> lock(registryMutex);
        auto it = registry.find(handle);
        if (it == registry.end()) return fail("no session " + std::to_string(handle));
        s = std::move(it->second);
        registry.erase(it);
    }
    return 0;
}

int session_describe(long long handle, char* out, int capacity) {
    Session* s = find(handle);
    if (!s || capacity < 1) return -1;
    std::string d = std::string(s->persistent ? "persistent dense kernel" : "layered") + "; " + s->libraries;
    std::snprintf(out, (size_t)capacity, "%s", d.c_str());
    return (int)d.size();
}

int session_libraries(long long handle) {
    Session* s = find(handle);
    return s ? (s->useDnn ? 1 : 0) | (s->useBlas ? 2 : 0) : -1;
}

int session_mode(long long handle) {
    Session* s = find(handle);
    return s ? (s->persistent ? 0 : 1) : -1;
}

long long session_param_count(long long handle) {
    Session* s = find(handle);
    return s ? (long long)s->paramCount : -1;
}

int session_width(long long handle, int layer) {
    Session* s = find(handle);
    if (!s) return -1;
    if (layer < 0 || layer >= s->layers) return fail("no layer " + std::to_string(layer));
    return (int)s->L[layer].units;
}

int session_free_phase(long long handle, const float* x, const float* params, int maxSteps, float tolerance,
                       float* output, int* stats) {
    Session* s = find(handle);
    return s ? s->freePhase(x, params, maxSteps, tolerance, output, stats) : -1;
}

int session_set_force(long long handle, int kind, const float* labels, int classes, const float* readoutW,
                      const float* readoutB, float scale) {
    Session* s = find(handle);
    return s ? s->setForce(kind, labels, classes, readoutW, readoutB, scale) : -1;
}

int session_nudged_phase(long long handle, int slot, float beta, int maxSteps, float tolerance, int* stats) {
    Session* s = find(handle);
    return s ? s->nudgedPhase(slot, beta, maxSteps, tolerance, stats) : -1;
}

int session_gradient(long long handle, int slotA, int slotB, float scale, float* grad) {
    Session* s = find(handle);
    return s ? s->gradient(slotA, slotB, scale, grad) : -1;
}

int session_read_states(long long handle, int slot, float* out) {
    Session* s = find(handle);
    return s ? s->readStates(slot, out) : -1;
}

int session_counters(long long handle, long long* out) {
    Session* s = find(handle);
    if (!s) return -1;
    out[0] = s->counters.h2d_bytes;
    out[1] = s->counters.d2h_bytes;
    out[2] = s->counters.allocations;
    out[3] = s->counters.frees;
    out[4] = s->counters.launches;
    out[5] = s->counters.bytes_allocated;
    return 0;
}

int session_iteration(long long handle, const float* x, const float* params, int forceKind, const float* labels,
                      int classes, const float* readoutW, const float* readoutB, float forceScale, float beta,
                      int symmetric, int freeSteps, int nudgedSteps, float tolerance, float* output, float* grad,
                      int* stats) {
    if (!(beta > 0)) return fail("beta must be > 0");
    int r = session_free_phase(handle, x, params, freeSteps, tolerance, output, stats);
    if (r == 0) r = session_set_force(handle, forceKind, labels, classes, readoutW, readoutB, forceScale);
    if (r == 0) r = session_nudged_phase(handle, 1, beta, nudgedSteps, tolerance, stats + EQP_STAT_COUNT);
    if (r == 0 && symmetric) r = session_nudged_phase(handle, 2, -beta, nudgedSteps, tolerance, stats + 2 * EQP_STAT_COUNT);
    if (r == 0) r = session_gradient(handle, 1, symmetric ? 2 : 0, symmetric ? -1.0f / (2 * beta) : -1.0f / beta, grad);
    return r;
}

}  // namespace eqprop
