// vendor_standin.cpp: CPU stand-ins of the cuDNN and cuBLAS entry points the sessions use (eqprop_vendor.h), for
// the tests on machines without a GPU. Built twice: with -DEQP_STANDIN_CUDNN into libcudnn-standin.so and with
// -DEQP_STANDIN_CUBLAS into libcublas-standin.so. They run on the CPU stand-in driver's memory (device pointers are
// host pointers there) and compute with the CPU product of standin_gemm.h, with the libraries' semantics: NCHW float
// tensors, cross-correlation with padding and stride, the three convolution directions with alpha and beta (beta = 0:
// the output is not read), a workspace that must be as large as the size query said (it is used, as im2col's buffer),
// column-major SGEMM with transposes and leading dimensions, and TF32 math modes rounding the operands as tensor
// cores do. Every pointer is checked against the driver stand-in's live allocations (eqp_standin_bind_driver), and
// every descriptor against the data it describes: a wrong call is an error status, as in the real libraries.
#include "eqprop_common.cuh"
#include "eqprop_vendor.h"
#include "standin_gemm.h"

#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

namespace {

typedef int (*ValidRange)(const void*, size_t);
ValidRange validRange = 0;
std::mutex callsMutex;
long long calls[4] = {0, 0, 0, 0};

bool valid(const void* p, size_t bytes) {
    return p && (!validRange || validRange(p, bytes));
}

void count(int which) {
    std::lock_guard<std::mutex> lock(callsMutex);
    calls[which]++;
}

void roundAll(std::vector<float>& v, int precision) {
    if (precision == EQP_FP32) return;
    for (float& x : v) x = eqp_round(x, precision);
}

}  // namespace

extern "C" {

/** The driver stand-in's range check (Device calls this right after opening a stand-in library). */
void eqp_standin_bind_driver(void* check) {
    validRange = reinterpret_cast<ValidRange>(check);
}

}  // extern "C"

#ifdef EQP_STANDIN_CUDNN

namespace {

const int SUCCESS = 0, NOT_INITIALIZED = 1, BAD_PARAM = 3, EXECUTION_FAILED = 8, NOT_SUPPORTED = 9;

struct Handle {
    int magic = 0x0d1;
};

struct Tensor {
    int n = 0, c = 0, h = 0, w = 0;
    bool set = false;
    size_t bytes() const { return (size_t)n * c * h * w * 4; }
};

struct Filter {
    int k = 0, c = 0, h = 0, w = 0;
    bool set = false;
    size_t bytes() const { return (size_t)k * c * h * w * 4; }
};

struct Conv {
    int padH = 0, padW = 0, u = 1, v = 1, math = 0;
    bool set = false;
};

typedef eqprop::CudnnAlgoPerf Perf;   // the layout of cudnnConvolution*AlgoPerf_t

/** The geometry of one convolution call, checked against its descriptors. */
struct Geometry {
    int n, c, h, w, k, r, s, oh, ow, padH, padW, u, v, precision;
};

int geometry(const Tensor* x, const Filter* f, const Conv* cv, const Tensor* y, Geometry* g) {
    if (!x || !f || !cv || !y || !x->set || !f->set || !cv->set || !y->set) return BAD_PARAM;
    if (x->c != f->c || y->c != f->k || x->n != y->n) return BAD_PARAM;
    int oh = (x->h + 2 * cv->padH - f->h) / cv->u + 1;
    int ow = (x->w + 2 * cv->padW - f->w) / cv->v + 1;
    if (oh != y->h || ow != y->w) return BAD_PARAM;
    *g = Geometry{x->n, x->c, x->h, x->w, f->k, f->h, f->w, oh, ow, cv->padH, cv->padW, cv->u, cv->v,
                  cv->math == 1 || cv->math == 0 ? EQP_TF32 : EQP_FP32};
    return SUCCESS;
}

/** The workspace every direction asks for: one image's im2col (its columns are computed into it). */
size_t workspaceBytes(const Geometry& g) {
    return (size_t)g.c * g.r * g.s * g.oh * g.ow * 4;
}

void im2col(const Geometry& g, const float* x, float* col) {
    int positions = g.oh * g.ow;
    for (int c = 0; c < g.c; c++) {
        for (int i = 0; i < g.r; i++) {
            for (int j = 0; j < g.s; j++) {
                float* row = col + (size_t)((c * g.r + i) * g.s + j) * positions;
                for (int y = 0; y < g.oh; y++) {
                    int yy = y * g.u + i - g.padH;
                    for (int xo = 0; xo < g.ow; xo++) {
                        int xx = xo * g.v + j - g.padW;
                        bool in = yy >= 0 && yy < g.h && xx >= 0 && xx < g.w;
                        float value = in ? x[((size_t)c * g.h + yy) * g.w + xx] : 0.0f;
                        row[y * g.ow + xo] = g.precision == EQP_FP32 ? value : eqp_round(value, g.precision);
                    }
                }
            }
        }
    }
}

}  // namespace

extern "C" {

size_t cudnnGetVersion() {
    return 91900;
}

const char* cudnnGetErrorString(int status) {
    switch (status) {
        case SUCCESS: return "CUDNN_STATUS_SUCCESS";
        case NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
        case BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
        case EXECUTION_FAILED: return "CUDNN_STATUS_EXECUTION_FAILED";
        case NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
        default: return "CUDNN_STATUS_UNKNOWN";
    }
}

int cudnnCreate(void** h) {
    if (!h) return BAD_PARAM;
    *h = new Handle();
    return SUCCESS;
}

int cudnnDestroy(void* h) {
    delete static_cast<Handle*>(h);
    return SUCCESS;
}

int cudnnCreateTensorDescriptor(void** d) {
    *d = new Tensor();
    return SUCCESS;
}

int cudnnSetTensor4dDescriptor(void* d, int format, int type, int n, int c, int h, int w) {
    if (!d || format != 0 || type != 0 || n < 1 || c < 1 || h < 1 || w < 1) return format || type ? NOT_SUPPORTED
            : BAD_PARAM;
    *static_cast<Tensor*>(d) = Tensor{n, c, h, w, true};
    return SUCCESS;
}

int cudnnDestroyTensorDescriptor(void* d) {
    delete static_cast<Tensor*>(d);
    return SUCCESS;
}

int cudnnCreateFilterDescriptor(void** d) {
    *d = new Filter();
    return SUCCESS;
}

int cudnnSetFilter4dDescriptor(void* d, int type, int format, int k, int c, int h, int w) {
    if (!d || format != 0 || type != 0) return NOT_SUPPORTED;
    if (k < 1 || c < 1 || h < 1 || w < 1) return BAD_PARAM;
    *static_cast<Filter*>(d) = Filter{k, c, h, w, true};
    return SUCCESS;
}

int cudnnDestroyFilterDescriptor(void* d) {
    delete static_cast<Filter*>(d);
    return SUCCESS;
}

int cudnnCreateConvolutionDescriptor(void** d) {
    *d = new Conv();
    return SUCCESS;
}

int cudnnSetConvolution2dDescriptor(void* d, int padH, int padW, int u, int v, int dilH, int dilW, int mode,
                                    int type) {
    if (!d || padH < 0 || padW < 0 || u < 1 || v < 1) return BAD_PARAM;
    if (dilH != 1 || dilW != 1 || mode != 1 || type != 0) return NOT_SUPPORTED;
    Conv* c = static_cast<Conv*>(d);
    int math = c->math;
    *c = Conv{padH, padW, u, v, math, true};
    return SUCCESS;
}

int cudnnSetConvolutionMathType(void* d, int math) {
    if (!d || math < 0 || math > 3) return BAD_PARAM;
    static_cast<Conv*>(d)->math = math;
    return SUCCESS;
}

int cudnnDestroyConvolutionDescriptor(void* d) {
    delete static_cast<Conv*>(d);
    return SUCCESS;
}

static int algorithm(void* h, void* x, void* f, void* cv, void* y, int requested, int* returned, void* perf) {
    Geometry g;
    if (!h || !returned || !perf || requested < 1) return BAD_PARAM;
    int s = geometry(static_cast<Tensor*>(x), static_cast<Filter*>(f), static_cast<Conv*>(cv),
                     static_cast<Tensor*>(y), &g);
    if (s) return s;
    Perf p{1, SUCCESS, 0.0f, workspaceBytes(g), 1, static_cast<Conv*>(cv)->math, {0, 0, 0}};
    std::memcpy(perf, &p, sizeof p);
    *returned = 1;
    return SUCCESS;
}

static int workspace(void* h, void* x, void* f, void* cv, void* y, int algo, size_t* size) {
    Geometry g;
    if (!h || !size || algo != 1) return BAD_PARAM;
    int s = geometry(static_cast<Tensor*>(x), static_cast<Filter*>(f), static_cast<Conv*>(cv),
                     static_cast<Tensor*>(y), &g);
    if (s) return s;
    *size = workspaceBytes(g);
    return SUCCESS;
}

int cudnnGetConvolutionForwardAlgorithm_v7(void* h, void* x, void* f, void* cv, void* y, int requested,
                                           int* returned, void* perf) {
    return algorithm(h, x, f, cv, y, requested, returned, perf);
}

int cudnnGetConvolutionForwardWorkspaceSize(void* h, void* x, void* f, void* cv, void* y, int algo, size_t* size) {
    return workspace(h, x, f, cv, y, algo, size);
}

int cudnnGetConvolutionBackwardDataAlgorithm_v7(void* h, void* f, void* dy, void* cv, void* dx, int requested,
                                                int* returned, void* perf) {
    return algorithm(h, dx, f, cv, dy, requested, returned, perf);
}

int cudnnGetConvolutionBackwardDataWorkspaceSize(void* h, void* f, void* dy, void* cv, void* dx, int algo,
                                                 size_t* size) {
    return workspace(h, dx, f, cv, dy, algo, size);
}

int cudnnGetConvolutionBackwardFilterAlgorithm_v7(void* h, void* x, void* dy, void* cv, void* dw, int requested,
                                                  int* returned, void* perf) {
    return algorithm(h, x, dw, cv, dy, requested, returned, perf);
}

int cudnnGetConvolutionBackwardFilterWorkspaceSize(void* h, void* x, void* dy, void* cv, void* dw, int algo,
                                                   size_t* size) {
    return workspace(h, x, dw, cv, dy, algo, size);
}

/** Checks a call: its geometry, the algorithm, the workspace's size, and every pointer's range. */
static int prepare(void* h, void* xd, const void* x, void* fd, const void* w, void* cv, int algo, void* ws,
                   size_t wsBytes, void* yd, const void* y, Geometry* g) {
    if (!h || algo != 1) return BAD_PARAM;
    int s = geometry(static_cast<Tensor*>(xd), static_cast<Filter*>(fd), static_cast<Conv*>(cv),
                     static_cast<Tensor*>(yd), g);
    if (s) return s;
    if (wsBytes < workspaceBytes(*g) || !valid(ws, workspaceBytes(*g))) return BAD_PARAM;
    if (!valid(x, static_cast<Tensor*>(xd)->bytes()) || !valid(w, static_cast<Filter*>(fd)->bytes())
            || !valid(y, static_cast<Tensor*>(yd)->bytes())) {
        return BAD_PARAM;
    }
    return SUCCESS;
}

int cudnnConvolutionForward(void* h, const void* alpha, void* xd, const void* x, void* fd, const void* w, void* cv,
                            int algo, void* ws, size_t wsBytes, const void* beta, void* yd, void* y) {
    Geometry g;
    int s = prepare(h, xd, x, fd, w, cv, algo, ws, wsBytes, yd, y, &g);
    if (s) return s;
    count(0);
    float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);
    int K = g.c * g.r * g.s, positions = g.oh * g.ow;
    std::vector<float> wt(static_cast<const float*>(w), static_cast<const float*>(w) + (size_t)g.k * K);
    roundAll(wt, g.precision);
    float* col = static_cast<float*>(ws);
    for (int n = 0; n < g.n; n++) {
        im2col(g, static_cast<const float*>(x) + (size_t)n * g.c * g.h * g.w, col);
        standin::sgemm(false, false, g.k, positions, K, a, wt.data(), K, col, positions, b,
                       static_cast<float*>(y) + (size_t)n * g.k * positions, positions);
    }
    return SUCCESS;
}

int cudnnConvolutionBackwardData(void* h, const void* alpha, void* fd, const void* w, void* dyd, const void* dy,
                                 void* cv, int algo, void* ws, size_t wsBytes, const void* beta, void* dxd, void* dx) {
    Geometry g;
    int s = prepare(h, dxd, dx, fd, w, cv, algo, ws, wsBytes, dyd, dy, &g);
    if (s) return s;
    count(1);
    float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);
    int K = g.c * g.r * g.s, positions = g.oh * g.ow, image = g.h * g.w;
    std::vector<float> wt(static_cast<const float*>(w), static_cast<const float*>(w) + (size_t)g.k * K);
    roundAll(wt, g.precision);
    float* col = static_cast<float*>(ws);
    std::vector<float> grad, img(image);
    for (int n = 0; n < g.n; n++) {
        const float* dyn = static_cast<const float*>(dy) + (size_t)n * g.k * positions;
        grad.assign(dyn, dyn + (size_t)g.k * positions);
        roundAll(grad, g.precision);
        standin::sgemm(true, false, K, positions, g.k, 1.0f, wt.data(), K, grad.data(), positions, 0.0f, col,
                       positions);
        for (int c = 0; c < g.c; c++) {
            std::fill(img.begin(), img.end(), 0.0f);
            for (int i = 0; i < g.r; i++) {
                for (int j = 0; j < g.s; j++) {
                    const float* row = col + (size_t)((c * g.r + i) * g.s + j) * positions;
                    for (int y = 0; y < g.oh; y++) {
                        int yy = y * g.u + i - g.padH;
                        if (yy < 0 || yy >= g.h) continue;
                        for (int xo = 0; xo < g.ow; xo++) {
                            int xx = xo * g.v + j - g.padW;
                            if (xx >= 0 && xx < g.w) img[yy * g.w + xx] += row[y * g.ow + xo];
                        }
                    }
                }
            }
            float* out = static_cast<float*>(dx) + ((size_t)n * g.c + c) * image;
            for (int q = 0; q < image; q++) out[q] = a * img[q] + (b == 0.0f ? 0.0f : b * out[q]);
        }
    }
    return SUCCESS;
}

int cudnnConvolutionBackwardFilter(void* h, const void* alpha, void* xd, const void* x, void* dyd, const void* dy,
                                   void* cv, int algo, void* ws, size_t wsBytes, const void* beta, void* dwd,
                                   void* dw) {
    Geometry g;
    int s = prepare(h, xd, x, dwd, dw, cv, algo, ws, wsBytes, dyd, dy, &g);
    if (s) return s;
    count(2);
    float a = *static_cast<const float*>(alpha), b = *static_cast<const float*>(beta);
    int K = g.c * g.r * g.s, positions = g.oh * g.ow;
    std::vector<float> sum((size_t)g.k * K, 0.0f), grad;
    float* col = static_cast<float*>(ws);
    for (int n = 0; n < g.n; n++) {
        im2col(g, static_cast<const float*>(x) + (size_t)n * g.c * g.h * g.w, col);
        const float* dyn = static_cast<const float*>(dy) + (size_t)n * g.k * positions;
        grad.assign(dyn, dyn + (size_t)g.k * positions);
        roundAll(grad, g.precision);
        standin::sgemm(false, true, g.k, K, positions, 1.0f, grad.data(), positions, col, positions, 1.0f, sum.data(),
                       K);
    }
    float* out = static_cast<float*>(dw);
    for (size_t i = 0; i < sum.size(); i++) out[i] = a * sum[i] + (b == 0.0f ? 0.0f : b * out[i]);
    return SUCCESS;
}

/** forward, backward-data and backward-filter calls so far. */
int eqp_cudnn_standin_calls(long long* out) {
    std::lock_guard<std::mutex> lock(callsMutex);
    for (int i = 0; i < 3; i++) out[i] = calls[i];
    return 0;
}

}  // extern "C"

#endif  // EQP_STANDIN_CUDNN

#ifdef EQP_STANDIN_CUBLAS

namespace {

const int SUCCESS = 0, NOT_INITIALIZED = 1, INVALID_VALUE = 7;

struct Handle {
    int math = 0;
};

}  // namespace

extern "C" {

int cublasCreate_v2(void** h) {
    if (!h) return INVALID_VALUE;
    *h = new Handle();
    return SUCCESS;
}

int cublasDestroy_v2(void* h) {
    delete static_cast<Handle*>(h);
    return SUCCESS;
}

int cublasGetVersion_v2(void* h, int* v) {
    if (!h || !v) return NOT_INITIALIZED;
    *v = 130000;
    return SUCCESS;
}

int cublasSetMathMode(void* h, int mode) {
    if (!h) return NOT_INITIALIZED;
    if (mode != 0 && mode != 2 && mode != 3) return INVALID_VALUE;
    static_cast<Handle*>(h)->math = mode;
    return SUCCESS;
}

/** Column-major C = alpha · op(A) · op(B) + beta · C (op(A) m×k, op(B) k×n). */
int cublasSgemm_v2(void* h, int ta, int tb, int m, int n, int k, const float* alpha, const float* a, int lda,
                   const float* b, int ldb, const float* beta, float* c, int ldc) {
    if (!h) return NOT_INITIALIZED;
    if (m < 0 || n < 0 || k < 0 || (ta != 0 && ta != 1) || (tb != 0 && tb != 1) || !alpha || !beta) {
        return INVALID_VALUE;
    }
    int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
    if (lda < std::max(1, aRows) || ldb < std::max(1, bRows) || ldc < std::max(1, m)) return INVALID_VALUE;
    if (m == 0 || n == 0) return SUCCESS;
    if ((k > 0 && (!valid(a, ((size_t)(aCols - 1) * lda + aRows) * 4) || !valid(b, ((size_t)(bCols - 1) * ldb + bRows)
            * 4))) || !valid(c, ((size_t)(n - 1) * ldc + m) * 4)) {
        return INVALID_VALUE;
    }
    count(3);
    std::vector<float> ar, br;
    int precision = static_cast<Handle*>(h)->math == 3 ? EQP_TF32 : EQP_FP32;
    if (precision != EQP_FP32 && k > 0) {
        ar.assign(a, a + ((size_t)(aCols - 1) * lda + aRows));
        br.assign(b, b + ((size_t)(bCols - 1) * ldb + bRows));
        roundAll(ar, precision);
        roundAll(br, precision);
        a = ar.data();
        b = br.data();
    }
    // column-major X (r×c, ld) is the row-major Xᵀ (c×r, row stride ld): Cᵀ = op(B)ᵀ op(A)ᵀ
    standin::sgemm(tb == 1, ta == 1, n, m, k, *alpha, b, ldb, a, lda, *beta, c, ldc);
    return SUCCESS;
}

/** SGEMM calls so far. */
int eqp_cublas_standin_calls(long long* out) {
    std::lock_guard<std::mutex> lock(callsMutex);
    out[0] = calls[3];
    return 0;
}

}  // extern "C"

#endif  // EQP_STANDIN_CUBLAS
