/**
 * The CUDA engine of EqProp relaxations (see the module README): the kernels of {@code src/main/cuda} (a persistent
 * dense relaxation kernel, the conv step's elementwise fusion, implicit-GEMM convolutions, the contrast gradient
 * reductions), their JavaCPP binding {@link org.eqprop.cuda.EqpropNative}, the typed facade
 * {@link org.eqprop.cuda.CudaKernels} (host build or GPU), the probe {@link org.eqprop.cuda.CudaRuntime} and the
 * engine {@link org.eqprop.cuda.CudaRelaxationEngine}, registered with {@code org.eqprop.engines.EngineChoice}.
 */
package org.eqprop.cuda;
