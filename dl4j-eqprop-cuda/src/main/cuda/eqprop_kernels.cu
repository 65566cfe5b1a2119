// eqprop_kernels.cu: the one translation unit nvcc compiles into the module's fatbin (every kernel, one module).
#include "dense_relax.cu"
#include "contrast_grad.cu"
#include "igemm_conv.cu"
#include "conv_step.cu"
#include "session_kernels.cu"
