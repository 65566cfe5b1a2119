// eqprop_vendor.h: NVIDIA's libraries for the products of a resident iteration, when the machine has them: the
// convolutions (forward z = w ⋆ h, transposed w ⋆ᵀ g, weight gradient g ⋆ h) through cuDNN, and the dense products
// and the dense contrast through cuBLAS. Both are opened at run time like the driver (no build-time dependency;
// a machine without them uses the module's own kernels): EQPROP_CUDNN / EQPROP_CUBLAS name the libraries (the CPU
// stand-ins in the tests), else libcudnn.so.9 and libcublas.so.13 (or .12) are looked up; EQPROP_VENDOR=none
// keeps to the own kernels. The operand precision maps to their math modes: fp32 → cuDNN's FMA math and cuBLAS's
// default (fp32) math, tf32 → their TF32 tensor-core math; bf16 has no form with fp32 tensors, so it keeps the own
// kernels (which round to bf16).
#ifndef EQP_VENDOR_H
#define EQP_VENDOR_H

#include "cuda_driver_types.h"

#include <cstddef>
#include <mutex>
#include <string>

namespace eqprop {

class Device;

typedef void* CudnnHandle;
typedef void* CudnnDescriptor;

/** The cuDNN entry points used (cuDNN 8 and 9: the legacy convolution API). */
struct CudnnApi {
    size_t (*cudnnGetVersion)();
    const char* (*cudnnGetErrorString)(int);
    int (*cudnnCreate)(CudnnHandle*);
    int (*cudnnDestroy)(CudnnHandle);
    int (*cudnnCreateTensorDescriptor)(CudnnDescriptor*);
    int (*cudnnSetTensor4dDescriptor)(CudnnDescriptor, int, int, int, int, int, int);
    int (*cudnnDestroyTensorDescriptor)(CudnnDescriptor);
    int (*cudnnCreateFilterDescriptor)(CudnnDescriptor*);
    int (*cudnnSetFilter4dDescriptor)(CudnnDescriptor, int, int, int, int, int, int);
    int (*cudnnDestroyFilterDescriptor)(CudnnDescriptor);
    int (*cudnnCreateConvolutionDescriptor)(CudnnDescriptor*);
    int (*cudnnSetConvolution2dDescriptor)(CudnnDescriptor, int, int, int, int, int, int, int, int);
    int (*cudnnSetConvolutionMathType)(CudnnDescriptor, int);
    int (*cudnnDestroyConvolutionDescriptor)(CudnnDescriptor);
    int (*cudnnGetConvolutionForwardAlgorithm_v7)(CudnnHandle, CudnnDescriptor, CudnnDescriptor, CudnnDescriptor,
                                                  CudnnDescriptor, int, int*, void*);
    int (*cudnnGetConvolutionForwardWorkspaceSize)(CudnnHandle, CudnnDescriptor, CudnnDescriptor, CudnnDescriptor,
                                                   CudnnDescriptor, int, size_t*);
    int (*cudnnConvolutionForward)(CudnnHandle, const void*, CudnnDescriptor, const void*, CudnnDescriptor,
                                   const void*, CudnnDescriptor, int, void*, size_t, const void*, CudnnDescriptor,
                                   void*);
    int (*cudnnGetConvolutionBackwardDataAlgorithm_v7)(CudnnHandle, CudnnDescriptor, CudnnDescriptor,
                                                       CudnnDescriptor, CudnnDescriptor, int, int*, void*);
    int (*cudnnGetConvolutionBackwardDataWorkspaceSize)(CudnnHandle, CudnnDescriptor, CudnnDescriptor,
                                                        CudnnDescriptor, CudnnDescriptor, int, size_t*);
    int (*cudnnConvolutionBackwardData)(CudnnHandle, const void*, CudnnDescriptor, const void*, CudnnDescriptor,
                                        const void*, CudnnDescriptor, int, void*, size_t, const void*,
                                        CudnnDescriptor, void*);
    int (*cudnnGetConvolutionBackwardFilterAlgorithm_v7)(CudnnHandle, CudnnDescriptor, CudnnDescriptor,
                                                         CudnnDescriptor, CudnnDescriptor, int, int*, void*);
    int (*cudnnGetConvolutionBackwardFilterWorkspaceSize)(CudnnHandle, CudnnDescriptor, CudnnDescriptor,
                                                          CudnnDescriptor, CudnnDescriptor, int, size_t*);
    int (*cudnnConvolutionBackwardFilter)(CudnnHandle, const void*, CudnnDescriptor, const void*, CudnnDescriptor,
                                          const void*, CudnnDescriptor, int, void*, size_t, const void*,
                                          CudnnDescriptor, void*);
};

/** The cuBLAS entry points used. */
struct CublasApi {
    int (*cublasCreate_v2)(void**);
    int (*cublasDestroy_v2)(void*);
    int (*cublasGetVersion_v2)(void*, int*);
    int (*cublasSetMathMode)(void*, int);
    int (*cublasSgemm_v2)(void*, int, int, int, int, int, const float*, const float*, int, const float*, int,
                          const float*, float*, int);
};

/** cuDNN's algorithm choice for one direction of one convolution (the v7 heuristics' first answer). */
struct CudnnAlgoPerf {
    int algo;
    int status;
    float time;
    size_t memory;
    int determinism;
    int mathType;
    int reserved[3];
};

/** The libraries of one device, opened once. */
class Vendor {
public:
    /** The libraries of this device (opened on first use). */
    static Vendor& of(Device& device);

    /** cuDNN (nullptr when it is absent or switched off); its handle on first use. */
    bool cudnn();
    bool cublas();
    const CudnnApi& dnn() const { return dnn_; }
    const CublasApi& blas() const { return blas_; }
    CudnnHandle dnnHandle() const { return dnnHandle_; }
    void* blasHandle() const { return blasHandle_; }
    /** "cuDNN 9.19.0 (path)", "cuBLAS 13.0 (path)", or why not. */
    const std::string& cudnnDescription() const { return dnnWhat_; }
    const std::string& cublasDescription() const { return blasWhat_; }
    /** cuBLAS's math mode for a precision: true when it exists (bf16 has none with fp32 data). */
    bool cublasMath(int precision);
    std::string dnnError(int status) const;

    std::mutex mutex;

private:
    explicit Vendor(Device& d) : device_(d) {}
    void openCudnn();
    void openCublas();
    void renew();

    Device& device_;
    int generation_ = 0;   // the device context the handles belong to (a reset context needs new ones)
    bool dnnTried_ = false, blasTried_ = false;
    void* dnnLib_ = 0;
    void* blasLib_ = 0;
    CudnnApi dnn_{};
    CublasApi blas_{};
    CudnnHandle dnnHandle_ = 0;
    void* blasHandle_ = 0;
    int blasMath_ = -1;
    std::string dnnWhat_, blasWhat_, dnnPath_, blasPath_;
};

/** cuDNN's constants used here. */
const int EQP_CUDNN_TENSOR_NCHW = 0;
const int EQP_CUDNN_DATA_FLOAT = 0;
const int EQP_CUDNN_CROSS_CORRELATION = 1;
const int EQP_CUDNN_TENSOR_OP_MATH = 1;
const int EQP_CUDNN_FMA_MATH = 3;
const int EQP_CUBLAS_OP_N = 0;
const int EQP_CUBLAS_OP_T = 1;
const int EQP_CUBLAS_DEFAULT_MATH = 0;
const int EQP_CUBLAS_TF32_TENSOR_OP_MATH = 3;

}  // namespace eqprop

#endif
