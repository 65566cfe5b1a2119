// cuda_driver_types.h: the CUDA driver API's handle types as this module uses them, without the CUDA toolkit's
// headers (the driver is opened at run time; its CPU stand-in implements the same entry points).
#ifndef EQP_CUDA_DRIVER_TYPES_H
#define EQP_CUDA_DRIVER_TYPES_H

typedef int CUresult;
typedef int CUdevice;
typedef void* CUcontext;
typedef void* CUmodule;
typedef void* CUfunction;
typedef void* CUstream;
typedef void* CUevent;
typedef unsigned long long CUdeviceptr;
typedef void* CUgraph;
typedef void* CUgraphExec;

#endif
