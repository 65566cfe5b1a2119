// eqprop_vendor.cpp: cuDNN and cuBLAS opened at run time (see eqprop_vendor.h).
#include "eqprop_vendor.h"
#include "eqprop_device.h"

#include <cstdlib>
#include <dlfcn.h>
#include <map>

namespace eqprop {

static std::mutex vendorsMutex;
static int vendorChoice = -1;   // -1: the environment decides (EQPROP_VENDOR); 0: none; 1: the libraries if present

void use_vendor_libraries(int on) {
    std::lock_guard<std::mutex> lock(vendorsMutex);
    vendorChoice = on;
}

bool vendor_libraries_wanted();

bool vendor_libraries_wanted() {
    if (vendorChoice >= 0) return vendorChoice != 0;
    const char* env = std::getenv("EQPROP_VENDOR");
    return !(env && std::string(env) == "none");
}

Vendor& Vendor::of(Device& device) {
    // one per device for the life of the process (kept reachable: the libraries stay open until exit)
    static std::map<Device*, Vendor*>* vendors = new std::map<Device*, Vendor*>();
    std::lock_guard<std::mutex> lock(vendorsMutex);
    Vendor*& v = (*vendors)[&device];
    if (!v) v = new Vendor(device);
    return *v;
}

template <typename F>
static bool bindTo(void* lib, F* slot, const char* name, std::string* why, const std::string& path) {
    *slot = reinterpret_cast<F>(dlsym(lib, name));
    if (!*slot) *why = path + " lacks " + name;
    return *slot != 0;
}

/** Opens the first of the candidates that loads; its path, or empty (with the reasons in why). */
static void* openFirst(const char* env, std::initializer_list<const char*> names, std::string* path,
                       std::string* why) {
    const char* named = std::getenv(env);
    std::string tried;
    if (named && *named) {
        void* h = dlopen(named, RTLD_NOW | RTLD_LOCAL);
        if (h) {
            *path = named;
            return h;
        }
        const char* e = dlerror();
        *why = std::string(env) + "=" + named + " does not load (" + (e ? e : "?") + ")";
        return 0;
    }
    for (const char* n : names) {
        void* h = dlopen(n, RTLD_NOW | RTLD_LOCAL);
        if (h) {
            *path = n;
            return h;
        }
        tried += (tried.empty() ? "" : ", ") + std::string(n);
    }
    *why = "not found (" + tried + "; set " + env + " to its path)";
    return 0;
}

/** A stand-in library checks its pointers against the stand-in driver's allocations. */
static void bindStandIn(void* lib, Device& device) {
    typedef void (*Bind)(void*);
    Bind bind = reinterpret_cast<Bind>(dlsym(lib, "eqp_standin_bind_driver"));
    if (bind) bind(device.symbol("eqp_standin_valid_range"));
}

void Vendor::openCudnn() {
    dnnTried_ = true;
    if (dnnLib_ == 0 && !vendor_libraries_wanted()) {
        dnnWhat_ = "off (EQPROP_VENDOR=none)";
        return;
    }
    std::string path = dnnPath_, why;
    if (!dnnLib_) dnnLib_ = openFirst("EQPROP_CUDNN", {"libcudnn.so.9", "/usr/local/cuda/lib64/libcudnn.so.9",
                                                     "libcudnn.so.8"}, &path, &why);
    dnnPath_ = path;
    if (!dnnLib_) {
        dnnWhat_ = "cuDNN " + why;
        return;
    }
#define EQP_DNN(f) bindTo(dnnLib_, &dnn_.f, #f, &why, path)
    bool ok = EQP_DNN(cudnnGetVersion) && EQP_DNN(cudnnGetErrorString) && EQP_DNN(cudnnCreate)
            && EQP_DNN(cudnnDestroy) && EQP_DNN(cudnnCreateTensorDescriptor) && EQP_DNN(cudnnSetTensor4dDescriptor)
            && EQP_DNN(cudnnDestroyTensorDescriptor) && EQP_DNN(cudnnCreateFilterDescriptor)
            && EQP_DNN(cudnnSetFilter4dDescriptor) && EQP_DNN(cudnnDestroyFilterDescriptor)
            && EQP_DNN(cudnnCreateConvolutionDescriptor) && EQP_DNN(cudnnSetConvolution2dDescriptor)
            && EQP_DNN(cudnnSetConvolutionMathType) && EQP_DNN(cudnnDestroyConvolutionDescriptor)
            && EQP_DNN(cudnnGetConvolutionForwardAlgorithm_v7) && EQP_DNN(cudnnGetConvolutionForwardWorkspaceSize)
            && EQP_DNN(cudnnConvolutionForward) && EQP_DNN(cudnnGetConvolutionBackwardDataAlgorithm_v7)
            && EQP_DNN(cudnnGetConvolutionBackwardDataWorkspaceSize) && EQP_DNN(cudnnConvolutionBackwardData)
            && EQP_DNN(cudnnGetConvolutionBackwardFilterAlgorithm_v7)
            && EQP_DNN(cudnnGetConvolutionBackwardFilterWorkspaceSize) && EQP_DNN(cudnnConvolutionBackwardFilter);
#undef EQP_DNN
    if (!ok) {
        dnnWhat_ = "cuDNN unusable: " + why;
        dnnLib_ = 0;
        return;
    }
    bindStandIn(dnnLib_, device_);
    DeviceScope scope(device_);
    int s = scope.ok() ? dnn_.cudnnCreate(&dnnHandle_) : -1;
    if (s != 0) {
        dnnWhat_ = "cuDNN " + path + ": cudnnCreate failed (" + dnnError(s) + ")";
        dnnHandle_ = 0;
        return;
    }
    size_t v = dnn_.cudnnGetVersion();
    dnnWhat_ = "cuDNN " + std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + "." +
               std::to_string(v % 100) + " (" + path + ")";
}

void Vendor::openCublas() {
    blasTried_ = true;
    if (blasLib_ == 0 && !vendor_libraries_wanted()) {
        blasWhat_ = "off (EQPROP_VENDOR=none)";
        return;
    }
    std::string path = blasPath_, why;
    if (!blasLib_) blasLib_ = openFirst("EQPROP_CUBLAS", {"libcublas.so.13", "/usr/local/cuda/lib64/libcublas.so.13",
                                                       "libcublas.so.12"}, &path, &why);
    blasPath_ = path;
    if (!blasLib_) {
        blasWhat_ = "cuBLAS " + why;
        return;
    }
#define EQP_BLAS(f) bindTo(blasLib_, &blas_.f, #f, &why, path)
    bool ok = EQP_BLAS(cublasCreate_v2) && EQP_BLAS(cublasDestroy_v2) && EQP_BLAS(cublasGetVersion_v2)
            && EQP_BLAS(cublasSetMathMode) && EQP_BLAS(cublasSgemm_v2);
#undef EQP_BLAS
    if (!ok) {
        blasWhat_ = "cuBLAS unusable: " + why;
        blasLib_ = 0;
        return;
    }
    bindStandIn(blasLib_, device_);
    DeviceScope scope(device_);
    int s = scope.ok() ? blas_.cublasCreate_v2(&blasHandle_) : -1;
    if (s != 0) {
        blasWhat_ = "cuBLAS " + path + ": cublasCreate failed (status " + std::to_string(s) + ")";
        blasHandle_ = 0;
        return;
    }
    int v = 0;
    blas_.cublasGetVersion_v2(blasHandle_, &v);
    blasWhat_ = "cuBLAS " + std::to_string(v / 10000) + "." + std::to_string(v % 10000 / 100) + " (" + path + ")";
}

/** After the context was reset (a sticky error), the handles made in the old one are let go and made anew. */
void Vendor::renew() {
    if (generation_ == device_.generation()) return;
    generation_ = device_.generation();
    if (dnnHandle_) dnn_.cudnnDestroy(dnnHandle_);
    if (blasHandle_) blas_.cublasDestroy_v2(blasHandle_);
    dnnTried_ = blasTried_ = false;
    dnnHandle_ = blasHandle_ = 0;
    blasMath_ = -1;
}

bool Vendor::cudnn() {
    std::lock_guard<std::mutex> lock(mutex);
    renew();
    if (!dnnTried_) openCudnn();
    return dnnHandle_ != 0;
}

bool Vendor::cublas() {
    std::lock_guard<std::mutex> lock(mutex);
    renew();
    if (!blasTried_) openCublas();
    return blasHandle_ != 0;
}

bool Vendor::cublasMath(int precision) {
    if (precision == EQP_BF16) return false;
    int mode = precision == EQP_TF32 ? EQP_CUBLAS_TF32_TENSOR_OP_MATH : EQP_CUBLAS_DEFAULT_MATH;
    if (mode != blasMath_) {
        if (blas_.cublasSetMathMode(blasHandle_, mode) != 0) return false;
        blasMath_ = mode;
    }
    return true;
}

std::string Vendor::dnnError(int status) const {
    const char* s = dnn_.cudnnGetErrorString ? dnn_.cudnnGetErrorString(status) : 0;
    return std::string(s ? s : "cuDNN error") + " (" + std::to_string(status) + ")";
}

}  // namespace eqprop
